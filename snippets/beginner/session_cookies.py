# --8<-- [start:app]
import secrets
import time
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Form, Header, HTTPException, Response
from pwdlib import PasswordHash

app = FastAPI()
password_hash = PasswordHash.recommended()
USERS = {"alice": password_hash.hash("correct-horse")}  # made at sign-up (Example 16)
DUMMY_HASH = password_hash.hash("stands in for users who do not exist")

SESSION_SECONDS = 3600
# Session id -> (username, when it expires). The cookie holds only the random id.
SESSIONS: dict[str, tuple[str, float]] = {}
# The origins of your own pages; a real app reads them from its settings.
OUR_ORIGINS = {"http://127.0.0.1:8000", "http://localhost:8000"}


def same_origin_only(origin: Annotated[str | None, Header()] = None) -> None:
    # A browser names the origin of the page that posts: another site's form is refused.
    if origin is not None and origin not in OUR_ORIGINS:
        raise HTTPException(403, "Cross-site request refused")


def current_user(session: Annotated[str | None, Cookie()] = None) -> str:
    username, expires = SESSIONS.get(session or "", ("", 0.0))
    if time.monotonic() >= expires:  # unknown, forgotten and expired sessions alike
        raise HTTPException(401, "Not logged in")
    return username


NOT_LOGGED_IN = {401: {"description": "No valid session"}}
CROSS_SITE = {403: {"description": "Sent from another site's page"}}


@app.post(
    "/login",
    dependencies=[Depends(same_origin_only)],
    responses={
        400: {"description": "Unreadable form"},  # a broken one, or a field over 1 MiB
        401: {"description": "Wrong username or password"},
        **CROSS_SITE,
    },
)
def login(
    username: Annotated[str, Form(min_length=1)],
    password: Annotated[str, Form(min_length=1)],
    response: Response,
):
    stored = USERS.get(username)
    matches = password_hash.verify(password, stored or DUMMY_HASH)
    if stored is None or not matches:
        raise HTTPException(401, "Incorrect username or password")
    session_id = secrets.token_urlsafe(32)  # unguessable, and new at every login
    SESSIONS[session_id] = (username, time.monotonic() + SESSION_SECONDS)
    response.set_cookie(
        "session",
        session_id,
        max_age=SESSION_SECONDS,
        httponly=True,  # page scripts cannot read it, so injected ones cannot steal it
        secure=True,  # sent over HTTPS only
        samesite="lax",  # other sites' forms and scripts do not get it sent along
    )
    return {"message": f"Welcome back, {username}"}


@app.get("/me", responses=NOT_LOGGED_IN)
def who_am_i(username: Annotated[str, Depends(current_user)]):
    return {"username": username}


@app.post(
    "/logout",
    status_code=204,
    dependencies=[Depends(same_origin_only)],
    responses=CROSS_SITE,
)
def logout(response: Response, session: Annotated[str | None, Cookie()] = None):
    # Forgotten by the server, so a copy of the cookie is worth nothing either.
    SESSIONS.pop(session or "", None)
    response.delete_cookie("session", httponly=True, secure=True, samesite="lax")


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    # A browser sends a Secure cookie back only over HTTPS; so does this client.
    client = TestClient(app, base_url="https://testserver")
    print(client.get("/me").status_code)
    #> 401

    login = {"username": "alice", "password": "correct-horse"}
    response = client.post("/login", data=login)
    print(response.json())
    #> {'message': 'Welcome back, alice'}
    # The value is a random id; what follows tells the browser how to keep the cookie.
    print(response.headers["set-cookie"].split("; ", 1)[1])
    #> HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure
    print(client.get("/me").json())
    #> {'username': 'alice'}

    # A form on another website, posting to /logout with alice's cookie.
    response = client.post("/logout", headers={"Origin": "https://evil.example"})
    print(response.status_code, client.get("/me").status_code)
    #> 403 200

    print(client.post("/logout").status_code, client.get("/me").status_code)
    #> 204 401
# --8<-- [end:demo]
