# --8<-- [start:app]
from fastapi import FastAPI, HTTPException
from pwdlib import PasswordHash
from pydantic import BaseModel, Field

app = FastAPI()
password_hash = PasswordHash.recommended()  # Argon2id, with pwdlib's current settings
USERS: dict[str, str] = {}  # username -> hash, such as "$argon2id$v=19$m=65536,..."
# What an unknown user's password is checked against, so that it costs the same time.
DUMMY_HASH = password_hash.hash("stands in for users who do not exist")


class Credentials(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9_]{3,30}$")
    password: str = Field(min_length=8, max_length=128)


# FastAPI answers 400 to a body that is not even text (not UTF-8): declared for /docs.
UNREADABLE = {400: {"description": "The body could not be read"}}


def authenticate(username: str, password: str) -> bool:
    stored = USERS.get(username)
    matches, upgraded = password_hash.verify_and_update(password, stored or DUMMY_HASH)
    if stored is None or not matches:
        return False
    if upgraded:  # made with older settings: replace it now that we know the password
        USERS[username] = upgraded
    return True


@app.post(
    "/users",
    status_code=201,
    responses={**UNREADABLE, 409: {"description": "Name taken"}},
)
def sign_up(credentials: Credentials):
    hashed = password_hash.hash(credentials.password)
    # setdefault stores only if the name is free: two racing sign-ups cannot both win.
    if USERS.setdefault(credentials.username, hashed) is not hashed:
        raise HTTPException(409, "Username already taken")
    return {"username": credentials.username}


@app.post(
    "/login",
    responses={**UNREADABLE, 401: {"description": "Wrong username or password"}},
)
def login(credentials: Credentials):
    if not authenticate(credentials.username, credentials.password):
        raise HTTPException(401, "Incorrect username or password")
    return {"message": f"Welcome back, {credentials.username}"}


# --8<-- [end:app]


# --8<-- [start:errors_without_input]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON cannot
    # write, and what the client typed, passwords included.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors_without_input]

# --8<-- [start:demo]
if __name__ == "__main__":
    import hashlib
    import time
    import timeit

    from fastapi.testclient import TestClient

    # A hash names its algorithm and settings, then its random salt, then the hash.
    stored = password_hash.hash("correct-horse")
    print(stored.split("$")[1:4])
    #> ['argon2id', 'v=19', 'm=65536,t=3,p=4']
    # The same password again gets a new salt, so a different hash; both verify.
    again = password_hash.hash("correct-horse")
    print(again == stored, password_hash.verify("correct-horse", again))
    #> False True
    print(password_hash.verify("Correct-horse", stored))
    #> False

    # SHA-256 is the wrong tool. No salt: equal passwords give equal hashes...
    print(hashlib.sha256(b"correct-horse").hexdigest()[:16])
    #> 9dca666eb5473071
    # ...and fast: a stolen table can be guessed through a thousand times faster.
    sha256_time = timeit.timeit(lambda: hashlib.sha256(b"x").digest(), number=10_000)
    start = time.perf_counter()
    password_hash.hash("correct-horse")
    argon2_time = time.perf_counter() - start
    print(argon2_time > 1000 * sha256_time / 10_000)
    #> True

    client = TestClient(app)
    alice = {"username": "alice", "password": "correct-horse"}
    print(client.post("/users", json=alice).json(), USERS["alice"][:10])
    #> {'username': 'alice'} $argon2id$
    print(client.post("/login", json=alice).json())
    #> {'message': 'Welcome back, alice'}
    # An unknown user: the same work against DUMMY_HASH, the same answer.
    response = client.post("/login", json={**alice, "username": "mallory"})
    print(response.status_code, response.json())
    #> 401 {'detail': 'Incorrect username or password'}
    # --8<-- [end:demo]

    # --8<-- [start:upgrade]
    from pwdlib.hashers.argon2 import Argon2Hasher

    # bob signed up years ago, when the app used lighter settings.
    old_settings = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192),))
    USERS["bob"] = old_settings.hash("hunter2-hunter2")
    print(USERS["bob"].split("$")[3])
    #> m=8192,t=1,p=4
    # His next successful login stores a new hash, with today's settings.
    bob = {"username": "bob", "password": "hunter2-hunter2"}
    print(client.post("/login", json=bob).status_code, USERS["bob"].split("$")[3])
    #> 200 m=65536,t=3,p=4
    # --8<-- [end:upgrade]
