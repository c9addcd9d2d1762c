import pytest
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from transcripts import serve

ALLOWED = ["http://localhost:5173", "https://app.example.com"]
NOT_ALLOWED = [
    "https://evil.example",
    "null",  # sandboxed iframes and file:// pages send this
    "http://app.example.com",  # another scheme is another origin
    "https://app.example.com:8443",  # and so is another port
    "https://app.example.com.evil.example",
    "https://evil-app.example.com",
    "http://localhost:51730",
    "http://127.0.0.1:5173",  # the same machine, but not the same origin string
    "HTTP://LOCALHOST:5173",
]


def preflight(origin, method="DELETE", headers="authorization"):
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


@pytest.mark.parametrize("origin", ALLOWED)
def test_an_allowed_origin_passes_the_preflight(client, origin):
    response = client.options("/api/items/1", headers=preflight(origin))
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "GET, POST, DELETE"
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == (
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
        "Access-Control-Request-Private-Network"
    )


@pytest.mark.parametrize("origin", ALLOWED)
def test_an_allowed_origin_may_read_the_answer(client, origin):
    response = client.get("/api/items", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Request-ID"
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize("origin", NOT_ALLOWED)
def test_a_disallowed_origin_is_never_granted(client, origin):
    for method in ["GET", "POST", "DELETE"]:
        refused = client.options(
            "/api/items/1", headers=preflight(origin, method=method)
        )
        assert refused.status_code == 400
        assert refused.text == "Disallowed CORS origin"
        assert "access-control-allow-origin" not in refused.headers
        # Sent even when refusing; harmless, since no origin is granted.
        assert refused.headers["access-control-allow-credentials"] == "true"
    # With credentials, as a browser sends them for fetch(..., {credentials: "include"}).
    credentials = {"Cookie": "session=abc", "Authorization": "Bearer abc"}
    simple = client.get("/api/items", headers={"Origin": origin, **credentials})
    assert "access-control-allow-origin" not in simple.headers
    assert simple.headers["vary"] == "Origin"  # caches keep the answers apart
    # CORS is not access control: the server still ran the handler and sent the data.
    assert simple.status_code == 200
    assert simple.json() == [{"id": 1, "name": "Keyboard"}]


def test_a_delete_from_an_allowed_origin_may_read_its_answer(client):
    response = client.delete("/api/items/1", headers={"Origin": ALLOWED[0]})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED[0]


def test_a_delete_from_a_disallowed_origin_still_runs_if_sent_without_a_preflight(
    client,
):
    """Only browsers send preflights. curl, a script or a server just sends the DELETE."""
    response = client.delete("/api/items/1", headers={"Origin": "https://evil.example"})
    assert response.status_code == 204
    assert "access-control-allow-origin" not in response.headers


def test_a_method_or_header_not_listed_fails_the_preflight(client):
    origin = ALLOWED[0]
    response = client.options("/api/items/1", headers=preflight(origin, method="PUT"))
    assert (response.status_code, response.text) == (400, "Disallowed CORS method")
    response = client.options(
        "/api/items/1", headers=preflight(origin, headers="x-api-key")
    )
    assert (response.status_code, response.text) == (400, "Disallowed CORS headers")
    # A failed preflight still names the origin: the browser refuses on the status.
    assert response.headers["access-control-allow-origin"] == origin


def test_options_need_not_be_listed_and_safelisted_headers_are_always_allowed(client):
    headers = preflight(ALLOWED[0], method="POST", headers="content-type, accept")
    response = client.options("/api/items", headers=headers)
    assert response.status_code == 200
    assert "OPTIONS" not in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Request-ID"
    )


def test_without_an_origin_header_nothing_cors_is_added(client):
    response = client.get("/api/items")
    assert not [name for name in response.headers if name.startswith("access-control-")]
    # An OPTIONS request that is not a preflight is routed like any other: no such route.
    assert (
        client.options("/api/items", headers={"Origin": ALLOWED[0]}).status_code == 405
    )


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "https://anyone.example"]
)
def test_wildcard_with_credentials_grants_every_origin_with_cookies(example, origin):
    client = TestClient(example.wildcard_app)
    response = client.options(
        "/api/me", headers=preflight(origin, method="DELETE", headers="content-type")
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    response = client.get(
        "/api/me", headers={"Origin": origin, "Cookie": "session=abc"}
    )
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"


def test_wildcard_without_credentials_sends_a_literal_star_and_no_credentials():
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"])

    @app.get("/")
    def root():
        return {}

    response = TestClient(app).get("/", headers={"Origin": "https://evil.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_a_trailing_slash_in_the_list_matches_no_browser_origin():
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com/"])

    @app.get("/")
    def root():
        return {}

    response = TestClient(app).get("/", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers


def test_an_unhandled_500_carries_no_cors_headers():
    """ServerErrorMiddleware sits outside every added middleware, CORS included, so the
    browser reports a CORS error instead of the 500."""
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=ALLOWED)

    @app.get("/crash")
    def crash():
        raise RuntimeError("a bug")

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/crash", headers={"Origin": ALLOWED[0]})
    assert response.status_code == 500
    assert "access-control-allow-origin" not in response.headers


def require_token(app):
    @app.middleware("http")
    async def refuse_without_token(request, call_next):
        if "authorization" not in request.headers:
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        return await call_next(request)


@pytest.mark.parametrize("cors_added_last, status", [(True, 200), (False, 401)])
def test_cors_must_be_added_last_so_preflights_skip_other_middleware(
    cors_added_last, status
):
    """A preflight never carries credentials. Added last, CORS is the outermost layer and
    answers it before an authentication middleware can refuse it."""
    app = FastAPI()
    if cors_added_last:
        require_token(app)
    app.add_middleware(
        CORSMiddleware, allow_origins=ALLOWED, allow_headers=["Authorization"]
    )
    if not cors_added_last:
        require_token(app)
    response = TestClient(app).options("/", headers=preflight(ALLOWED[0], method="GET"))
    assert response.status_code == status


def test_a_refused_preflight_is_a_400_in_the_servers_access_log(example, caplog):
    """What the page says the server log shows: uvicorn's access log line for a refused
    preflight carries its 400."""
    import logging
    import urllib.error
    import urllib.request

    caplog.set_level(logging.INFO, logger="uvicorn.access")
    with serve(example.app, logs=True) as base_url:
        request = urllib.request.Request(
            f"{base_url}/api/items/1",
            method="OPTIONS",
            headers=preflight("https://evil.example"),
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 400
        refused.value.close()
    access_log = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access_log) == 1
    assert access_log[0].endswith('"OPTIONS /api/items/1 HTTP/1.1" 400')
