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
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def create_access_token(username: str) -> str:
    now = datetime.now(UTC)
    claims = {"sub": username, "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options=REQUIRED)
    except jwt.InvalidTokenError:
        claims = {}
    if claims.get("sub") not in USERS:  # no valid token, or a user deleted since
        raise HTTPException(401, "Invalid or expired token", INVALID_TOKEN)
    return claims["sub"]


# --8<-- [end:tokens]


# --8<-- [start:app]
from fastapi import FastAPI

app = FastAPI()
# Each user's roles, read on every request: a change takes effect at once.
USERS = {"alice": {"admin"}, "bob": {"analyst"}, "carol": set()}
DENIED = {401: {"description": "Not authenticated"}, 403: {"description": "Forbidden"}}


class RequireRole:  # a class-based dependency (Example 28)
    def __init__(self, *roles: str):
        self.roles = set(roles)  # any one of them will do

    # current_user: Example 31's token check (above, collapsed on the page).
    def __call__(self, username: Annotated[str, Depends(current_user)]) -> str:
        if not self.roles & USERS.get(username, set()):
            raise HTTPException(403, "Not enough permissions")
        return username


@app.get("/reports", responses=DENIED)
def read_reports(username: Annotated[str, Depends(RequireRole("admin", "analyst"))]):
    return {"reports": ["q3-sales"], "reader": username}


@app.delete("/users/{name}", responses={**DENIED, 404: {"description": "No user"}})
def delete_user(name: str, admin: Annotated[str, Depends(RequireRole("admin"))]):
    if USERS.pop(name, None) is None:
        raise HTTPException(404, "No such user")
    return {"deleted": name, "by": admin}


# --8<-- [end:app]


# --8<-- [start:login]
from fastapi import Response
from fastapi.security import OAuth2PasswordRequestForm
from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()
# Demo data: every user's password is "correct-horse-battery-staple".
DEMO_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$dHAE+U48JNJCK5kDMFp3pw$"
    "BAfPokb7gn117AcZojZ2raS4iKUM4LPW7LPzIQegT54"
)
PASSWORD_HASHES = {"alice": DEMO_HASH, "bob": DEMO_HASH, "carol": DEMO_HASH}
DUMMY_HASH = password_hash.hash("stands in for users who do not exist")


def authenticate(username: str, password: str) -> bool:
    stored = PASSWORD_HASHES.get(username) if username in USERS else None
    matches = password_hash.verify(password, stored or DUMMY_HASH)
    return stored is not None and matches


@app.post("/token", responses={401: DENIED[401]})
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


# --8<-- [start:naive]
naive_app = FastAPI()  # the outline's role check, kept off `app`


def naive_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError:
        raise HTTPException(401, "Invalid token") from None  # no WWW-Authenticate
    if claims.get("sub") is None:
        raise HTTPException(401, "Invalid token")
    # The roles written into the token at login, trusted until it expires.
    return {"username": claims["sub"], "roles": claims.get("roles", [])}


def naive_require_role(*roles: str):
    def role_checker(user: Annotated[dict, Depends(naive_current_user)]) -> dict:
        if any(role in user["roles"] for role in roles):
            return user
        raise HTTPException(403, f"Requires role(s): {', '.join(roles)}")

    return role_checker


@naive_app.get("/reports", responses=DENIED)
def naive_reports(user: Annotated[dict, Depends(naive_require_role("admin"))]):
    return {"reports": ["q3-sales"], "reader": user["username"]}


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

    def log_in(username: str) -> dict[str, str]:
        form = {"username": username, "password": "correct-horse-battery-staple"}
        token = client.post("/token", data=form).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    alice, bob, carol = log_in("alice"), log_in("bob"), log_in("carol")
    print(client.get("/reports", headers=bob).json())
    #> {'reports': ['q3-sales'], 'reader': 'bob'}
    print(client.delete("/users/carol", headers=bob).json())  # bob is no admin
    #> {'detail': 'Not enough permissions'}
    print(client.delete("/users/carol", headers=alice).json())
    #> {'deleted': 'carol', 'by': 'alice'}
    print(client.get("/reports", headers=carol).status_code)  # carol: deleted
    #> 401
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Roles are read per request: take bob's away, and the next request knows it.
    USERS["bob"].discard("analyst")
    print(client.get("/reports", headers=bob).status_code)
    #> 403

    # The outline's way: roles written into the token at login.
    naive = TestClient(naive_app)
    expires = datetime.now(UTC) + LIFETIME
    claims = {"sub": "carol", "roles": ["admin"], "exp": expires}
    carols_old_token = jwt.encode(claims, SECRET_KEY, ALGORITHM)
    # carol was deleted above, and was never an admin in USERS: still let in.
    headers = {"Authorization": f"Bearer {carols_old_token}"}
    print(naive.get("/reports", headers=headers).json())
    #> {'reports': ['q3-sales'], 'reader': 'carol'}
    # Its 401 lacks the WWW-Authenticate header that HTTP requires.
    response = naive.get("/reports", headers={"Authorization": "Bearer forged"})
    print(response.status_code, response.headers.get("www-authenticate"))
    #> 401 None
    # A token without "exp" is accepted by it: it never expires.
    forever = jwt.encode({"sub": "alice", "roles": ["admin"]}, SECRET_KEY, ALGORITHM)
    print(naive.get("/reports", headers={"Authorization": f"Bearer {forever}"}).json())
    #> {'reports': ['q3-sales'], 'reader': 'alice'}
    print(client.get("/reports", headers={"Authorization": f"Bearer {forever}"}).json())
    #> {'detail': 'Invalid or expired token'}
    # --8<-- [end:more]
