"""What Example 45 claims beyond its prints: every admin route refuses a missing,
wrong or odd key, and takes the right one from the environment; the guard covers late
routes and WebSockets; what the trailing-slash redirect does; and the outline's router
guards nothing."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, WebSocket
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

KEY = {"X-API-Key": "s3cret"}


@pytest.fixture
def keyed(example, monkeypatch):
    """The example started as the transcript starts it: ADMIN_API_KEY=s3cret."""
    monkeypatch.setenv("ADMIN_API_KEY", "s3cret")
    return example


@pytest.fixture
def admin_client(keyed):
    with TestClient(keyed.app) as client:
        yield client


def test_the_key_comes_from_the_environment(admin_client):
    assert admin_client.get("/admin/stats", headers=KEY).json() == {"orders_today": 42}
    response = admin_client.delete("/admin/cache", headers=KEY)
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": ""},
        {"X-API-Key": "s3cre"},
        {"X-API-Key": "s3cret "},
        {"X-API-Key": "S3CRET"},
        {"X-API-Key": b"s3cr\xe9t"},  # not ASCII: compare_digest needs bytes here
        {"Authorization": "Bearer s3cret"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/stats"),
        ("DELETE", "/admin/cache"),
        ("GET", "/admin/reports/daily"),
    ],
)
def test_every_admin_route_refuses_anything_but_the_key(
    admin_client, method, path, headers
):
    response = admin_client.request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"


def test_without_a_configured_key_every_admin_request_is_refused(client, monkeypatch):
    monkeypatch.delenv("ADMIN_API_KEY", raising=False)
    for headers in ({}, {"X-API-Key": ""}, KEY):
        assert client.get("/admin/stats", headers=headers).status_code == 401


def test_every_admin_route_documents_the_key_and_the_401(admin_client, keyed):
    schema = admin_client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    }
    admin_paths = [path for path in schema["paths"] if path.startswith("/admin")]
    assert admin_paths == ["/admin/stats", "/admin/cache", "/admin/reports/daily"]
    for path in admin_paths:
        for operation in schema["paths"][path].values():
            assert operation["security"] == [{"APIKeyHeader": []}]
            assert "401" in operation["responses"]
            assert operation["tags"] == ["admin"]
    public = schema["paths"]["/reports/daily"]["get"]
    assert "security" not in public and public["tags"] == ["reports"]
    # The routes as FastAPI sees them: the router is kept by reference, not copied.
    guarded = {
        context.path
        for context in iter_route_contexts(keyed.app.routes)
        if keyed.require_admin_key
        in [depends.dependency for depends in getattr(context, "dependencies", [])]
    }
    assert guarded == {"/admin/stats", "/admin/cache", "/admin/reports/daily"}


def test_the_public_copy_of_the_reports_router_needs_no_key(admin_client):
    assert admin_client.get("/reports/daily").json() == {"orders": 42}


def test_a_route_added_after_include_router_is_guarded(keyed):
    router = APIRouter(prefix="/admin", dependencies=[Depends(keyed.require_admin_key)])
    app = FastAPI()
    app.include_router(router)

    @router.get("/late")
    def late() -> dict[str, bool]:
        return {"late": True}

    client = TestClient(app)
    assert client.get("/admin/late").status_code == 401
    assert client.get("/admin/late", headers=KEY).json() == {"late": True}


def test_a_websocket_route_on_the_router_is_guarded(keyed):
    router = APIRouter(prefix="/admin", dependencies=[Depends(keyed.require_admin_key)])

    @router.websocket("/live")
    async def live(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("stats")
        await websocket.close()

    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("/admin/live"),
    ):
        pass  # pragma: no cover - the connection is refused before this
    assert refused.value.status_code == 401
    with client.websocket_connect("/admin/live", headers=KEY) as websocket:
        assert websocket.receive_text() == "stats"


def test_the_trailing_slash_redirect_comes_before_the_key_check(admin_client):
    response = admin_client.get("/admin/stats/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/admin/stats"
    followed = admin_client.delete("/admin/cache/", headers=KEY)
    assert followed.status_code == 204  # the method and the key survive the redirect


def test_the_redirect_echoes_the_host_header(admin_client):
    response = admin_client.get(
        "/admin/stats/", headers={"host": "evil.example"}, follow_redirects=False
    )
    assert response.headers["location"] == "http://evil.example/admin/stats"


def test_without_redirect_slashes_the_slash_is_a_404(keyed):
    app = FastAPI(redirect_slashes=False)
    app.include_router(keyed.admin)
    client = TestClient(app, follow_redirects=False)
    assert client.get("/admin/stats/", headers=KEY).status_code == 404
    assert client.get("/admin/stats", headers=KEY).status_code == 200


def test_a_dependency_declared_twice_runs_once(keyed):
    calls = []

    def counted(key: Annotated[None, Depends(keyed.require_admin_key)]) -> str:
        calls.append(1)
        return "admin"

    router = APIRouter(dependencies=[Depends(counted)])

    @router.get("/me")
    def me(who: Annotated[str, Depends(counted)]) -> dict[str, str]:
        return {"who": who}

    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).get("/me", headers=KEY).json() == {"who": "admin"}
    assert calls == [1]


def test_the_outlines_router_answers_without_any_credentials(example):
    client = TestClient(example.outline_app)
    response = client.get("/users/")
    assert response.status_code == 200
    assert response.json() == [{"username": "alice"}]
    documented = client.get("/openapi.json").json()["paths"]["/users/"]["get"]
    assert {"401", "403"} <= set(documented["responses"])


def test_a_route_on_the_app_under_the_same_prefix_is_not_guarded(keyed):
    app = FastAPI()
    app.include_router(keyed.admin)

    @app.get("/admin/debug")
    def debug() -> dict[str, bool]:
        return {"debug": True}

    client = TestClient(app)
    assert client.get("/admin/stats").status_code == 401
    assert client.get("/admin/debug").json() == {"debug": True}
