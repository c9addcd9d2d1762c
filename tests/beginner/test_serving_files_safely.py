"""Serving files safely: every spelling of a name outside the folder, every name the
operating system refuses, and the test client's own way of decoding paths."""

import errno
import http.client
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from transcripts import serve

SOURCE_MARKER = b"def naive_read_file"  # only the snippet's own source contains it
NOT_FOUND = b'{"detail":"File not found"}'


@pytest.fixture(scope="module")
def base_url(example):
    with serve(example.app) as url:
        yield url


@pytest.fixture(scope="module")
def naive_url(example):
    """The naive route, on its own app: it is there to be broken."""
    with serve(example.naive_app) as url:
        yield url


def raw_request(base_url: str, path: str) -> tuple[int, bytes]:
    """Send `path` exactly as written: unlike httpx and curl, http.client keeps `../`."""
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


LEAKS = [
    "../serving_files_safely.py",  # plain
    "%2e%2e/serving_files_safely.py",  # dots encoded
    "%2E%2E%2Fserving_files_safely.py",  # dots and slash encoded, upper case
    "..%2fserving_files_safely.py",  # slash encoded
    "/etc/passwd",  # absolute: /files//etc/passwd
    "%2fetc%2fpasswd",  # absolute, encoded
]
NOT_A_FILE_HERE = [
    "%252e%252e%252fserving_files_safely.py",  # encoded twice: a name with % in it
    "%c0%ae%c0%ae%c0%afserving_files_safely.py",  # overlong UTF-8 for "../"
    "..%5cserving_files_safely.py",  # a backslash: an ordinary character on Linux
    "notes.txt%00.py",  # a NUL byte
    "..",  # the folder's parent, a directory
    "",  # the folder itself
    "a" * 300,  # a name longer than the file system allows (ENAMETOOLONG)
    ("a" * 200 + "/") * 30,  # a path longer than the OS allows
    "notes.txt/more",  # a file used as a folder (ENOTDIR)
    "missing.txt",
    "sub/../../serving_files_safely.py",  # the OS finds no "sub" to climb out of
]


@pytest.mark.parametrize("mount", ["/files", "/static"])
@pytest.mark.parametrize("probe", LEAKS + NOT_A_FILE_HERE)
def test_the_safe_routes_answer_404_to_every_probe(base_url, mount, probe):
    status, body = raw_request(base_url, f"{mount}/{probe}")
    assert status == 404, (probe, body)
    assert SOURCE_MARKER not in body and b"root:" not in body
    if mount == "/files":
        assert body == NOT_FOUND


def test_the_probes_really_reach_the_route(base_url):
    """Dot segments arrive as sent (the server does not remove them), and a file inside
    the folder is served: the 404s above are the check at work, not a routing accident."""
    assert raw_request(base_url, "/files/sub/../notes.txt") == (
        200,
        b"These notes are public: anyone may download them.\n",
    )
    assert raw_request(base_url, "/static/sub/../notes.txt")[0] == 200


@pytest.mark.parametrize("probe", LEAKS)
def test_the_naive_route_leaks_files_outside_its_folder(naive_url, probe):
    status, body = raw_request(naive_url, f"/files/{probe}")
    assert status == 200, probe
    assert SOURCE_MARKER in body or body.startswith(b"root:"), probe


@pytest.mark.parametrize(
    "probe", NOT_A_FILE_HERE[:4] + ["a" * 300, "notes.txt/more", "sub/../../x"]
)
def test_the_naive_route_answers_500_to_a_name_it_cannot_serve(naive_url, probe):
    assert raw_request(naive_url, f"/files/{probe}")[0] == 500, probe


def echo_app() -> FastAPI:
    app = FastAPI()

    @app.get("/files/{name:path}")
    def echo(name: str):
        return {"name": name}

    return app


