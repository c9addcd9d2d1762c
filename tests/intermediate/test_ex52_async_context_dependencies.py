"""What Example 52 claims beyond its prints: when the code after `yield` runs, on a real
server, in the installed FastAPI; and what happens to errors on either side of it."""

import asyncio
import logging
import re
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import fastapi
import httpx2
import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.exceptions import FastAPIError
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from site_sources import DOCS
from transcripts import serve


@pytest.fixture(autouse=True)
def fresh_events(example):
    example.events.clear()
    yield
    example.events.clear()


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_the_page_names_the_installed_fastapi():
    """The page says which release it describes; a new pinned release must be read and
    run again before the page may name it."""
    page = (DOCS / "intermediate" / "dependency-lifecycles-and-schema.md").read_text()
    shown = set(re.findall(r"FastAPI (0\.\d+)\b(?! and)", page))
    installed = ".".join(fastapi.__version__.split(".")[:2])
    assert installed in shown
    assert int(installed.split(".")[1]) >= 121  # scope= arrived in 0.121


def test_request_scope_closes_after_the_client_has_the_whole_response(example):
    """On uvicorn: the closing code waits for a signal the test gives only once it has
    read the whole body. Had FastAPI closed first, the request could not finish."""
    received = threading.Event()
    original = example.connect

    @asynccontextmanager
    async def slow_to_close():
        async with original() as connection:
            yield connection
            await asyncio.to_thread(received.wait, 10)

    example.connect = slow_to_close
    try:
        with serve(example.app) as base_url:
            response = httpx2.get(f"{base_url}/rows", timeout=20)
            assert response.text == "row 0\nrow 1\n"
            assert "closed" not in example.events
            received.set()
            wait_for(lambda: "closed" in example.events)
    finally:
        received.set()
        example.connect = original
    assert example.events[-2:] == ["background task", "closed"]


def test_function_scope_closes_before_the_response_is_sent(example):
    with serve(example.app) as base_url:
        response = httpx2.get(f"{base_url}/first", timeout=20)
        example.events.append("client has the response")
        wait_for(lambda: "background task" in example.events)
    assert response.json() == {"first": "row 0"}
    events = example.events
    assert events.index("closed") < events.index("client has the response")
    assert events.index("route returned") < events.index("closed")


def endless_stream_app(example) -> FastAPI:
    app = FastAPI()

    @app.get("/forever")
    async def forever(db: example.Db):
        async def rows():
            n = 0
            while True:
                yield await db.fetch(n % 2) + "\n"
                n += 1
                await asyncio.sleep(0.01)

        return StreamingResponse(rows(), media_type="text/plain")

    return app


def test_cleanup_completes_when_the_client_hangs_up_mid_stream(example):
    """The request is cancelled; FastAPI shields the code after `yield` of an async
    dependency from that cancellation, so the closing `await` still finishes."""
    with serve(endless_stream_app(example)) as base_url:
        with httpx2.stream("GET", f"{base_url}/forever", timeout=20) as response:
            for _ in response.iter_lines():
                break  # one row, then hang up
        wait_for(lambda: "closed" in example.events)
    assert example.events[0] == "opened" and example.events[-1] == "closed"


def test_an_exception_in_the_route_still_closes_the_connection(example):
    app = FastAPI()

    @app.get("/missing")
    async def missing(db: example.Db):
        raise HTTPException(404, "No such row")

    @app.get("/bug")
    async def bug(db: example.Db):
        raise RuntimeError("a bug")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/missing").status_code == 404
    assert example.events == ["opened", "closed"]
    example.events.clear()
    assert client.get("/bug").status_code == 500
    assert example.events == ["opened", "closed"]


def test_a_dependency_that_swallows_the_routes_exception_is_an_error():
    """Since FastAPI 0.110, a `yield` dependency that catches an exception must raise it
    again (or another one); otherwise no response can be built."""

    async def swallowing() -> AsyncIterator[None]:
        try:
            yield
        except RuntimeError:
            pass

    app = FastAPI()

    @app.get("/")
    async def route(_: Annotated[None, Depends(swallowing)]):
        raise RuntimeError("a bug")

    with pytest.raises(FastAPIError, match="Response not awaited"):
        TestClient(app).get("/")


# What goes wrong (naive_app).


def test_an_asynccontextmanager_given_to_depends_fails_every_request(example):
    with pytest.raises(TypeError, match="not an async iterator"):
        TestClient(example.naive_app).get("/as-is")
    client = TestClient(example.naive_app, raise_server_exceptions=False)
    assert [client.get("/as-is").status_code for _ in range(2)] == [500, 500]


def test_function_scope_breaks_a_stream_that_uses_the_resource(example):
    with (
        serve(example.naive_app) as base_url,
        pytest.raises(httpx2.RemoteProtocolError),
    ):
        httpx2.get(f"{base_url}/early", timeout=20)
    assert example.events == ["opened", "closed"]


class Remember(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_a_commit_after_the_yield_fails_after_the_client_got_its_200(example):
    remember = Remember()
    server_log = logging.getLogger("uvicorn.error")
    with serve(example.naive_app) as base_url:
        server_log.addHandler(remember)
        try:
            response = httpx2.post(f"{base_url}/orders", timeout=20)
            wait_for(lambda: any(r.exc_info for r in remember.records))
        finally:
            server_log.removeHandler(remember)
    assert response.status_code == 200 and response.json() == {"created": True}
    (record,) = [r for r in remember.records if r.exc_info]
    assert "could not commit ['order 1']" in str(record.exc_info[1])


def test_with_function_scope_the_failed_commit_is_the_answer(example):
    client = TestClient(example.naive_app, raise_server_exceptions=False)
    response = client.post("/orders-checked")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_the_outlines_claim_that_an_unclosed_connection_sits_in_close_wait():
    """The outline's "Why it matters": a client socket nobody closes, after the server
    closed its side, stays in CLOSE_WAIT (state 08 in /proc/net/tcp) until it is."""
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("needs Linux's /proc/net/tcp")
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.create_connection(server.getsockname()) as client,
    ):
        accepted, _ = server.accept()
        accepted.close()  # the server hangs up; the client does not, until the end
        # This connection's line, by both ends: an old connection in TIME_WAIT can hold
        # the same local port.
        ends = (f":{client.getsockname()[1]:04X}", f":{server.getsockname()[1]:04X}")

        def state() -> str | None:
            for line in tcp.read_text().splitlines()[1:]:
                fields = line.split()
                if fields[1].endswith(ends[0]) and fields[2].endswith(ends[1]):
                    return fields[3]
            return None

        wait_for(lambda: state() == "08")
