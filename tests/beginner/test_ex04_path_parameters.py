import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from transcripts import serve

INT_PARSING_ERROR = {
    "detail": [
        {
            "type": "int_parsing",
            "loc": ["path", "item_id"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "abc",
        }
    ]
}


def test_path_segment_is_converted_to_int(client):
    assert client.get("/items/42").json() == {"item_id": 42, "type": "int"}
    assert client.get("/users/5/posts/10").json() == {"user_id": 5, "post_id": 10}


def test_non_integer_segment_is_422_with_the_exact_error(client):
    response = client.get("/items/abc")
    assert response.status_code == 422
    assert response.json() == INT_PARSING_ERROR


def test_the_handler_is_not_called_when_validation_fails(example, client, monkeypatch):
    (route,) = [
        r for r in example.app.routes if getattr(r, "path", "") == "/items/{item_id}"
    ]
    calls = []
    monkeypatch.setattr(route.dependant, "call", lambda **kwargs: calls.append(kwargs))
    assert client.get("/items/abc").status_code == 422
    assert calls == []
    client.get("/items/1")
    assert calls == [{"item_id": 1}]  # the spy is really in place


def test_second_path_parameter_is_validated_too(client):
    response = client.get("/users/5/posts/x")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "post_id"]


@pytest.mark.parametrize(
    ("segment", "value"),
    [
        ("042", 42),
        ("+7", 7),
        ("4.0", 4),
        ("99999999999999999999999", 99999999999999999999999),
    ],
)
def test_int_accepts_more_than_digits_and_has_no_upper_bound(client, segment, value):
    assert client.get(f"/items/{segment}").json()["item_id"] == value


@pytest.mark.parametrize("segment", ["4.5", "abc", "1e3"])
def test_int_refuses_what_it_cannot_read_exactly(client, segment):
    assert client.get(f"/items/{segment}").status_code == 422


def test_path_converter_captures_slashes_and_decoded_dots(example):
    naive = TestClient(example.naive_app)
    assert naive.get("/files/dir/sub/file.txt").json() == {
        "file_path": "dir/sub/file.txt"
    }
    assert naive.get("/files/%2e%2e/%2e%2e/etc/passwd").json() == {
        "file_path": "../../etc/passwd"
    }
    # A doubled slash arrives as an absolute path, which `folder / path` then follows.
    assert naive.get("/files//etc/passwd").json() == {"file_path": "/etc/passwd"}
    assert example.DOCUMENTS / "/etc/passwd" == Path("/etc/passwd")


def test_the_naive_route_is_not_on_the_served_app(example, client):
    assert client.get("/files/dir/sub/file.txt").status_code == 404
    assert "/files/{file_path}" not in client.get("/openapi.json").json()["paths"]
    assert [route.path for route in example.naive_app.routes][
        -1
    ] == "/files/{file_path:path}"


def test_the_documents_route_declares_its_404(client):
    operation = client.get("/openapi.json").json()["paths"]["/documents/{file_path}"][
        "get"
    ]
    assert operation["responses"]["404"] == {"description": "No such document"}
    assert set(operation["responses"]) == {"200", "404", "422"}


def test_an_encoded_newline_inside_the_path_matches_no_route(client):
    """What the fuzzer found: Starlette's {name:path} matches any character but a newline,
    so such a path gets the router's own 404, which the declared 404 covers."""
    response = client.get("/documents/guides%0Asetup.txt")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_document_inside_the_folder_is_served(client):
    response = client.get("/documents/guides/setup.txt")
    assert response.status_code == 200
    assert response.json() == {
        "file_path": "guides/setup.txt",
        "content": "Setup guide: install the requirements, then run fastapi dev.\n",
    }


