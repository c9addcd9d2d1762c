# --8<-- [start:app]
import secrets
import time
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash

app = FastAPI()
password_hash = PasswordHash.recommended()  # Argon2id, as FastAPI's docs teach
USERS = {  # demo data: alice's password is "correct-horse-battery-staple"
    "alice": "$argon2id$v=19$m=65536,t=3,p=4$dHAE+U48JNJCK5kDMFp3pw$"
    "BAfPokb7gn117AcZojZ2raS4iKUM4LPW7LPzIQegT54",
}
DUMMY_HASH = password_hash.hash("stands in for users who do not exist")
TOKENS: dict[str, tuple[str, float]] = {}  # token -> (username, when it expires)
LIFETIME = 30 * 60  # seconds
# Reads "Authorization: Bearer <token>"; tokenUrl tells /docs where to log in.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
UNAUTHORIZED = {401: {"description": "Not authenticated"}}
CHALLENGE = {"WWW-Authenticate": "Bearer"}  # HTTP requires it with every 401
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


@app.post("/token", responses=UNAUTHORIZED)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], response: Response):
    stored = USERS.get(form.username)
    # Always one hash check: an unknown user takes as long as a wrong password.
    if not password_hash.verify(form.password, stored or DUMMY_HASH) or not stored:
        raise HTTPException(401, "Incorrect username or password", CHALLENGE)
    token = secrets.token_urlsafe(32)  # 256 random bits: nothing to guess or forge
    TOKENS[token] = (form.username, time.monotonic() + LIFETIME)
    response.headers["Cache-Control"] = "no-store"  # no cache may keep a copy
    return {"access_token": token, "token_type": "bearer", "expires_in": LIFETIME}


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    username, expires = TOKENS.get(token, ("", 0.0))
    if not username or time.monotonic() > expires:
        raise HTTPException(401, "Invalid or expired token", INVALID_TOKEN)
    return username


@app.get("/users/me", responses=UNAUTHORIZED)
def read_me(username: Annotated[str, Depends(current_user)]):
    return {"username": username}


# --8<-- [end:app]


# --8<-- [start:logout]
@app.post("/logout", status_code=204, responses=UNAUTHORIZED)
def logout(token: Annotated[str, Depends(oauth2_scheme)]) -> None:
    TOKENS.pop(token, None)  # the server forgets it: from now on it is refused


# --8<-- [end:logout]


# --8<-- [start:naive]
def naive_authenticate(username: str, password: str) -> bool:
    """The outline's shape: no hash at all when there is no such user."""
    stored = USERS.get(username)
    return stored is not None and password_hash.verify(password, stored)


# --8<-- [end:naive]


# --8<-- [start:errors_without_input]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold what the client typed, a
    # password too, and NaN or raw bytes, which JSON cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors_without_input]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    alice = {"username": "alice", "password": "correct-horse-battery-staple"}
    response = client.post("/token", data=alice)  # a form, as OAuth2 requires
    print(sorted(response.json()), response.headers["cache-control"])
    #> ['access_token', 'expires_in', 'token_type'] no-store
    bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
    print(client.get("/users/me", headers=bearer).json())
    #> {'username': 'alice'}

    # A wrong password and an unknown user get the same answer.
    for username in ["alice", "mallory"]:
        denied = client.post("/token", data={"username": username, "password": "x"})
        print(denied.status_code, denied.json(), denied.headers["www-authenticate"])
        #> 401 {'detail': 'Incorrect username or password'} Bearer
        #> 401 {'detail': 'Incorrect username or password'} Bearer
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # After a logout the server refuses the token, though it has not expired.
    print(client.post("/logout", headers=bearer).status_code)
    #> 204
    print(client.get("/users/me", headers=bearer).json())
    #> {'detail': 'Invalid or expired token'}

    # Count the hash checks for a user who does not exist: the route makes one,
    # against DUMMY_HASH; the outline's shape makes none.
    real_verify, checked = password_hash.verify, []

    def counting_verify(password, hash):
        checked.append("DUMMY_HASH" if hash is DUMMY_HASH else "a user's hash")
        return real_verify(password, hash)

    password_hash.verify = counting_verify
    client.post("/token", data={"username": "mallory", "password": "guess"})
    print(checked)
    #> ['DUMMY_HASH']
    checked.clear()
    print(naive_authenticate("mallory", "guess"), checked)
    #> False []
    password_hash.verify = real_verify
    # --8<-- [end:more]
