"""What Example 37 claims beyond its prints: everyone hears every message, a client that
drops mid-broadcast breaks nothing and is forgotten (on a real server), the outline's manager
does worse, and what the chat refuses."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from transcripts import serve


@pytest.fixture
def client(example):
    with TestClient(example.app) as test_client:
        yield test_client
    assert example.manager.connections == set()  # nobody is left behind


def test_everyone_hears_everyone_including_themselves(client):
    with (
        client.websocket_connect("/chat/ada") as ada,
        client.websocket_connect("/chat/bob") as bob,
        client.websocket_connect("/chat/cy") as cy,
    ):
        assert [ada.receive_text() for _ in range(3)] == [
            "ada joined",
            "bob joined",
            "cy joined",
        ]
        assert [bob.receive_text(), bob.receive_text()] == ["bob joined", "cy joined"]
        assert cy.receive_text() == "cy joined"
        cy.send_text("hello")
        assert {ada.receive_text(), bob.receive_text(), cy.receive_text()} == {
            "cy: hello"
        }


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=1000))
def test_any_text_up_to_the_limit_is_broadcast_unchanged(example, text):
    with (
        TestClient(example.app) as client,
        client.websocket_connect("/chat/ada") as ada,
    ):
        assert ada.receive_text() == "ada joined"
        ada.send_text(text)
        assert ada.receive_text() == f"ada: {text}"


@pytest.mark.parametrize(
    "send",
    [
        lambda ws: ws.send_text("x" * 1001),
        lambda ws: ws.send_bytes(b"x"),
    ],
    ids=["text over 1000 characters", "a binary frame"],
)
def test_a_refused_message_closes_that_connection_and_the_others_hear_it_left(
    client, send
):
    with client.websocket_connect("/chat/ada") as ada:
        ada.receive_text()
        with client.websocket_connect("/chat/bob") as bob:
            assert [ada.receive_text(), bob.receive_text()] == ["bob joined"] * 2
            send(bob)
            assert bob.receive() == {
                "type": "websocket.close",
                "code": 1008,
                "reason": "text of 1000 characters at most",
            }
            assert ada.receive_text() == "bob left"


@pytest.mark.parametrize(
    "name", ["a" * 21, "ada%20lovelace", "ada:", "%0Abob", "ada%3A%20hi"]
)
def test_a_name_outside_the_pattern_is_refused_before_the_handshake(client, name):
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(f"/chat/{name}"),
    ):
        pass  # pragma: no cover - refused before this
    assert refused.value.code == 1008


def test_a_refused_name_is_a_403_on_a_real_server(example):
    with serve(example.app) as base_url, pytest.raises(InvalidStatus) as refused:
        connect(base_url.replace("http", "ws") + "/chat/ada%3A%20hi")
    assert refused.value.response.status_code == 403


def test_names_are_not_authenticated_two_clients_may_share_one(client):
    with (
        client.websocket_connect("/chat/ada") as ada,
        client.websocket_connect("/chat/ada") as impostor,
    ):
        assert [ada.receive_text(), ada.receive_text()] == ["ada joined"] * 2
        impostor.receive_text()
        impostor.send_text("I am ada too")
        assert ada.receive_text() == "ada: I am ada too"


def test_disconnect_twice_is_harmless(example):
    manager = example.ConnectionManager()
    gone = object()
    manager.disconnect(gone)
    manager.disconnect(gone)
    assert manager.connections == set()


# ---------------------------------------------------------------- a real server


@contextmanager
def busy_real_server(asgi_app) -> Iterator[tuple[str, asyncio.AbstractEventLoop]]:
    """uvicorn on asyncio's event loop, in a thread; yields (ws:// base, its loop)."""
    server = uvicorn.Server(uvicorn.Config(asgi_app, port=0, log_level="critical"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=[server.serve()])
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        yield f"ws://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", loop
    finally:
        server.should_exit = True
        thread.join()
        loop.close()


def keep_busy(loop, seconds):
    started = threading.Event()
    loop.call_soon_threadsafe(lambda: (started.set(), time.sleep(seconds)))
    started.wait()


def reset(client) -> None:
    """Break a connection as a crash or a lost network does: a TCP reset, no close frame."""
    client.socket.setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
    )
    client.socket.close()