@pytest.mark.parametrize(
    ("sent", "received"),
    [
        ("../x", "../x"),
        ("%2e%2e/x", "../x"),
        ("..%2fx", "../x"),
        ("/etc/passwd", "/etc/passwd"),
        ("%2fetc%2fpasswd", "/etc/passwd"),
        ("%252e%252e%252fx", "%2e%2e%2fx"),  # decoded once, not twice
        ("%c0%ae%c0%ae%c0%afx", "\ufffd" * 6 + "x"),  # invalid UTF-8: never a dot
        ("..%5cx", "..\\x"),
        ("a%00b", "a\x00b"),
    ],
)
def test_what_a_real_server_hands_the_route(sent, received):
    with serve(echo_app()) as url:
        status, body = raw_request(url, f"/files/{sent}")
    assert (status, json.loads(body)) == (200, {"name": received})


def test_the_test_client_decodes_a_path_twice():
    """Starlette's TestClient unquotes a path that httpx has already decoded
    (https://github.com/Kludex/starlette/issues/2587): a real server hands the route
    "%2e%2e%2fx", TestClient hands it "../x". Double encoding is probed on a real server."""
    app = FastAPI()

    @app.get("/files/{name:path}")
    def echo(name: str, request: Request):
        return {"name": name, "raw_path": request.scope["raw_path"].decode()}

    assert TestClient(app).get("/files/%252e%252e%252fx").json() == {
        "name": "../x",
        "raw_path": "/files/%252e%252e%252fx",
    }


def test_a_plain_dot_dot_is_removed_by_the_test_client(example):
    """httpx removes `../` from a URL before sending it, so TestClient cannot send one:
    the tests above use http.client, and the page uses curl --path-as-is."""
    app = echo_app()
    assert TestClient(app).get("/files/../x").status_code == 404  # sent as /x


def test_the_files_route_declares_its_404(example):
    operation = example.app.openapi()["paths"]["/files/{name}"]["get"]
    assert operation["responses"]["404"] == {
        "description": "No such file in the folder"
    }


def test_the_naive_route_is_not_on_the_served_app(example):
    assert "/files/{name}" in example.naive_app.openapi()["paths"]
    assert [getattr(route, "endpoint", None) for route in example.app.routes].count(
        example.naive_read_file
    ) == 0


# file_inside, on folders built for each test.


@pytest.fixture
def folder(tmp_path):
    """tmp_path/files with a public file, beside tmp_path/secret.txt."""
    inside = tmp_path / "files"
    inside.mkdir()
    (inside / "public.txt").write_text("public")
    (tmp_path / "secret.txt").write_text("secret")
    return inside.resolve()


def test_a_symlink_out_of_the_folder_is_refused(example, folder):
    (folder / "link.txt").symlink_to(folder.parent / "secret.txt")
    assert example.file_inside(folder, "public.txt") == folder / "public.txt"
    assert example.file_inside(folder, "link.txt") is None


def test_a_symlink_that_stays_inside_is_followed(example, folder):
    (folder / "alias.txt").symlink_to(folder / "public.txt")
    assert example.file_inside(folder, "alias.txt") == folder / "public.txt"


def test_a_sibling_folder_sharing_the_prefix_is_outside(example, folder):
    """A string prefix test would say yes: "/tmp/x/files-private" starts with
    "/tmp/x/files". is_relative_to compares whole components."""
    sibling = folder.parent / (folder.name + "-private")
    sibling.mkdir()
    (sibling / "secret.txt").write_text("secret")
    assert str(sibling / "secret.txt").startswith(str(folder))
    assert example.file_inside(folder, f"../{sibling.name}/secret.txt") is None


def test_a_symlink_loop_is_no_file(example, folder):
    (folder / "loop").symlink_to(folder / "loop")
    assert example.file_inside(folder, "loop") is None
    assert example.file_inside(folder, "loop/more") is None


def test_resolve_raises_runtime_error_for_a_loop_before_python_3_13(folder):
    """Why file_inside catches RuntimeError: Path.resolve() raised it for a symbolic link
    loop until Python 3.13, which makes it an OSError in strict mode only."""
    (folder / "loop").symlink_to(folder / "loop")
    if sys.version_info < (3, 13):
        with pytest.raises(RuntimeError, match="Symlink loop"):
            (folder / "loop").resolve()
    else:
        assert not (folder / "loop").resolve().is_file()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("a" * 300, errno.ENAMETOOLONG),
        ("public.txt/more", errno.ENOTDIR),
        ("loop", errno.ELOOP),
    ],
)
def test_names_the_os_refuses_are_no_file(example, folder, name, error):
    (folder / "loop").symlink_to(folder / "loop")
    with pytest.raises(OSError) as refused:
        os.stat(folder / name)
    assert refused.value.errno == error
    assert example.file_inside(folder, name) is None


