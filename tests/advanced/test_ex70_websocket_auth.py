"""What Example 70 claims beyond its prints: tickets are random, single-use, short-lived and
only for a valid bearer token; on a real server a refusal is a close frame with 1008 after
accept, and HTTP 403 before it (which TestClient hides); uvicorn logs the query string even
with --no-access-log, so a token there is reusable and a ticket is not; and the outline's
other claims about WebSockets and headers."""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest
from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from site_sources import REPO
from transcripts import free_port, serve, wait_for_port

PASSWORD = "correct-horse-battery-staple"
ALICE = {"username": "alice", "password": PASSWORD}
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
KEY = "k" * 43  # JWT_SECRET_KEY for the servers started as processes


@pytest.fixture(autouse=True)
def cheap_hashes(example, monkeypatch):
    monkeypatch.setattr(example, "USERS", {"alice": CHEAP.hash(PASSWORD)})
    monkeypatch.setattr(example, "DUMMY_HASH", CHEAP.hash("nobody"))
    monkeypatch.setattr(example, "TICKETS", {})


def bearer(client: TestClient) -> dict[str, str]:
    token = client.post("/token", data=ALICE).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def ticket_for(client: TestClient) -> str:
    response = client.post("/ws-tickets", headers=bearer(client))
    assert response.status_code == 200
    assert response.json()["expires_in"] == 30
    return response.json()["ticket"]


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