def get_raw(base_url: str, raw_path: str) -> tuple[int, bytes]:
    """Send raw_path exactly as written: no client-side normalisation of '..' or '%'."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
    try:
        connection.request("GET", raw_path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


TRAVERSALS = [
    "/documents/../ex04_path_parameters.py",
    "/documents/../../beginner/ex04_path_parameters.py",
    "/documents/guides/../../ex04_path_parameters.py",
    "/documents/%2e%2e/ex04_path_parameters.py",
    "/documents/%2e%2e%2fex04_path_parameters.py",
    "/documents/%2E%2E%2Fex04_path_parameters.py",
    "/documents/..%2fex04_path_parameters.py",
    "/documents/%252e%252e%252fex04_path_parameters.py",
    "/documents/%252e%252e/ex04_path_parameters.py",
    "/documents//etc/passwd",
    "/documents/%2fetc%2fpasswd",
    "/documents/..%5cex04_path_parameters.py",
    "/documents/%c0%ae%c0%ae%c0%afex04_path_parameters.py",  # overlong UTF-8 "../"
    "/documents/guides/%2e%2e/%2e%2e/ex04_path_parameters.py",
    "/documents/welcome.txt%00.py",
    "/documents/%00",
    "/documents/",
    "/documents/guides",
    "/documents/nope.txt",
]


def test_traversal_attempts_get_404_from_a_real_server(example):
    secret = (example.DOCUMENTS.parent / "ex04_path_parameters.py").read_bytes()
    with serve(example.app) as base_url:
        for raw_path in TRAVERSALS:
            status, body = get_raw(base_url, raw_path)
            assert status == 404, (raw_path, status, body)
            assert body == b'{"detail":"Document not found"}', raw_path
            assert b"root:" not in body and secret[:40] not in body


def test_raw_dot_dot_reaches_the_echo_route_unchanged(example):
    with serve(example.naive_app) as base_url:
        status, body = get_raw(base_url, "/files/../../etc/passwd")
    assert (status, body) == (200, b'{"file_path":"../../etc/passwd"}')


def test_a_symlink_pointing_outside_the_folder_is_refused(
    example, client, monkeypatch, tmp_path
):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "inside.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("secret")
    (documents / "link.txt").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(example, "DOCUMENTS", documents.resolve())
    assert client.get("/documents/inside.txt").json()["content"] == "inside"
    assert client.get("/documents/link.txt").status_code == 404


def test_a_sibling_folder_sharing_the_prefix_is_outside(
    example, client, monkeypatch, tmp_path
):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs-private").mkdir()
    (tmp_path / "docs-private" / "secret.txt").write_text("secret")
    monkeypatch.setattr(example, "DOCUMENTS", (tmp_path / "docs").resolve())
    assert client.get("/documents/%2e%2e/docs-private/secret.txt").status_code == 404


def test_without_the_check_the_same_request_reads_the_source_code(example):
    """The attack the page describes, against a naive route that opens folder / file_path."""
    naive = FastAPI()

    @naive.get("/documents/{file_path:path}")
    def read_document(file_path: str):
        return {"content": (example.DOCUMENTS / file_path).read_text(encoding="utf-8")}

    with serve(naive) as base_url:
        status, body = get_raw(base_url, "/documents/../ex04_path_parameters.py")
        assert status == 200 and b"def find_document" in body
        status, body = get_raw(base_url, "/documents/%2e%2e%2fex04_path_parameters.py")
        assert status == 200 and b"def find_document" in body


# Paths the operating system refuses to look up. Each once made the route answer 500 (a name
# over the file system's limit), or could: every one must be a plain "not found".
REFUSED_BY_THE_SYSTEM = [
    "a" * 300,  # ENAMETOOLONG: one name over 255 bytes
    "guides/" + "b" * 256,
    "welcome.txt/" + "a" * 300,
    ("a" * 200 + "/") * 30,  # a whole path over PATH_MAX (4096)
    "welcome.txt/x",  # ENOTDIR: a path that continues through a file
    "welcome.txt/..",
    "%00",  # ValueError: embedded NUL byte
    "guides/setup.txt%00.txt",
    "%c3%a9" * 200,  # 400 bytes of UTF-8 in one name
]


@pytest.mark.parametrize("path", REFUSED_BY_THE_SYSTEM, ids=lambda path: path[:24])
def test_a_path_the_system_refuses_is_a_404_not_a_500(client, path):
    response = client.get(f"/documents/{path}")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Document not found"},
    )


def test_a_name_too_long_is_a_404_from_a_real_server(example):
    with serve(example.app) as base_url:
        assert get_raw(base_url, "/documents/" + "a" * 300) == (
            404,
            b'{"detail":"Document not found"}',
        )


@pytest.fixture
def documents(example, monkeypatch, tmp_path):
    """An empty documents folder of the test's own, in place of the example's."""
    folder = tmp_path / "documents"
    folder.mkdir()
    monkeypatch.setattr(example, "DOCUMENTS", folder.resolve())
    return folder


def test_a_symlink_loop_is_a_404(client, documents):
    (documents / "loop.txt").symlink_to(documents / "loop.txt")
    (documents / "ping.txt").symlink_to(documents / "pong.txt")
    (documents / "pong.txt").symlink_to(documents / "ping.txt")
    for name in ["loop.txt", "ping.txt", "loop.txt/x"]:
        assert client.get(f"/documents/{name}").status_code == 404, name


def test_a_file_that_is_not_utf8_text_is_a_404(client, documents):
    (documents / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert client.get("/documents/logo.png").status_code == 404


def test_a_file_the_server_cannot_read_is_a_404(client, documents, monkeypatch):
    (documents / "secret.txt").write_text("secret")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    # Tests may run as root, which reads any file: refuse the read as the system would.
    monkeypatch.setattr(Path, "read_text", refuse)
    assert client.get("/documents/secret.txt").status_code == 404


def test_a_file_deleted_between_the_check_and_the_read_is_a_404(
    client, documents, monkeypatch
):
    (documents / "gone.txt").write_text("soon gone")
    real_is_file = Path.is_file

    def is_file_then_delete(self):
        found = real_is_file(self)
        if found:
            self.unlink()
        return found

    monkeypatch.setattr(Path, "is_file", is_file_then_delete)
    assert client.get("/documents/gone.txt").status_code == 404


def test_starlette_static_files_refuse_the_same_traversal(example):
    """The page's pointer: StaticFiles performs the same kind of check for a folder."""
    from starlette.staticfiles import StaticFiles

    static = FastAPI()
    static.mount("/documents", StaticFiles(directory=example.DOCUMENTS))
    with serve(static) as base_url:
        assert get_raw(base_url, "/documents/welcome.txt")[0] == 200
        for raw_path in TRAVERSALS[:10]:
            status, body = get_raw(base_url, raw_path)
            assert status == 404 and b"def find_document" not in body, raw_path


def test_every_file_inside_the_folder_is_public_hidden_ones_included(client, documents):
    """The page: what this minimum does not cover."""
    (documents / ".env").write_text("API_KEY=s3cret\n")
    assert client.get("/documents/.env").json()["content"] == "API_KEY=s3cret\n"
