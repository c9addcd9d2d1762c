"""What Example 38 claims beyond its prints, and the outline's claims about TestClient."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from contextlib import asynccontextmanager

import httpx2
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient


def test_todos_are_numbered_and_read_back(client):
    for number, title in enumerate(["a", "b", "c"], start=1):
        response = client.post("/todos", json={"title": title})
        assert (response.status_code, response.json()) == (
            201,
            {"title": title, "id": number},
        )
    assert client.get("/todos/2").json() == {"title": "b", "id": 2}


@pytest.mark.parametrize("todo_id", ["0", "4", "-1", "99999999999999999999"])
def test_an_unknown_todo_is_a_404(client, todo_id):
    for title in ["a", "b", "c"]:
        client.post("/todos", json={"title": title})
    response = client.get(f"/todos/{todo_id}")
    assert (response.status_code, response.json()) == (404, {"detail": "No such to-do"})


@pytest.mark.parametrize(
    "body", [{}, {"title": ""}, {"title": "x" * 101}, {"title": 3}, {"title": None}]
)
def test_a_title_is_required_and_bounded(client, body):
    response = client.post("/todos", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]
    assert set(response.json()["detail"][0]) == {"type", "loc", "msg"}


def test_each_with_block_starts_the_app_afresh(example):
    with TestClient(example.app) as client:
        client.post("/todos", json={"title": "a"})
        assert client.get("/todos/1").status_code == 200
    with TestClient(example.app) as client:
        assert client.get("/todos/1").status_code == 404


def test_without_with_the_lifespan_never_runs(example):
    with pytest.raises(AttributeError, match="'State' object has no attribute 'todos'"):
        TestClient(example.app).get("/todos/1")
    quiet = TestClient(example.app, raise_server_exceptions=False)
    assert quiet.get("/todos/1").status_code == 500


def test_the_lifespan_starts_on_enter_and_ends_on_exit():
    events = []

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    probe = FastAPI(lifespan=lifespan)

    @probe.get("/")
    async def root():
        events.append("request")

    client = TestClient(probe)
    client.get("/")
    assert events == ["request"]  # no `with`: no lifespan at all
    with TestClient(probe) as client:
        assert events == ["request", "startup"]
        client.get("/")
        client.get("/")
        assert events[-1] == "request"
    assert events == ["request", "startup", "request", "request", "shutdown"]


def test_the_app_runs_in_another_thread_in_the_same_process():
    probe = FastAPI()

    @probe.get("/thread")
    async def thread():
        return threading.get_ident()

    with TestClient(probe) as client:
        assert client.get("/thread").json() != threading.get_ident()


def test_testclient_is_an_httpx2_client_and_json_sets_the_content_type():
    assert issubclass(TestClient, httpx2.Client)
    echo = FastAPI()

    @echo.post("/echo")
    async def content_type(request: Request):
        return request.headers["content-type"]

    response = TestClient(echo).post("/echo", json={"a": 1})
    assert response.json() == "application/json"


def test_starlette_testclient_needs_httpx2_not_the_outline_httpx():
    """The outline installs `httpx`. The pinned Starlette imports httpx2, falls back to
    plain httpx with a deprecation warning, and without either refuses to import."""
    script = (
        "import sys; sys.modules['httpx2'] = sys.modules['httpx'] = None\n"
        "import starlette.testclient"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "requires the httpx2 package" in result.stderr
    assert "pip install httpx2" in result.stderr


def test_without_with_a_resource_of_the_first_loop_breaks_on_the_next():
    """An asyncio object belongs to the event loop it first waited on: a connection pool
    waits for a free connection on a queue like this one. Without `with`, the next
    request runs on another loop."""
    probe = FastAPI()
    resource = {}

    @probe.get("/use")
    async def use():
        pool = resource.setdefault("pool", asyncio.Queue())
        try:
            return await asyncio.wait_for(pool.get(), 0.01)  # wait for a free one
        except TimeoutError:
            return "none free"

    with TestClient(probe) as client:
        assert [client.get("/use").json() for _ in range(2)] == ["none free"] * 2
    resource.clear()
    client = TestClient(probe)
    assert client.get("/use").json() == "none free"
    with pytest.raises(RuntimeError, match="is bound to a different event loop"):
        client.get("/use")


def test_a_module_level_store_is_shared_by_every_client_and_test():
    """The outline's items_db: what one test adds, every later test sees."""
    items = {}
    probe = FastAPI()

    @probe.post("/items")
    async def add():
        items[len(items) + 1] = "item"
        return len(items)

    assert TestClient(probe).post("/items").json() == 1
    assert TestClient(probe).post("/items").json() == 2


def test_fastapi_standard_installs_httpx2():
    from importlib.metadata import requires

    assert any(
        r.startswith("httpx2") and 'extra == "standard"' in r
        for r in requires("fastapi")
    )
