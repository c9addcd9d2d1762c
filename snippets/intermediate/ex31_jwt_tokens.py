# --8<-- [start:app]
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
# From the environment. Without it, a random key: a restart logs everyone out.
SECRET_KEY = os.environ.get("JWT_SECRET_KEY") or secrets.token_urlsafe(32)
if len(SECRET_KEY.encode()) < 32:  # HS256 needs a key of 256 bits or more
    raise RuntimeError("JWT_SECRET_KEY must be at least 32 bytes long")
ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=30)
REQUIRED = {"require": ["exp", "sub"]}  # refuse a token that would never expire
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
UNAUTHORIZED = {401: {"description": "Not authenticated"}}
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def create_access_token(username: str) -> str:
    now = datetime.now(UTC)
    claims = {"sub": username, "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    try:  # algorithms: the only ones accepted, whatever the token's header says
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options=REQUIRED)
    except jwt.InvalidTokenError:  # forged, expired, malformed, other algorithm...
        claims = {}
    if claims.get("sub") not in USERS:  # USERS: below; deleted users fail too
        raise HTTPException(401, "Invalid or expired token", INVALID_TOKEN)
    return claims["sub"]


@app.get("/users/me", responses=UNAUTHORIZED)
def read_me(username: Annotated[str, Depends(current_user)]):
    return {"username": username}


# --8<-- [end:app]


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
    # "input" and "ctx" are left out: they can hold what the client typed, a
    # password too, and NaN or raw bytes, which JSON cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors_without_input]

# --8<-- [start:demo]
if __name__ == "__main__":
    import base64
    import json

    from fastapi.testclient import TestClient

    client = TestClient(app)
    alice = {"username": "alice", "password": "correct-horse-battery-staple"}
    token = client.post("/token", data=alice).json()["access_token"]
    header, payload, signature = token.split(".")
    # Signed, not encrypted: whoever holds the token can read what it says.
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    print(claims["sub"], claims["exp"] - claims["iat"])
    #> alice 1800
    print(client.get("/users/me", headers={"Authorization": f"Bearer {token}"}).json())
    #> {'username': 'alice'}

    # A genuine token, expired a second ago.
    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = jwt.encode({"sub": "alice", "exp": past}, SECRET_KEY, ALGORITHM)
    response = client.get("/users/me", headers={"Authorization": f"Bearer {expired}"})
    print(response.status_code, response.headers["www-authenticate"])
    #> 401 Bearer error="invalid_token"
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Change what it says, and the signature no longer matches.
    forged_claims = json.dumps({**claims, "sub": "mallory"}).encode()
    forged = base64.urlsafe_b64encode(forged_claims).rstrip(b"=").decode()
    tampered = f"{header}.{forged}.{signature}"

    def status_for(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return client.get("/users/me", headers=headers).status_code

    later = datetime.now(UTC) + timedelta(minutes=5)
    unsigned_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=")
    attempts = {
        "claims changed": tampered,
        "no signature (alg none)": f"{unsigned_header.decode()}.{payload}.",
        "another key": jwt.encode(
            {"sub": "alice", "exp": later}, "k" * 32, algorithm=ALGORITHM
        ),
        "no exp": jwt.encode({"sub": "alice"}, SECRET_KEY, algorithm=ALGORITHM),
        "no sub": jwt.encode({"exp": later}, SECRET_KEY, algorithm=ALGORITHM),
        "user unknown": jwt.encode(
            {"sub": "mallory", "exp": later}, SECRET_KEY, algorithm=ALGORITHM
        ),
        "not a JWT": "hello",
    }
    for name, token in attempts.items():
        print(f"{name}: {status_for(token)}")
        #> claims changed: 401
        #> no signature (alg none): 401
        #> another key: 401
        #> no exp: 401
        #> no sub: 401
        #> user unknown: 401
        #> not a JWT: 401
    # --8<-- [end:more]
