# --8<-- [start:app]
import hashlib
import secrets
from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr

app = FastAPI()

# username -> (salt, scrypt hash of the password). Never the password itself.
USERS: dict[str, tuple[bytes, bytes]] = {}
# Stands in for a user who does not exist: a random salt, and a hash that never matches.
UNKNOWN_USER = (secrets.token_bytes(16), b"")


def hash_password(password: str, salt: bytes) -> bytes:
    # Slow and memory-hungry on purpose: stolen hashes are slow to crack.
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unexpected field is a 422

    username: str = Field(min_length=3, max_length=50, pattern=r"^[a-z0-9_]+$")
    email: EmailStr
    password: SecretStr = Field(min_length=8, max_length=128)
    newsletter: bool = False  # an unticked checkbox is simply not sent


@app.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_409_CONFLICT: {"description": "Username already taken"}},
)
def register(form: Annotated[Registration, Form()]):
    salt = secrets.token_bytes(16)
    record = (salt, hash_password(form.password.get_secret_value(), salt))
    if USERS.setdefault(form.username, record) is not record:
        raise HTTPException(status.HTTP_409_CONFLICT, "Username already taken")
    return form.model_dump(exclude={"password"})


@app.post(
    "/login",
    responses={
        status.HTTP_401_UNAUTHORIZED: {"description": "Incorrect username or password"}
    },
)
def login(
    # An empty form field counts as missing; min_length=1 says so in the docs.
    username: Annotated[str, Form(min_length=1)],
    password: Annotated[str, Form(min_length=1)],
):
    salt, expected = USERS.get(username, UNKNOWN_USER)
    # Hash even for an unknown user, so the time taken does not tell who has an account,
    # and compare in constant time, so it does not tell how much of the hash matched.
    if not secrets.compare_digest(hash_password(password, salt), expected):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Incorrect username or password"
        )
    return {"message": f"Welcome back, {username}"}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # data= sends application/x-www-form-urlencoded, as a browser's <form> does.
    response = client.post(
        "/register",
        data={
            "username": "alice",
            "email": "alice@example.com",
            "password": "correct-horse-battery",
            "newsletter": "on",  # what a ticked <input type="checkbox"> sends
        },
    )
    print(response.status_code, response.json())
    #> 201 {'username': 'alice', 'email': 'alice@example.com', 'newsletter': True}
    # What the server keeps for alice: a random 16-byte salt and a 64-byte hash.
    print([len(part) for part in USERS["alice"]])
    #> [16, 64]

    # Field constraints work as they do for query parameters; errors point into "body".
    response = client.post(
        "/register", data={"username": "Al", "email": "alice", "password": "pw"}
    )
    print(
        response.status_code, [(e["loc"], e["type"]) for e in response.json()["detail"]]
    )
    '''
    422
    [
        (['body', 'username'], 'string_too_short'),
        (['body', 'email'], 'value_error'),
        (['body', 'password'], 'too_short'),
    ]
    '''
    # Each error echoes the rejected input, even for a password.
    print(response.json()["detail"][-1]["input"])
    #> pw

    login = {"username": "alice", "password": "correct-horse-battery"}
    print(client.post("/login", data=login).json())
    #> {'message': 'Welcome back, alice'}
    # files= sends multipart/form-data; Form() reads that encoding too.
    print(client.post("/login", files={k: (None, v) for k, v in login.items()}).json())
    #> {'message': 'Welcome back, alice'}

    response = client.post("/login", data={"username": "alice", "password": "guess"})
    print(response.status_code, response.json())
    #> 401 {'detail': 'Incorrect username or password'}
    response = client.post("/login", data={"username": "mallory", "password": "guess"})
    print(response.status_code, response.json())
    #> 401 {'detail': 'Incorrect username or password'}

    # A JSON body is not a form: the fields are missing.
    response = client.post("/login", json=login)
    print(response.status_code, response.json()["detail"][0])
    '''
    422
    {
        'type': 'missing',
        'loc': ['body', 'username'],
        'msg': 'Field required',
        'input': None,
    }
    '''
# --8<-- [end:demo]
