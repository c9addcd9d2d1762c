"""What Example 42 claims beyond its prints, on the pinned Starlette: through either
kind of middleware a stream still arrives in pieces and a background task does not
hold the response back, BaseHTTPMiddleware's code after call_next runs before the
body, and contextvars cross each kind of middleware in the directions the page says."""

import threading
from collections.abc import AsyncIterable

import anyio
import anyio.to_thread
import httpx2
import pytest
from fastapi import BackgroundTasks, FastAPI, WebSocket
from fastapi.testclient import TestClient

from transcripts import serve


@pytest.fixture
def timeline(example):
    example.timeline.clear()
    return example.timeline


def test_call_next_returns_before_any_of_the_body_is_sent(client, timeline):
    """The outline's access log times `call_next`: for a streamed response that is the
    time to the headers, not to the last byte."""
    client.get("/report")
    returned = timeline.index("BaseHTTPMiddleware: call_next gave 200")
    first_body = next(i for i, e in enumerate(timeline) if "sent a piece" in e)
    assert returned < first_body


def test_a_pure_asgi_middleware_sees_the_last_byte_and_then_the_background_task(
    client, timeline
):
    client.get("/report")
    assert timeline[-3:] == [
        "ASGI middleware: sent a piece, more_body=False",
        "background task",
        "ASGI middleware: the app returned",
    ]


def gated_app(example, gate: threading.Event) -> FastAPI:
    """The example's two middleware around a stream whose second line waits for the
    test."""
    app = FastAPI()
    app.add_middleware(example.CallNextMiddleware)
    app.add_middleware(example.PureASGIMiddleware)

    @app.get("/lines")
    async def lines() -> AsyncIterable[dict[str, int]]:
        yield {"line": 1}
        await anyio.to_thread.run_sync(gate.wait, 10)
        yield {"line": 2}

    return app


def test_a_stream_arrives_in_pieces_through_both_kinds_on_a_real_server(example):
    gate = threading.Event()
    with (
        serve(gated_app(example, gate)) as url,
        httpx2.Client(timeout=10) as client,
        client.stream("GET", f"{url}/lines") as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == '{"line":1}'  # while the app waits for the gate
        assert not gate.is_set()
        gate.set()
        assert list(lines) == ['{"line":2}']


def test_a_background_task_does_not_hold_the_response_back(example):
    finished = threading.Event()
    release = threading.Event()
    app = FastAPI()
    app.add_middleware(example.CallNextMiddleware)
    app.add_middleware(example.PureASGIMiddleware)

    def slow_task():
        release.wait(10)
        finished.set()

    @app.get("/job")
    def job(tasks: BackgroundTasks):
        tasks.add_task(slow_task)
        return {"queued": True}

    with serve(app) as url, httpx2.Client(timeout=10) as client:
        assert client.get(f"{url}/job").json() == {"queued": True}
        assert not finished.is_set()  # the client has it all, the task still waits
        release.set()
        assert finished.wait(10)


def test_a_client_that_leaves_cancels_the_stream_through_both_kinds(example):
    stopped = threading.Event()
    app = FastAPI()
    app.add_middleware(example.CallNextMiddleware)
    app.add_middleware(example.PureASGIMiddleware)

    @app.get("/ticks")
    async def ticks() -> AsyncIterable[dict[str, int]]:
        try:
            for tick in range(10_000):
                yield {"tick": tick}
                await anyio.sleep(0.01)
        finally:
            stopped.set()

    with serve(app) as url, httpx2.Client(timeout=10) as client:
        with client.stream("GET", f"{url}/ticks") as response:
            assert next(response.iter_lines()) == '{"tick":0}'
        assert stopped.wait(10)


@pytest.mark.parametrize(
    ("middleware", "path", "comes_back"),
    [
        ("SetsContextWithCallNext", "/async", "unknown"),
        ("SetsContextWithCallNext", "/sync", "unknown"),
        ("SetsContextInASGI", "/async", "alice"),
        ("SetsContextInASGI", "/sync", "unknown"),
    ],
)
def test_contextvars_go_in_with_both_and_come_back_only_from_async_in_asgi(
    example, middleware, path, comes_back
):
    app, seen = example.context_app(getattr(example, middleware))
    assert TestClient(app).get(path).json() == {"request_id": "r-42"}
    assert seen == [comes_back]


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/report", 200), ("GET", "/nowhere", 404), ("POST", "/report", 405)],
)
def test_security_headers_are_on_every_response_the_app_makes(
    client, method, path, status
):
    response = client.request(method, path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    # The outline's X-XSS-Protection: 1; mode=block is not sent (see the page).
    assert "x-xss-protection" not in response.headers


def test_a_crash_gets_no_security_headers(example):
    """ServerErrorMiddleware, outside every middleware you add, answers an unhandled
    exception: the outline's 'every endpoint inherits the protection' stops there."""
    app = FastAPI()
    app.add_middleware(example.SecurityHeadersMiddleware)

    @app.get("/crash")
    def crash():
        raise RuntimeError("bug")

    response = TestClient(app, raise_server_exceptions=False).get("/crash")
    assert response.status_code == 500
    assert "x-content-type-options" not in response.headers


def test_the_middleware_let_websockets_and_the_lifespan_through(example):
    app = FastAPI()
    app.add_middleware(example.CallNextMiddleware)
    app.add_middleware(example.PureASGIMiddleware)
    app.add_middleware(example.SecurityHeadersMiddleware)

    @app.websocket("/echo")
    async def echo(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    with TestClient(app) as client, client.websocket_connect("/echo") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"
