# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


class UserPublic(BaseModel):  # what anyone may see: responses are filtered through it
    username: str
    email: str
    full_name: str | None = None


class UserCreate(UserPublic):
    password: str  # what a client sends to sign up


class UserInDB(UserPublic):
    hashed_password: str  # what the server keeps: never the password itself


users: dict[str, UserInDB] = {}
# The answers besides 200 and 422; the 400 is for a body that is not even text.
ERRORS = {400: {"description": "Unreadable body"}, 409: {"description": "Name taken"}}


@app.post("/users", response_model=UserPublic, responses=ERRORS)
def create_user(user: UserCreate):
    if user.username in users:  # else signing up again would replace a password
        raise HTTPException(status_code=409, detail="Username already taken")
    hashed = hash_password(user.password)
    stored = UserInDB(**user.model_dump(exclude={"password"}), hashed_password=hashed)
    users[user.username] = stored
    return stored  # a UserInDB; response_model=UserPublic decides what is sent


@app.get("/users/{username}", responses={404: {"description": "No such user"}})
def read_user(username: str) -> UserPublic:  # the annotation is the response model
    if username not in users:
        raise HTTPException(status_code=404, detail="User not found")
    return users[username]  # a UserInDB, sent as a UserPublic


# --8<-- [end:app]


# --8<-- [start:hashing]
from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()  # Argon2id, as FastAPI's docs teach


def hash_password(password: str) -> str:
    # Salted: the same password gives a different hash for every user.
    return password_hash.hash(password)


# --8<-- [end:hashing]


# --8<-- [start:validation_errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


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
from pydantic import ConfigDict


class UserPublicWithExtras(UserPublic):
    model_config = ConfigDict(extra="allow")  # keep keys the model does not declare


@naive_app.get("/leaky/users/{username}", response_model=UserPublicWithExtras)
def read_user_leaky(username: str):
    # WRONG: a dict's extra keys, hashed_password included, are all kept.
    return users[username].model_dump()


# --8<-- [end:leak]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    alice = {"username": "alice", "email": "alice@example.com", "password": "s3cret!"}
    response = client.post("/users", json=alice)
    print(response.status_code, response.json())
    #> 200 {'username': 'alice', 'email': 'alice@example.com', 'full_name': None}
    # The server keeps a hash, which is not sent either.
    print(list(users["alice"].model_dump()))
    #> ['username', 'email', 'full_name', 'hashed_password']
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The return annotation filters the same way.
    print(client.get("/users/alice").json())
    #> {'username': 'alice', 'email': 'alice@example.com', 'full_name': None}

    # The documented response is UserPublic, and UserPublic has no password field.
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/users/{username}"]["get"]["responses"]["200"]
    print(ok["content"]["application/json"]["schema"])
    #> {'$ref': '#/components/schemas/UserPublic'}

    # Unknown users get 404; a second sign-up as alice gets 409, her password stays.
    response = client.get("/users/bob")
    print(response.status_code, response.json())
    #> 404 {'detail': 'User not found'}
    response = client.post("/users", json={**alice, "password": "hijacked!"})
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
# --8<-- [end:more]
