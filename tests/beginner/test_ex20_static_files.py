import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from transcripts import serve

# Text that only the example's own source contains: seeing it in a response means a leak.
SOURCE_MARKER = b"class SPAStaticFiles"
INDEX_HTML_MARKER = b"The single-page app's JavaScript draws this page."


@pytest.fixture(scope="module")
def base_url(example):
    with serve(example.app) as url:
        yield url


def raw_request(base_url: str, path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send `path` exactly as written: unlike httpx and curl, http.client keeps `../`."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


TRAVERSALS = [
    "../ex20_static_files.py",  # plain
    "css/../../ex20_static_files.py",  # plain, from a subfolder
    "%2e%2e/ex20_static_files.py",  # percent-encoded dots
    "%2e%2e%2fex20_static_files.py",  # percent-encoded dots and slash
    "..%2fex20_static_files.py",  # encoded slash only
    "%252e%252e%252fex20_static_files.py",  # double-encoded
    "..%5cex20_static_files.py",  # backslash, a separator on Windows
    "%c0%ae%c0%ae%c0%afex20_static_files.py",  # overlong UTF-8 for "../"
    "/etc/passwd",  # absolute: /static//etc/passwd
    "%2fetc%2fpasswd",  # absolute, encoded
    "a%00b",  # NUL byte
]


def test_dot_segments_reach_the_app_unnormalised(base_url):
    """Proves the attacks below really arrive as written: StaticFiles resolves this one
    itself, and it stays inside the folder."""
    status, body = raw_request(base_url, "/static/css/../css/app.css")
    assert (status, body.splitlines()[0]) == (200, b"body {")


@pytest.mark.parametrize("mount", ["/static", "/site"])
@pytest.mark.parametrize("attack", TRAVERSALS)
def test_no_request_gets_a_file_outside_the_folder(base_url, mount, attack):
    status, body = raw_request(base_url, f"{mount}/{attack}")
    assert status == 404
    assert body == b'{"detail":"Not Found"}'


# Names the operating system refuses (see serving-files-safely.md#every-oserror-is-a-404).
REFUSED_BY_THE_OS = [
    "a" * 300,  # longer than a file name may be (ENAMETOOLONG)
    ("a" * 200 + "/") * 30,  # longer than a path may be
    "css/app.css/more",  # a file used as a folder (ENOTDIR)
    "index.html/more",
]


@pytest.mark.parametrize("mount", ["/static", "/site"])
@pytest.mark.parametrize("name", REFUSED_BY_THE_OS)
def test_a_name_the_os_refuses_is_a_404_not_a_500(base_url, mount, name):
    assert raw_request(base_url, f"{mount}/{name}") == (404, b'{"detail":"Not Found"}')


@pytest.mark.parametrize("name", REFUSED_BY_THE_OS)
def test_the_spa_fallback_answers_a_name_the_os_refuses_with_index_html(base_url, name):
    status, body = raw_request(base_url, f"/spa/{name}")
    if Path(name).suffix:  # an asset name: still a 404
        assert status == 404
    else:
        assert status == 200 and INDEX_HTML_MARKER in body


@pytest.mark.parametrize("attack", TRAVERSALS)
def test_the_spa_fallback_never_leaks_a_file_either(base_url, attack):
    status, body = raw_request(base_url, f"/spa/{attack}")
    assert SOURCE_MARKER not in body and b"root:" not in body
    assert (status == 404) or (status == 200 and INDEX_HTML_MARKER in body)


def test_files_are_served_with_their_content_type(client, example):
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert (
        css.content == (example.HERE / "ex20_static" / "css" / "app.css").read_bytes()
    )
    assert (
        client.get("/static/images/logo.svg").headers["content-type"] == "image/svg+xml"
    )


def test_home_builds_absolute_urls_from_the_mount_name(client):
    assert client.get("/").json() == {
        "message": "API is running",
        "stylesheet": "http://testserver/static/css/app.css",
        "logo": "http://testserver/static/images/logo.svg",
    }


def test_missing_file_is_a_json_404(client):
    response = client.get("/static/missing.txt")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_head_and_conditional_requests_and_other_methods(client):
    head = client.head("/static/css/app.css")
    assert head.status_code == 200 and head.content == b""
    first = client.get("/static/css/app.css")
    assert first.headers["last-modified"]
    etag = first.headers["etag"]
    cached = client.get("/static/css/app.css", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert client.post("/static/css/app.css").status_code == 405


def test_html_true_serves_index_html_for_directories_only(client):
    redirect = client.get("/site", follow_redirects=False)
    assert (redirect.status_code, redirect.headers["location"]) == (
        307,
        "http://testserver/site/",
    )
    index = client.get("/site/")
    assert index.status_code == 200 and INDEX_HTML_MARKER in index.content
    assert client.get("/site/books/42").status_code == 404


def test_html_true_answers_a_missing_file_with_404_html_if_present(tmp_path):
    (tmp_path / "index.html").write_text("home")
    (tmp_path / "404.html").write_text("no such page")
    app = FastAPI()
    app.mount("/site", StaticFiles(directory=tmp_path, html=True))
    response = TestClient(app).get("/site/books/42")
    assert (response.status_code, response.text) == (404, "no such page")


def test_spa_fallback_serves_routes_but_not_missing_assets(client):
    route = client.get("/spa/books/42")
    assert route.status_code == 200
    assert route.headers["content-type"] == "text/html; charset=utf-8"
    assert INDEX_HTML_MARKER in route.content
    assert client.get("/spa/").status_code == 200
    assert client.get("/spa/assets/missing.js").status_code == 404
    assert (
        client.post("/spa/books/42").status_code == 405
    )  # other errors are not hidden


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (folder / "inside.txt").write_text("public")
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=folder))
    client = TestClient(app)
    assert client.get("/static/inside.txt").text == "public"
    assert client.get("/static/link.txt").status_code == 404


def test_the_outlines_relative_folder_fails_at_startup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="Directory 'static' does not exist"):
        StaticFiles(directory="static")
    (tmp_path / "static").mkdir()
    StaticFiles(directory="static")  # only where the working directory has the folder
