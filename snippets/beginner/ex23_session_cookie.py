# --8<-- [start:app]
import os
import secrets
import time
from typing import Annotated

from fastapi import Cookie, FastAPI, Form, HTTPException, Response

app = FastAPI()

SESSION_SECONDS = 60 * 60
# Session id -> (user, expiry time). A real app keeps these in a database, so that a
# restart or a second server process does not log everybody out.
SESSIONS: dict[str, tuple[str, float]] = {}
# HTTP requires WWW-Authenticate on a 401 (Example 14); cookies have no standard scheme.
NOT_LOGGED_IN = {"WWW-Authenticate": "Cookie"}


@app.post("/login", responses={401: {"description": "Wrong password"}})
def login(password: Annotated[str, Form(min_length=1)], response: Response):
    # One user, whose password comes from the environment; storing hashed passwords
    # for many users is Example 16's topic. With no password set, nobody logs in.
    expected = os.environ.get("ADMIN_PASSWORD", "")
    if not expected or not secrets.compare_digest(password.encode(), expected.encode()):
        raise HTTPException(401, "Wrong password", headers=NOT_LOGGED_IN)
    session_id = secrets.token_urlsafe(32)  # 256 random bits: nobody can guess one
    SESSIONS[session_id] = ("admin", time.time() + SESSION_SECONDS)
    response.set_cookie(
        "session",
        session_id,
        max_age=SESSION_SECONDS,
        httponly=True,
        secure=True,
        samesite="lax",
    )
    return {"message": "logged in"}


@app.get("/profile", responses={401: {"description": "No valid session"}})
def profile(session: Annotated[str | None, Cookie()] = None):
    # Only the server's own store says who a session id belongs to, and until when.
    user, expires = SESSIONS.get(session or "", ("", 0.0))
    if time.time() >= expires:
        raise HTTPException(401, "Not logged in", headers=NOT_LOGGED_IN)
    return {"user": user}


@app.post("/logout")
def logout(response: Response, session: Annotated[str | None, Cookie()] = None):
    # The server forgets the session, whatever the browser does with its cookie.
    SESSIONS.pop(session or "", None)
    response.delete_cookie("session", httponly=True, secure=True, samesite="lax")
    return {"message": "logged out"}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from unittest.mock import patch

    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://testserver")
    with patch.dict(os.environ, {"ADMIN_PASSWORD": "s3cret-for-the-demo"}):
        # No cookie, or a value the server never issued: 401.
        print(client.get("/profile").status_code)
        #> 401
        forged = {"Cookie": "session=abc123xyz"}  # the outline's fixed token
        print(TestClient(app).get("/profile", headers=forged).status_code)
        #> 401
        print(client.post("/login", data={"password": "guess"}).status_code)
        #> 401

        client.post("/login", data={"password": "s3cret-for-the-demo"})
        print(len(client.cookies["session"]), client.get("/profile").json())
        #> 43 {'user': 'admin'}
        client.post("/logout")
        print(client.get("/profile").status_code)
        #> 401
# --8<-- [end:demo]
