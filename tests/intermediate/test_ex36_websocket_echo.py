"""What Example 36 claims beyond its prints: the echo survives any frame, the outline's loop
does not, what a handler that never accepts does to a real client, the server's limits, and
the Origin check."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

from transcripts import serve

SAME_CASES = settings(max_examples=50, deadline=None, derandomize=True, database=None)


@contextmanager
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    """The ERROR records uvicorn logs meanwhile. Enter it after the server has started:
    uvicorn's logging configuration removes handlers it did not add."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


@SAME_CASES
@given(messages=st.lists(st.text(max_size=300), min_size=1, max_size=5))
def test_every_text_message_is_echoed_in_order(example, messages):
    with TestClient(example.app).websocket_connect("/ws") as websocket:
        for text in messages:
            websocket.send_text(text)
        echoed = [websocket.receive_text() for _ in messages]
    assert echoed == [f"echo: {text}" for text in messages]


@SAME_CASES
@given(text=st.text(max_size=50), data=st.binary(max_size=300))
def test_a_binary_frame_closes_with_1003_whatever_came_before(example, text, data):
    with TestClient(example.app).websocket_connect("/ws") as websocket:
        websocket.send_text(text)
        assert websocket.receive_text() == f"echo: {text}"
        websocket.send_bytes(data)
        closing = websocket.receive()
    assert closing == {
        "type": "websocket.close",
        "code": 1003,
        "reason": "text messages only",
    }


def test_a_plain_http_request_to_the_websocket_route_is_a_404(example):
    assert TestClient(example.app).get("/ws").status_code == 404
    assert example.app.openapi()["paths"] == {}  # WebSocket routes are not in OpenAPI


def test_a_real_server_closes_cleanly_on_a_binary_frame(example):
    with (
        serve(example.app) as base_url,
        errors_logged() as server_errors,
        connect(ws_url(base_url, "/ws")) as websocket,
    ):
        websocket.send("hi")
        assert websocket.recv(timeout=5) == "echo: hi"
        websocket.send(b"\x00")
        with pytest.raises(ConnectionClosedError) as closed:
            websocket.recv(timeout=5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        1003,
        "text messages only",
    )
    assert server_errors == []


def test_the_outline_loop_crashes_on_a_binary_frame_on_a_real_server(example):
    """receive_text() does not wait for a text message: it takes whatever comes and fails
    with KeyError on a binary one. The server logs the traceback and drops the connection
    without a close frame."""
    with (
        serve(example.naive_app) as base_url,
        errors_logged() as server_errors,
        connect(ws_url(base_url, "/ws")) as websocket,
    ):
        websocket.send(b"\x00")
        with pytest.raises(ConnectionClosedError) as closed:
            websocket.recv(timeout=5)
    assert closed.value.rcvd is None  # no close frame: an abnormal closure, 1006
    assert [record.getMessage() for record in server_errors] == [
        "Exception in ASGI application\n"
    ]
    assert isinstance(server_errors[0].exc_info[1], KeyError)


def test_the_outline_loop_ends_quietly_on_disconnect(example):
    with TestClient(example.naive_app).websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "echo: hi"
    # Leaving the block sent a disconnect; the handler caught it and ended without error.


# Handlers that never accept: "without accept(), the connection is rejected", but how.
never_accepts = FastAPI()


@never_accepts.websocket("/close")
async def closes_first(websocket: WebSocket):
    await websocket.close(code=1008)


@never_accepts.websocket("/return")
async def returns(websocket: WebSocket):
    return


@never_accepts.websocket("/send")
async def sends_first(websocket: WebSocket):
    await websocket.send_text("too early")


@pytest.mark.parametrize(
    ("path", "status", "logged"),
    [
        ("/close", 403, []),
        ("/return", 500, ["ASGI callable returned without completing handshake."]),
        ("/send", 500, ["Exception in ASGI application\n"]),
        ("/missing", 403, []),
    ],
)
def test_without_accept_the_handshake_is_refused(path, status, logged):
    with (
        serve(never_accepts) as base_url,
        errors_logged() as server_errors,
        pytest.raises(InvalidStatus) as refused,
    ):
        connect(ws_url(base_url, path))
    assert refused.value.response.status_code == status
    assert [record.getMessage() for record in server_errors] == logged


def test_uvicorn_limits_a_message_to_16_mib_by_default(example):
    config = uvicorn.Config(example.app)
    assert config.ws_max_size == 16 * 1024 * 1024
    assert (config.ws_ping_interval, config.ws_ping_timeout) == (20.0, 20.0)
    with (
        serve(example.app) as base_url,
        connect(ws_url(base_url, "/ws"), max_size=None) as websocket,
    ):
        websocket.send("x" * (16 * 1024 * 1024 + 1))
        with pytest.raises(ConnectionClosedError) as closed:
            websocket.recv(timeout=10)
    assert closed.value.rcvd.code == 1009  # message too big


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "https://app.example.com.evil.example"},
        {"origin": "http://app.example.com"},  # another scheme is another origin
        {"origin": "null"},  # sandboxed frames and file:// pages
        {},  # no Origin at all: not a browser, or a stripped header
    ],
)
def test_the_origin_check_refuses_other_sites(example, headers):
    client = TestClient(example.guarded_app)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws", headers=headers),
    ):
        pass  # pragma: no cover - the handshake is refused before this
    assert refused.value.code == 1008


def test_the_origin_check_is_a_403_on_a_real_server(example):
    with serve(example.guarded_app) as base_url:
        url = ws_url(base_url, "/ws")
        with pytest.raises(InvalidStatus) as refused:
            connect(url, origin="https://evil.example")
        assert refused.value.response.status_code == 403
        with connect(url, origin="https://app.example.com") as websocket:
            websocket.send("hi")
            assert websocket.recv(timeout=5) == "echo: hi"


def test_cors_middleware_does_not_protect_a_websocket():
    """CORS is for fetch() and XMLHttpRequest; a browser opens a WebSocket to any site."""
    cors_app = FastAPI()
    cors_app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])

    @cors_app.websocket("/ws")
    async def accept_anyone(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(websocket.headers["origin"])
        await websocket.close()

    headers = {"origin": "https://evil.example"}
    with TestClient(cors_app).websocket_connect("/ws", headers=headers) as websocket:
        assert websocket.receive_text() == "https://evil.example"


def test_receive_json_fails_the_same_way_on_a_message_that_is_not_json():
    json_app = FastAPI()

    @json_app.websocket("/ws")
    async def json_echo(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json(await websocket.receive_json())

    with (
        pytest.raises(json.JSONDecodeError),  # raised as the connection ends
        TestClient(json_app).websocket_connect("/ws") as websocket,
    ):
        websocket.send_text("not json")
        websocket.receive()


def test_fastapi_standard_installs_the_websockets_client():
    """fastapi[standard] requires uvicorn[standard], which requires websockets."""
    from importlib.metadata import requires

    assert any(
        r.startswith("uvicorn[standard]") and 'extra == "standard"' in r
        for r in requires("fastapi")
    )
    assert any(
        r.startswith("websockets") and "extra == 'standard'" in r
        for r in requires("uvicorn")
    )