@pytest.mark.parametrize("name", ["a\x00b", "", ".", "..", str(Path("/etc/passwd"))])
def test_nul_bytes_directories_and_absolute_paths_are_no_file(example, folder, name):
    assert example.file_inside(folder, name) is None


# StaticFiles and QuietStaticFiles, on a folder with a symbolic link loop in it.


def static_client(files: StaticFiles) -> TestClient:
    app = FastAPI()
    app.mount("/static", files)
    return TestClient(app, raise_server_exceptions=False)


def test_static_files_answers_a_loop_with_500_and_the_quiet_one_with_404(
    example, folder
):
    (folder / "loop").symlink_to(folder / "loop")
    plain = static_client(StaticFiles(directory=folder))
    quiet = static_client(example.QuietStaticFiles(directory=folder))
    assert plain.get("/static/loop").status_code == 500
    assert quiet.get("/static/loop").status_code == 404
    assert quiet.get("/static/public.txt").text == "public"


def test_static_files_answers_a_file_it_may_not_read_with_401(
    example, folder, monkeypatch
):
    """The tests run as root, which may read anything, so the refusal is simulated."""
    real_stat = os.stat

    def refusing_stat(path, *args, **kwargs):
        if str(path).endswith("public.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", refusing_stat)
    plain = static_client(StaticFiles(directory=folder))
    quiet = static_client(example.QuietStaticFiles(directory=folder))
    assert plain.get("/static/public.txt").status_code == 401
    assert quiet.get("/static/public.txt").status_code == 404


@pytest.mark.parametrize("name", ["a" * 300, "public.txt/more", "a%00b", "..%2fx"])
def test_static_files_already_answers_these_with_404(folder, name):
    assert static_client(StaticFiles(directory=folder)).get(
        f"/static/{name}"
    ).status_code == (404)


def test_follow_symlink_serves_a_link_out_of_the_folder(folder):
    (folder / "link.txt").symlink_to(folder.parent / "secret.txt")
    assert static_client(StaticFiles(directory=folder)).get(
        "/static/link.txt"
    ).status_code == (404)
    following = static_client(StaticFiles(directory=folder, follow_symlink=True))
    assert following.get("/static/link.txt").text == "secret"


def test_an_html_file_in_the_folder_is_served_as_a_page(folder):
    """Why no folder that users upload into may be mounted: an uploaded .html file is
    served from your domain as a page, script and all."""
    (folder / "upload.html").write_text("<script>alert(document.domain)</script>")
    response = static_client(StaticFiles(directory=folder)).get("/static/upload.html")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<script>" in response.text


def test_curl_without_path_as_is_removes_dot_dot_too():
    import subprocess

    with serve(echo_app()) as url:
        squashed = subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                f"{url}/files/../x",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        kept = subprocess.run(
            ["curl", "-s", "--path-as-is", f"{url}/files/../x"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    assert squashed.stdout == "404"  # curl asked for /x
    assert json.loads(kept.stdout) == {"name": "../x"}


def test_joining_an_absolute_name_replaces_the_folder():
    assert Path("files") / "/etc/passwd" == Path("/etc/passwd")


def test_a_backslash_is_a_separator_in_windows_paths_only():
    from pathlib import PurePosixPath, PureWindowsPath

    assert PurePosixPath("files", "..\\x").parts == ("files", "..\\x")
    assert PureWindowsPath("files", "..\\x").parts == ("files", "..", "x")


def test_no_file_name_may_contain_a_nul_byte(folder):
    with pytest.raises(ValueError, match="null"):
        os.stat(folder / "public.txt\x00.py")


def test_the_naive_route_fails_only_when_file_response_starts_sending(example):
    client = TestClient(example.naive_app)
    with pytest.raises(RuntimeError, match="does not exist"):
        client.get("/files/missing.txt")
