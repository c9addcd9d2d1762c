import http.client
import os
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from transcripts import serve

SOURCE_MARKER = b"def naive_download"  # only this example's own source contains it
PRICE_LIST = b"id,name,price\n1,Widget,9.99\n2,Gadget,49.99\n"


@pytest.fixture(scope="module")
def base_url(example):
    with serve(example.app) as url:
        yield url


@pytest.fixture(scope="module")
def naive_url(example):
    """The naive routes, on their own app: they are there to be broken."""
    with serve(example.naive_app) as url:
        yield url


def raw_request(base_url: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """Send `path` exactly as written: unlike httpx and curl, http.client keeps `../`."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/html", 200, "text/html; charset=utf-8", b"<h1>Hello HTML</h1>"),
        ("/text", 200, "text/plain; charset=utf-8", b"Hello, plain text world!"),
        ("/json", 202, "application/json", b'{"status":"queued"}'),
        ("/csv", 200, "text/csv; charset=utf-8", PRICE_LIST),
        ("/csv/stream", 200, "text/csv; charset=utf-8", b"id,square\n1,1\n2,4\n3,9\n"),
        ("/price-list", 200, "text/csv; charset=utf-8", PRICE_LIST),
    ],
)
def test_each_class_sends_its_media_type_and_status(
    client, path, status, content_type, body
):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.content == body


def test_json_response_carries_its_own_headers(client):
    assert client.get("/json").headers["location"] == "/jobs/1"


def test_csv_and_file_downloads_name_the_file(client):
    assert (
        client.get("/csv").headers["content-disposition"]
        == 'attachment; filename="data.csv"'
    )
    download = client.get("/price-list")
    assert (
        download.headers["content-disposition"]
        == 'attachment; filename="price-list.csv"'
    )


def test_the_stream_is_chunked_with_no_content_length(base_url):
    status, headers, body = raw_request(base_url, "/csv/stream")
    assert status == 200
    assert headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers
    assert body == b"id,square\n1,1\n2,4\n3,9\n"


def test_permanent_redirect_and_the_307_default(client):
    moved = client.get("/old-url", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"], moved.content) == (
        301,
        "/new-url",
        b"",
    )
    assert "content-type" not in moved.headers
    default = client.get("/go?next=/new-url", follow_redirects=False)
    assert (default.status_code, default.headers["location"]) == (307, "/new-url")


def test_the_naive_routes_are_not_on_the_served_app(example, client):
    paths = example.app.openapi()["paths"]
    assert not [path for path in paths if "naive" in path]
    assert client.get("/naive-go", params={"next": "/"}).status_code == 404
    assert set(example.naive_app.openapi()["paths"]) == {
        "/naive-go",
        "/naive-downloads/{name}",
    }


def test_the_naive_redirect_goes_anywhere(example):
    client = TestClient(example.naive_app)
    for target in ["https://evil.example", "//evil.example"]:
        response = client.get(
            "/naive-go", params={"next": target}, follow_redirects=False
        )
        assert (response.status_code, response.headers["location"]) == (307, target)


@pytest.mark.parametrize("target", ["/", "/new-url", "/orders/42", "/a_b/c-d"])
def test_the_checked_redirect_accepts_local_paths(client, target):
    response = client.get("/go", params={"next": target}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, target)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "http://evil.example/new-url",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/new-url?x=//evil.example",
        "/../new-url",
        "",
    ],
)
def test_the_checked_redirect_refuses_everything_else(client, target):
    response = client.get("/go", params={"next": target}, follow_redirects=False)
    assert response.status_code == 422
    assert "location" not in response.headers


def test_the_checked_redirect_error_body(client, example):
    response = client.get("/go?next=//evil.example")
    assert response.json() == {
        "detail": [
            {
                "type": "string_pattern_mismatch",
                "loc": ["query", "next"],
                "msg": f"String should match pattern '{example.LOCAL_PATH}'",
                "input": "//evil.example",
                "ctx": {"pattern": example.LOCAL_PATH},
            }
        ]
    }


def test_without_next_the_checked_redirect_goes_home(client):
    response = client.get("/go", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/")


@pytest.fixture
def outside_secret(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    return secret


def traversals(secret_path: str) -> list[str]:
    return [
        "../ex22_response_types.py",  # plain
        "%2e%2e/ex22_response_types.py",  # percent-encoded dots
        "%2e%2e%2fex22_response_types.py",  # percent-encoded dots and slash
        "..%2fex22_response_types.py",  # encoded slash only
        "/" + secret_path.lstrip("/"),  # absolute: /downloads//tmp/.../secret.txt
        "%2f" + secret_path.lstrip("/").replace("/", "%2f"),  # absolute, encoded
    ]


def test_the_naive_download_leaks_files_outside_its_folder(naive_url, outside_secret):
    """The fix is on the page Serving files safely, whose tests send these and more."""
    for attack in traversals(str(outside_secret)):
        status, _, body = raw_request(naive_url, f"/naive-downloads/{attack}")
        assert status == 200, attack
        assert SOURCE_MARKER in body or body == b"secret", attack


def test_the_naive_download_answers_a_missing_file_with_500(naive_url):
    status, _, _ = raw_request(
        naive_url, "/naive-downloads/%252e%252e%252fex22_response_types.py"
    )
    assert status == 500


def test_the_outlines_download_route(tmp_path):
    """The outline's route, on a folder of our own instead of /tmp."""
    app = FastAPI()

    @app.get("/download/{filename}")
    def download_file(filename: str):
        file_path = f"{tmp_path}/{filename}"
        if not os.path.exists(file_path):
            return Response(status_code=404)
        return FileResponse(path=file_path, filename=filename)

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/download/%2e%2e").status_code == 500  # a directory "exists"
    assert (
        client.get("/download/..%2fsecret.txt").status_code == 404
    )  # no route matches
    missing = client.get("/download/missing.txt")
    assert (missing.status_code, missing.content) == (404, b"")


def test_a_json_response_does_not_convert_its_content():
    app = FastAPI()

    @app.get("/now")
    def now():
        return JSONResponse({"at": datetime(2026, 1, 1)})

    with pytest.raises(TypeError, match="not JSON serializable"):
        TestClient(app).get("/now")


def test_a_returned_response_skips_response_model_filtering():
    class Public(BaseModel):
        name: str

    app = FastAPI()

    @app.get("/filtered", response_model=Public)
    def filtered():
        return {"name": "Widget", "secret": "s3cret"}

    @app.get("/unfiltered", response_model=Public)
    def unfiltered():
        return JSONResponse({"name": "Widget", "secret": "s3cret"})

    client = TestClient(app)
    assert client.get("/filtered").json() == {"name": "Widget"}
    assert client.get("/unfiltered").json() == {"name": "Widget", "secret": "s3cret"}


def test_the_decorators_tell_the_docs_what_the_response_objects_send(example):
    paths = example.app.openapi()["paths"]
    for path in ["/csv", "/csv/stream", "/price-list"]:
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["text/csv"]
    assert "202" in paths["/json"]["get"]["responses"]
    assert "301" in paths["/old-url"]["get"]["responses"]
    assert "307" in paths["/go"]["get"]["responses"]


def test_the_served_download_takes_no_name_from_the_url(example):
    """The safe minimum: the only file route sends one known file (a name from the URL
    needs the check of Serving files safely)."""
    file_routes = [
        route.path
        for route in example.app.routes
        if getattr(route, "response_class", None) is example.FileResponse
    ]
    assert file_routes == ["/price-list"]


def test_without_the_hints_the_docs_call_every_response_object_200_json():
    app = FastAPI()

    @app.get("/queued")
    def queued():
        return JSONResponse({"status": "queued"}, status_code=202)

    @app.get("/table")
    def table():
        return Response("a,b\n", media_type="text/csv")

    paths = app.openapi()["paths"]
    for path in ["/queued", "/table"]:
        responses = paths[path]["get"]["responses"]
        assert list(responses) == ["200"]
        assert list(responses["200"]["content"]) == ["application/json"]