def heard(client, until: str) -> list[str]:
    messages = []
    try:
        while (text := client.recv(timeout=10)) != until:
            if not text.endswith(" joined"):
                messages.append(text)
    except ConnectionClosed as closed:
        return [*messages, f"closed {closed.rcvd}"]
    return [*messages, text]


@contextmanager
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append
    logger = logging.getLogger("uvicorn.error")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)  # log_level="critical" would drop them first
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def drop_mid_broadcast(asgi_app):
    """ada, bob and cy connect; while the server is busy, bob's connection breaks and ada
    sends a message. Returns what ada and cy heard, and what the server logged."""
    with (
        busy_real_server(asgi_app) as (base, loop),
        errors_logged() as errors,
        connect(base + "/chat/ada") as ada,
        connect(base + "/chat/bob") as bob,
        connect(base + "/chat/cy") as cy,
    ):
        keep_busy(loop, 0.3)
        reset(bob)
        ada.send("hello")
        ada_heard, cy_heard = heard(ada, "bob left"), heard(cy, "bob left")
        # cy is still connected, and still served.
        cy.send("still here?")
        cy_heard.append(cy.recv(timeout=10))
    return ada_heard, cy_heard, [record.getMessage() for record in errors]


def test_a_client_that_drops_mid_broadcast_breaks_nothing(example):
    ada, cy, errors = drop_mid_broadcast(example.app)
    assert ada == ["ada: hello", "bob left"]
    assert cy == ["ada: hello", "bob left", "cy: still here?"]
    assert errors == []
    assert example.manager.connections == set()


def test_the_outline_manager_loses_the_message_and_the_sender(example):
    """The failed send to bob raises WebSocketDisconnect in *ada's* handler: it removes
    ada, who never left, and its own "ada left" broadcast fails on bob again; cy never
    hears ada's message nor that she is gone."""
    ada, cy, errors = drop_mid_broadcast(example.naive_app)
    assert ada == ["ada: hello", "closed None"]  # dropped without a close frame
    assert cy == ["bob left", "cy: still here?"]
    assert errors == ["Exception in ASGI application\n"]
    assert len(example.naive_manager.active_connections) == 0


# ---------------------------------------------------------------- looping while sends wait


class FakeConnection:
    """Records what it is sent; its send waits, and meanwhile can make a client leave."""

    def __init__(self, name, sent, on_send=None):
        self.name, self.sent, self.on_send = name, sent, on_send

    async def send_text(self, text):
        await asyncio.sleep(0)  # a real send may wait here
        if self.on_send:
            self.on_send()
        self.sent.append(self.name)


def test_the_outline_loop_skips_a_client_when_another_leaves_during_a_send(example):
    sent = []
    manager = example.NaiveManager()
    ada, bob, cy = (FakeConnection(name, sent) for name in ("ada", "bob", "cy"))
    ada.on_send = lambda: manager.disconnect(ada)  # ada's handler ends meanwhile
    manager.active_connections[:] = [ada, bob, cy]
    asyncio.run(manager.broadcast("hello"))
    assert sent == ["ada", "cy"]  # bob was skipped


def test_a_set_would_raise_instead_and_the_copy_serves_everyone(example):
    sent = []
    manager = example.ConnectionManager()
    ada, bob, cy = (FakeConnection(name, sent) for name in ("ada", "bob", "cy"))
    ada.on_send = bob.on_send = cy.on_send = lambda: manager.disconnect(ada)
    manager.connections.update([ada, bob, cy])
    asyncio.run(manager.broadcast("hello"))
    assert sorted(sent) == ["ada", "bob", "cy"]

    async def over_the_set_itself():
        for connection in manager.connections:
            await connection.send_text("hello")

    manager.connections.update([ada])
    with pytest.raises(RuntimeError, match="Set changed size during iteration"):
        asyncio.run(over_the_set_itself())


def test_without_with_each_connection_runs_on_an_event_loop_of_its_own(example):
    loops = []

    async def record_loop(websocket: WebSocket):
        loops.append(asyncio.get_running_loop())
        await websocket.accept()
        await websocket.close()

    probe = FastAPI()
    probe.add_api_websocket_route("/ws", record_loop)
    client = TestClient(probe)
    for _ in range(2):
        with client.websocket_connect("/ws") as websocket:
            websocket.receive()
    with TestClient(probe) as shared:
        for _ in range(2):
            with shared.websocket_connect("/ws") as websocket:
                websocket.receive()
    assert loops[0] is not loops[1]
    assert loops[2] is loops[3]
