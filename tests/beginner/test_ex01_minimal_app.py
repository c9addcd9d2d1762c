import importlib
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from site_sources import examples, fences, relative


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


def fastapi_dev_without_the_cli(monkeypatch, capsys, snippet) -> tuple[str, str]:
    """What the `fastapi` command prints for `fastapi dev snippet` when the fastapi-cli
    package cannot be imported, as in an environment where it is not installed: the
    command's own code (`from fastapi.cli import main; main()`), imported afresh with the
    package hidden. In-process, so that it costs no second Python start in the quick loop.
    Returns its output and the message of the exception it raises."""
    monkeypatch.setitem(sys.modules, "fastapi_cli", None)  # `import` now fails
    monkeypatch.setitem(sys.modules, "fastapi_cli.cli", None)
    monkeypatch.delitem(sys.modules, "fastapi.cli", raising=False)
    monkeypatch.setattr(sys, "argv", ["fastapi", "dev", relative(snippet)])
    cli = importlib.import_module("fastapi.cli")
    with pytest.raises(RuntimeError) as raised:
        cli.main()
    return capsys.readouterr().out, str(raised.value)


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


def test_without_the_cli_fastapi_dev_prints_what_the_page_shows(
    example, monkeypatch, capsys
):
    snippet = Path(example.__file__)
    command, shown = shown_without_the_cli()
    assert command == f"$ fastapi dev {relative(snippet)}"
    printed, error = fastapi_dev_without_the_cli(monkeypatch, capsys, snippet)
    assert printed.rstrip("\n").splitlines() == shown
    # ...followed by the RuntimeError traceback the page mentions, with the same message.
    assert error.rstrip("\n").splitlines() == shown


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