def refusal(url: str, **options) -> tuple[int, str]:
    """What a real client sees when the server ends the conversation at once."""
    with (
        connect(url, **options) as websocket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        websocket.recv(timeout=5)
    return closed.value.rcvd.code, closed.value.rcvd.reason


# Tickets


def test_a_ticket_needs_a_valid_bearer_token(client):
    missing = client.post("/ws-tickets")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    forged = client.post("/ws-tickets", headers={"Authorization": "Bearer made-up"})
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_tickets_are_random_and_bound_to_the_user(client, example):
    first, second = ticket_for(client), ticket_for(client)
    assert first != second
    assert len(first) == 43  # 32 random bytes, base64url
    assert example.TICKETS[first][0] == "alice"


def test_a_ticket_opens_one_connection(client, example):
    ticket = ticket_for(client)
    with client.websocket_connect(f"/ws?ticket={ticket}") as websocket:
        assert websocket.receive_text() == "hello, alice"
    assert ticket not in example.TICKETS
    with (
        client.websocket_connect(f"/ws?ticket={ticket}") as websocket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        websocket.receive_text()
    assert (closed.value.code, closed.value.reason) == (
        1008,
        "invalid or expired ticket",
    )


def test_a_ticket_expires_after_thirty_seconds(client, example, monkeypatch):
    ticket = ticket_for(client)
    issued = example.TICKETS[ticket][1] - 30
    monkeypatch.setattr(example.time, "monotonic", lambda: issued + 29.9)
    with client.websocket_connect(f"/ws?ticket={ticket}") as websocket:
        assert websocket.receive_text() == "hello, alice"
    ticket = ticket_for(client)
    issued = example.TICKETS[ticket][1] - 30
    monkeypatch.setattr(example.time, "monotonic", lambda: issued + 30.1)
    with (
        client.websocket_connect(f"/ws?ticket={ticket}") as websocket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        websocket.receive_text()
    assert closed.value.code == 1008
    assert ticket not in example.TICKETS  # an expired ticket is spent too


# On a real server


def test_a_refusal_after_accept_is_a_close_frame_with_1008(example):
    with serve(example.app) as base_url:
        for query in ["?ticket=made-up", "?ticket=", ""]:
            assert refusal(ws_url(base_url, "/ws" + query)) == (
                1008,
                "invalid or expired ticket",
            )


def test_a_refusal_before_accept_is_http_403_without_the_code(example):
    with serve(example.naive_app) as base_url, pytest.raises(InvalidStatus) as refused:
        connect(ws_url(base_url, "/ws?token=made-up"))
    assert refused.value.response.status_code == 403
    # TestClient reports the same refusal as a close with 1008, which no client got.
    naive = TestClient(example.naive_app)
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        naive.websocket_connect("/ws?token=made-up"),
    ):
        pass  # pragma: no cover - refused before this
    assert closed.value.code == 1008


def recording(app, errors: list[BaseException]):
    """The app, noting every exception that escapes it (uvicorn would log it)."""

    async def wrapper(scope, receive, send):
        try:
            await app(scope, receive, send)
        except BaseException as error:  # noted, then raised again
            errors.append(error)
            raise

    return wrapper


def test_a_conversation_on_a_real_server(client, example):
    errors: list[BaseException] = []
    with serve(recording(example.app, errors)) as base_url:
        with connect(ws_url(base_url, f"/ws?ticket={ticket_for(client)}")) as ws:
            assert ws.recv(timeout=5) == "hello, alice"
            ws.send("hi")
            assert ws.recv(timeout=5) == "alice: hi"
        # A binary message is refused with 1003 (unsupported data).
        with connect(ws_url(base_url, f"/ws?ticket={ticket_for(client)}")) as ws:
            assert ws.recv(timeout=5) == "hello, alice"
            ws.send(b"\x00\x01")
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd.code == 1003
        # A client that sends and leaves before the reply.
        for _ in range(5):
            with connect(ws_url(base_url, f"/ws?ticket={ticket_for(client)}")) as ws:
                ws.send("bye")
    assert errors == []


# What the log keeps


@contextmanager
def uvicorn_process(target: str, *options: str) -> Iterator[tuple[str, Path]]:
    """`uvicorn TARGET OPTIONS` as a reader runs it, from the repository root; yields its
    URL and the file its console output goes to."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "console.log"
        with log.open("w") as output:
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", target, *options]
                + ["--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO,
                env={**os.environ, "JWT_SECRET_KEY": KEY},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_for_port(port, server)
                yield f"http://127.0.0.1:{port}", log
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)


def test_the_token_in_the_url_is_logged_even_without_access_log():
    """The outline's way. The token is signed with the server's key (JWT_SECRET_KEY), as
    its login would sign it; the naive app has no login of its own."""
    token = jwt.encode({"sub": "alice", "exp": 4102444800}, KEY, algorithm="HS256")
    target = "snippets.advanced.ex70_websocket_auth:naive_app"
    with uvicorn_process(target, "--no-access-log") as (base_url, log):
        with connect(ws_url(base_url, f"/ws?token={token}")) as websocket:
            assert websocket.recv(timeout=5) == "hello, alice"
        logged = re.search(
            r'"WebSocket /ws\?token=(\S+)" \[accepted\]', log.read_text()
        )
        assert logged is not None, log.read_text()
        assert logged[1] == token
        # Whoever reads the log can connect as alice.
        with connect(ws_url(base_url, f"/ws?token={logged[1]}")) as websocket:
            assert websocket.recv(timeout=5) == "hello, alice"


def post_json(url: str, **options) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, **options)) as response:
        return json.load(response)


def test_the_ticket_in_the_log_is_spent():
    """A real process serving `app`, with the same option: the ticket is logged, unused by
    anyone, and refused when copied from the log."""
    target = "snippets.advanced.ex70_websocket_auth:app"
    with uvicorn_process(target, "--no-access-log") as (base_url, log):
        login = urllib.parse.urlencode(ALICE).encode()
        token = post_json(f"{base_url}/token", data=login)["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        ticket = post_json(f"{base_url}/ws-tickets", method="POST", headers=headers)
        with connect(ws_url(base_url, f"/ws?ticket={ticket['ticket']}")) as websocket:
            assert websocket.recv(timeout=5) == "hello, alice"
        text = log.read_text()
        logged = re.search(r'"WebSocket /ws\?ticket=(\S+)" \[accepted\]', text)
        assert logged is not None, text
        assert logged[1] == ticket["ticket"]
        assert "POST /ws-tickets" not in text  # the access log is off
        assert refusal(ws_url(base_url, f"/ws?ticket={logged[1]}")) == (
            1008,
            "invalid or expired ticket",
        )


# The outline's other claims


def test_http_middleware_does_not_see_websockets():
    app = FastAPI()

    @app.middleware("http")
    async def require_authorization(request: Request, call_next):
        if "authorization" not in request.headers:
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        return await call_next(request)

    @app.get("/")
    def home():
        return {}  # pragma: no cover - always refused here

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("in, without Authorization")
        await websocket.close()

    def refuse() -> None:
        raise HTTPException(401, "Not authenticated")

    @app.websocket("/guarded", dependencies=[Depends(refuse)])
    async def guarded(websocket: WebSocket):
        await websocket.accept()  # pragma: no cover - the dependency refuses

    seen: list[str] = []

    def pure_asgi(inner):  # middleware written for ASGI itself sees both kinds
        async def middleware(scope, receive, send):
            seen.append(scope["type"])
            await inner(scope, receive, send)

        return middleware

    app.add_middleware(pure_asgi)
    client = TestClient(app)
    assert client.get("/").status_code == 401
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "in, without Authorization"
    assert seen == ["http", "websocket"]
    # A dependency does run for a WebSocket route, and refuses it with HTTP 401.
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("/guarded"),
    ):
        pass  # pragma: no cover - refused before this
    assert refused.value.status_code == 401


def test_a_handshake_can_carry_an_authorization_header():
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(websocket.headers.get("authorization", "none"))
        await websocket.close()

    with serve(app) as base_url:
        headers = {"Authorization": "Bearer abc"}
        with connect(ws_url(base_url, "/ws"), additional_headers=headers) as ws:
            assert ws.recv(timeout=5) == "Bearer abc"


# The token in the first message


def test_first_message_accepts_a_valid_token(client, example):
    token = bearer(client)["Authorization"].removeprefix("Bearer ")
    with serve(example.first_message_app) as base_url:
        with connect(ws_url(base_url, "/ws")) as websocket:
            websocket.send(token)
            assert websocket.recv(timeout=5) == "hello, alice"
        url = ws_url(base_url, "/ws")
        with connect(url) as websocket:
            websocket.send("made-up")
            with pytest.raises(ConnectionClosed) as closed:
                websocket.recv(timeout=5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            1008,
            "send a valid token first",
        )


def test_first_message_closes_a_silent_client(example, monkeypatch):
    monkeypatch.setattr(example, "FIRST_MESSAGE_WITHIN", 0.2)
    errors: list[BaseException] = []
    with serve(recording(example.first_message_app, errors)) as base_url:
        assert refusal(ws_url(base_url, "/ws")) == (1008, "send a valid token first")
        # A client that leaves without a word causes no error either: politely, or
        # by dropping the connection (then the close cannot be sent).
        with connect(ws_url(base_url, "/ws")):
            pass
        with connect(ws_url(base_url, "/ws")) as websocket:
            websocket.socket.shutdown(socket.SHUT_RDWR)
            time.sleep(0.5)
        with connect(ws_url(base_url, "/ws")) as websocket:
            websocket.send(b"\x00")  # binary: no token
            with pytest.raises(ConnectionClosed):
                websocket.recv(timeout=5)
    assert errors == []


def test_the_naive_app_accepts_a_valid_token(example):
    token = example.create_access_token("alice")
    with TestClient(example.naive_app).websocket_connect(f"/ws?token={token}") as ws:
        assert ws.receive_text() == "hello, alice"


def test_a_short_key_stops_the_app_from_starting(monkeypatch):
    from conftest import load_snippet, snippet_for

    monkeypatch.setenv("JWT_SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        load_snippet(snippet_for(Path(__file__)))


def test_a_client_gone_before_a_reply_ends_the_conversation_quietly(example):
    """A server's send to a client that has hung up raises WebSocketDisconnect. On a real
    server, whether a leaving client's goodbye arrives before or after the reply is a race,
    so this client is gone at a chosen moment: before the greeting."""

    class GoneClient:
        async def send_text(self, text: str) -> None:
            raise WebSocketDisconnect(1006)

    asyncio.run(example.converse(GoneClient(), "alice"))  # returns, raises nothing
