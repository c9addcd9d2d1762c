import os
import signal
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import requires
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from site_sources import REPO, examples, fences, relative
from transcripts import free_port


def test_hello_is_json_with_status_200(client):
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"message":"Hello World"}'


def test_the_decorator_registers_a_get_route(example):
    (route,) = [route for route in example.app.routes if route.path == "/hello"]
    assert route.methods == {"GET"}
    assert route.endpoint is example.hello


def test_head_is_refused_by_a_get_route(client):
    response = client.head("/hello")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_api_route_can_answer_head_as_the_page_suggests():
    app = FastAPI()

    @app.api_route("/hello", methods=["GET", "HEAD"])
    def hello():
        return {"message": "Hello World"}

    response = TestClient(app).head("/hello")
    assert response.status_code == 200
    assert response.content == b""


def fastapi_dev_without_the_cli(tmp_path, snippet) -> subprocess.CompletedProcess:
    """The real `fastapi` command of this environment, run as a reader runs it, with the
    fastapi-cli package made unimportable, as in an environment where it is not installed."""
    hidden = tmp_path / "fastapi_cli"
    hidden.mkdir()
    (hidden / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'fastapi_cli'\", name='fastapi_cli')\n"
    )
    command = Path(sys.executable).parent / "fastapi"
    return subprocess.run(
        [sys.executable, str(command), "dev", relative(snippet)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def shown_without_the_cli() -> tuple[str, list[str]]:
    """The ```text block of Example 1 that shows `fastapi dev` without the CLI: the command
    line, and the lines under it."""
    (example,) = [section for section in examples() if section.number == 1]
    (fence,) = [
        fence
        for fence in fences(example.page)
        if fence.language == "text" and "$ fastapi dev" in fence.body
        if example.text.find(fence.body) != -1
    ]
    lines = [line.removeprefix(fence.indent) for line in fence.body.splitlines()]
    return lines[0], lines[1:]


def test_without_the_cli_fastapi_dev_prints_what_the_page_shows(example, tmp_path):
    snippet = Path(example.__file__)
    command, shown = shown_without_the_cli()
    assert command == f"$ fastapi dev {relative(snippet)}"
    result = fastapi_dev_without_the_cli(tmp_path, snippet)
    assert result.returncode == 1
    assert result.stdout.rstrip("\n").splitlines() == shown
    # ...followed by the RuntimeError traceback the page mentions, with the same message.
    assert result.stderr.rstrip("\n").splitlines()[-3:] == [
        'RuntimeError: To use the fastapi command, please install "fastapi[standard]":',
        "",
        '\tpip install "fastapi[standard]"',
    ]


def test_the_standard_extra_and_fastapi_cli_bring_the_command_and_uvicorn():
    standard = [
        requirement
        for requirement in requires("fastapi")
        if 'extra == "standard"' in requirement
    ]
    assert any(requirement.startswith("fastapi-cli") for requirement in standard)
    assert not any(  # plain `pip install fastapi` does not bring the command
        requirement.startswith("fastapi-cli") and ";" not in requirement
        for requirement in requires("fastapi")
    )
    assert any(
        requirement.startswith("uvicorn") and ";" not in requirement
        for requirement in requires("fastapi-cli")
    )


def test_fastapi_dev_reloads_when_the_file_is_saved(example, tmp_path):
    """The page: `fastapi dev` reloads whenever you save the file. A copy of the example
    is served by the real command, edited, and served again without a restart."""
    app_file = tmp_path / "main.py"
    app_file.write_text(Path(example.__file__).read_text())
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).parent / "fastapi", "dev", app_file, "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the reloader starts a child process; stop them together
    )
    url = f"http://127.0.0.1:{port}/hello"
    try:
        assert body_when(url, server, lambda body: True) == b'{"message":"Hello World"}'
        app_file.write_text(app_file.read_text().replace("Hello World", "Hello again"))
        assert body_when(url, server, lambda body: b"again" in body) == (
            b'{"message":"Hello again"}'
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=20)


def body_when(url: str, server: subprocess.Popen, wanted, timeout: float = 60) -> bytes:
    """The first body served at url that `wanted` accepts, retrying while the server
    (re)starts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read()
            if wanted(body):
                return body
        except OSError:
            if server.poll() is not None:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} never served what was wanted")
        time.sleep(0.1)
