# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:tokens]
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

SECRET_KEY = os.environ.get("JWT_SECRET_KEY") or secrets.token_urlsafe(32)
if len(SECRET_KEY.encode()) < 32:
    raise RuntimeError("JWT_SECRET_KEY must be at least 32 bytes long")
ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=30)
REQUIRED = {"require": ["exp", "sub"]}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
UNAUTHORIZED = {401: {"description": "Not authenticated"}}
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def create_access_token(username: str) -> str:
    now = datetime.now(UTC)
    claims = {"sub": username, "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def user_from_token(token: str) -> str | None:
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options=REQUIRED)
    except jwt.InvalidTokenError:
        return None
    return claims["sub"] if claims["sub"] in USERS else None  # deleted users too


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    username = user_from_token(token)
    if username is None:
        raise HTTPException(401, "Invalid or expired token", INVALID_TOKEN)
    return username


# --8<-- [end:tokens]


# --8<-- [start:app]
import time

from fastapi import FastAPI, WebSocket, status

app = FastAPI()
TICKET_LIFETIME = 30  # seconds: enough to open a socket, too short to keep
TICKETS: dict[str, tuple[str, float]] = {}  # ticket -> (username, expiry)


# current_user: Example 31's bearer-token check (collapsed below).
@app.post("/ws-tickets", responses=UNAUTHORIZED)
def issue_ticket(username: Annotated[str, Depends(current_user)]):
    ticket = secrets.token_urlsafe(32)
    TICKETS[ticket] = (username, time.monotonic() + TICKET_LIFETIME)
    return {"ticket": ticket, "expires_in": TICKET_LIFETIME}


@app.websocket("/ws")
async def chat(websocket: WebSocket, ticket: str = ""):
    # pop: a ticket opens one connection, so the copy in a log is already spent.
    username, expiry = TICKETS.pop(ticket, ("", 0.0))
    await websocket.accept()  # accept first, or the client never sees the code
    if not username or time.monotonic() > expiry:
        reason = "invalid or expired ticket"
        await websocket.close(status.WS_1008_POLICY_VIOLATION, reason)
        return
    await converse(websocket, username)  # the conversation itself: below


# --8<-- [end:app]


# --8<-- [start:converse]
from fastapi import WebSocketDisconnect


async def converse(websocket: WebSocket, username: str) -> None:
    try:
        await websocket.send_text(f"hello, {username}")
        # A disconnect, or a binary message, has no "text": either ends the loop.
        while (text := (await websocket.receive()).get("text")) is not None:
            await websocket.send_text(f"{username}: {text}")
        await websocket.close(status.WS_1003_UNSUPPORTED_DATA)
    except WebSocketDisconnect:
        pass  # the client has gone


# --8<-- [end:converse]


# --8<-- [start:login]
from fastapi import Response
from fastapi.security import OAuth2PasswordRequestForm
from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()
# Demo data: alice's password is "correct-horse-battery-staple".
USERS = {
    "alice": "$argon2id$v=19$m=65536,t=3,p=4$dHAE+U48JNJCK5kDMFp3pw$"
    "BAfPokb7gn117AcZojZ2raS4iKUM4LPW7LPzIQegT54",
}
DUMMY_HASH = password_hash.hash("stands in for users who do not exist")


def authenticate(username: str, password: str) -> bool:
    stored = USERS.get(username)
    matches = password_hash.verify(password, stored or DUMMY_HASH)
    return stored is not None and matches


@app.post("/token", responses=UNAUTHORIZED)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], response: Response):
    if not authenticate(form.username, form.password):
        raise HTTPException(
            401, "Incorrect username or password", {"WWW-Authenticate": "Bearer"}
        )
    response.headers["Cache-Control"] = "no-store"
    return {
        "access_token": create_access_token(form.username),
        "token_type": "bearer",
        "expires_in": int(LIFETIME.total_seconds()),
    }


# --8<-- [end:login]


# --8<-- [start:errors_without_input]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold a password, and NaN or raw
    # bytes, which JSON cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors_without_input]


# --8<-- [start:naive]
# The outline's way: the bearer token itself in the URL, refused before accept().
naive_app = FastAPI()


@naive_app.websocket("/ws")
async def naive_chat(websocket: WebSocket, token: str = ""):
    username = user_from_token(token)
    if username is None:
        # Before accept() there is no WebSocket yet: the client gets HTTP 403,
        # and this 1008 goes nowhere.
        await websocket.close(status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    await websocket.send_text(f"hello, {username}")
    await websocket.close()


# --8<-- [end:naive]


# --8<-- [start:first_message]
import anyio

first_message_app = FastAPI()
FIRST_MESSAGE_WITHIN = 5  # seconds a client without a token may hold a socket


@first_message_app.websocket("/ws")
async def chat_after_token(websocket: WebSocket):
    await websocket.accept()
    username = None
    with anyio.move_on_after(FIRST_MESSAGE_WITHIN):  # silence: username stays None
        username = user_from_token((await websocket.receive()).get("text") or "")
    if username is None:
        try:
            reason = "send a valid token first"
            await websocket.close(status.WS_1008_POLICY_VIOLATION, reason)
        except WebSocketDisconnect:
            pass  # the client has gone
        return
    await converse(websocket, username)


# --8<-- [end:first_message]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    alice = {"username": "alice", "password": "correct-horse-battery-staple"}
    token = client.post("/token", data=alice).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}  # a header: never logged
    ticket = client.post("/ws-tickets", headers=bearer).json()["ticket"]
    with client.websocket_connect(f"/ws?ticket={ticket}") as websocket:
        print(websocket.receive_text())
        #> hello, alice
    # The same ticket again, as anyone who reads the access log could try.
    with client.websocket_connect(f"/ws?ticket={ticket}") as websocket:
        try:
            websocket.receive_text()
        except WebSocketDisconnect as closed:
            print(closed.code, closed.reason)
            #> 1008 invalid or expired ticket
    # --8<-- [end:demo]

    # --8<-- [start:more]
    def close_of(client: TestClient, url: str) -> tuple[int, str]:
        try:
            with client.websocket_connect(url) as websocket:
                websocket.receive_text()
        except WebSocketDisconnect as closed:
            return closed.code, closed.reason

    # A conversation: each message comes back, signed.
    ticket = client.post("/ws-tickets", headers=bearer).json()["ticket"]
    with client.websocket_connect(f"/ws?ticket={ticket}") as websocket:
        websocket.receive_text()
        websocket.send_text("hi")
        print(websocket.receive_text())
        #> alice: hi

    # A ticket past its expiry (moved there), a made-up one, and none at all.
    ticket = client.post("/ws-tickets", headers=bearer).json()["ticket"]
    username, expiry = TICKETS[ticket]
    TICKETS[ticket] = (username, expiry - TICKET_LIFETIME - 1)
    print(close_of(client, f"/ws?ticket={ticket}"))
    #> (1008, 'invalid or expired ticket')
    print(close_of(client, "/ws?ticket=made-up"))
    #> (1008, 'invalid or expired ticket')
    print(close_of(client, "/ws"))
    #> (1008, 'invalid or expired ticket')

    # Without a bearer token, no ticket.
    response = client.post("/ws-tickets")
    print(response.status_code, response.headers["www-authenticate"])
    #> 401 Bearer

    # The outline's app under TestClient reports a 1008 that a real client never
    # receives: a real server answers HTTP 403 instead (the tests show both).
    print(close_of(TestClient(naive_app), "/ws?token=made-up"))
    #> (1008, '')
    # --8<-- [end:more]
