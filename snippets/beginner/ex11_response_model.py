# --8<-- [start:app]
import hashlib
import secrets

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

app = FastAPI()


class UserPublic(BaseModel):
    """What anyone may see about a user. Responses are filtered through it."""

    username: str
    email: str
    full_name: str | None = None


class UserCreate(UserPublic):
    """What a client sends to sign up: the public fields plus a password."""

    password: str


class UserInDB(UserPublic):
    """What the server keeps: a salted hash of the password, never the password."""

    hashed_password: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


users: dict[str, UserInDB] = {}


def find_user(username: str) -> UserInDB:
    if username not in users:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="User not found")
    return users[username]


@app.post(
    "/users",
    response_model=UserPublic,
    responses={
        status.HTTP_400_BAD_REQUEST: {"description": "Unreadable body"},
        status.HTTP_409_CONFLICT: {"description": "Username already taken"},
    },
)
def create_user(user: UserCreate):
    if user.username in users:
        # Without this check, signing up again as "alice" would replace her password.
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Username already taken")
    stored = UserInDB(
        **user.model_dump(exclude={"password"}),
        hashed_password=hash_password(user.password),
    )
    users[user.username] = stored
    return stored  # a UserInDB; response_model=UserPublic decides what is sent


@app.get(
    "/users/{username}",
    responses={status.HTTP_404_NOT_FOUND: {"description": "No user has this name"}},
)
def read_user(username: str) -> UserPublic:
    # The return annotation is the response model here. A UserInDB *is* a
    # UserPublic (a subclass), so type checkers accept it, and FastAPI still
    # sends only UserPublic's three fields.
    return find_user(username)


# --8<-- [end:app]


# --8<-- [start:validation_errors]
@app.exception_handler(RequestValidationError)
async def validation_error_without_input(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    # FastAPI's 422 without "input" and "ctx": a refused sign-up never sends the
    # password back (Example 15 explains this handler).
    errors = [
        {"type": error["type"], "loc": error["loc"], "msg": error["msg"]}
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": errors}
    )


# --8<-- [end:validation_errors]


# --8<-- [start:mistake]
# The counterexamples live in a second app, made to be broken: `fastapi dev`
# serves only `app`.
naive_app = FastAPI()


@naive_app.get("/naive/users/{username}", response_model=UserPublic)
def read_user_naive(username: str):
    # WRONG: {} lacks the required username and email, so it fails the response
    # model's validation and the client gets 500 Internal Server Error.
    return users.get(username, {})


# --8<-- [end:mistake]


# --8<-- [start:leak]
class UserPublicWithExtras(UserPublic):
    model_config = ConfigDict(extra="allow")  # keep keys the model does not declare


@naive_app.get("/leaky/users/{username}", response_model=UserPublicWithExtras)
def read_user_leaky(username: str):
    # WRONG: a dict's extra keys, hashed_password included, are all kept.
    return find_user(username).model_dump()


# --8<-- [end:leak]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    new_user = {
        "username": "alice",
        "email": "alice@example.com",
        "password": "correct horse battery staple",
    }
    response = client.post("/users", json=new_user)
    print(response.status_code, response.json())
    #> 200 {'username': 'alice', 'email': 'alice@example.com', 'full_name': None}

    # The server kept a hash, and neither the password nor the hash ever goes out.
    print(users["alice"].hashed_password.startswith("scrypt$"))
    #> True
    response = client.get("/users/alice")
    print(response.json())
    #> {'username': 'alice', 'email': 'alice@example.com', 'full_name': None}
    print("password" in response.text)
    #> False

    # The documented response is UserPublic, and UserPublic has no password field.
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/users/{username}"]["get"]["responses"]["200"]
    print(ok["content"]["application/json"]["schema"])
    #> {'$ref': '#/components/schemas/UserPublic'}
    print(list(schema["components"]["schemas"]["UserPublic"]["properties"]))
    #> ['username', 'email', 'full_name']

    # Unknown users get 404; a second sign-up as alice gets 409, her password stays.
    response = client.get("/users/bob")
    print(response.status_code, response.json())
    #> 404 {'detail': 'User not found'}
    response = client.post("/users", json={**new_user, "password": "hijacked!"})
    print(response.status_code, response.json())
    #> 409 {'detail': 'Username already taken'}

    # A refused sign-up (no email) does not send the password back either.
    response = client.post("/users", json={"username": "bob", "password": "s3cret!"})
    print(response.status_code, response.json())
    '''
    422
    {'detail': [{'type': 'missing', 'loc': ['body', 'email'], 'msg': 'Field required'}]}
    '''

    # The outline's version returns {} for a missing user: that is a server error.
    naive_client = TestClient(naive_app, raise_server_exceptions=False)
    response = naive_client.get("/naive/users/bob")
    print(response.status_code, response.text)
    #> 500 Internal Server Error

    # extra="allow" plus a returned dict: the hash leaks.
    print(list(naive_client.get("/leaky/users/alice").json()))
    #> ['username', 'email', 'full_name', 'hashed_password']
# --8<-- [end:demo]
