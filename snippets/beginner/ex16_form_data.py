# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from typing import Annotated, Literal

from fastapi import FastAPI, Form, HTTPException
from pwdlib import PasswordHash
from pydantic import BaseModel, ConfigDict, Field

# FastAPI answers 400 to a form it cannot read: a broken one, or a field over 1 MiB.
app = FastAPI(responses={400: {"description": "Unreadable form"}})
password_hash = PasswordHash.recommended()  # Argon2, as FastAPI's docs teach
USERS: dict[str, str] = {}  # username -> password hash, never the password itself


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unexpected field is a 422

    username: str = Field(pattern=r"^[a-z0-9_]{3,30}$")
    password: str = Field(min_length=8, max_length=128)
    newsletter: bool = False  # an unticked checkbox is not sent at all
    terms: Literal["on"]  # what a ticked checkbox sends: this one must be ticked


@app.post("/register", status_code=201, responses={409: {"description": "Name taken"}})
def register(form: Annotated[SignUp, Form()]):
    hashed = password_hash.hash(form.password)
    # setdefault stores only if the name is free: two racing sign-ups cannot both win.
    if USERS.setdefault(form.username, hashed) is not hashed:
        raise HTTPException(409, "Username already taken")
    return {"username": form.username, "newsletter": form.newsletter}


# --8<-- [end:app]


# --8<-- [start:login]
DUMMY_HASH = password_hash.hash("stands in for users who do not exist")


@app.post("/login", responses={401: {"description": "Wrong username or password"}})
def login(
    username: Annotated[str, Form(min_length=1)],  # an empty field counts as missing
    password: Annotated[str, Form(min_length=1)],
):
    stored = USERS.get(username)
    # An unknown user costs the same hashing: the time taken does not tell who exists.
    matches = password_hash.verify(password, stored or DUMMY_HASH)
    if stored is None or not matches:
        raise HTTPException(401, "Incorrect username or password")
    return {"message": f"Welcome back, {username}"}


# --8<-- [end:login]


# --8<-- [start:errors_without_input]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold what was typed, passwords too.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors_without_input]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # data= sends a form, as a browser does: a ticked checkbox arrives as "on".
    form = {"username": "alice", "password": "correct-horse", "terms": "on"}
    response = client.post("/register", data=form)
    print(response.status_code, response.json())
    #> 201 {'username': 'alice', 'newsletter': False}

    # The terms box left unticked: the browser leaves the field out.
    bob = {"username": "bob", "password": "hunter2-hunter2"}
    response = client.post("/register", data=bob)
    print(response.status_code, response.json()["detail"])
    #> 422 [{'type': 'missing', 'loc': ['body', 'terms'], 'msg': 'Field required'}]
    # --8<-- [end:demo]

    # --8<-- [start:login_demo]
    login = {"username": "alice", "password": "correct-horse"}
    print(client.post("/login", data=login).json())
    #> {'message': 'Welcome back, alice'}
    # An unknown user gets the very same answer as a wrong password.
    response = client.post("/login", data={"username": "mallory", "password": "guess"})
    print(response.status_code, response.json())
    #> 401 {'detail': 'Incorrect username or password'}
    # A 422 says where and why, never what was sent: the password stays out of it.
    response = client.post("/login", data={"password": "correct-horse"})
    print(response.status_code, "correct-horse" in response.text)
    #> 422 False
    # --8<-- [end:login_demo]

    # --8<-- [start:more]
    print(USERS["alice"][:30])  # what the server keeps: an Argon2 hash
    #> $argon2id$v=19$m=65536,t=3,p=4
    # files= sends multipart/form-data; Form() reads that encoding too.
    print(client.post("/login", files={k: (None, v) for k, v in login.items()}).json())
    #> {'message': 'Welcome back, alice'}
    # A JSON body is not a form: both fields are missing.
    response = client.post("/login", json=login)
    print(response.status_code, [e["loc"] for e in response.json()["detail"]])
    #> 422 [['body', 'username'], ['body', 'password']]

    # A box that is ticked is "on"; "false" is not a way of ticking it.
    response = client.post("/register", data={**bob, "terms": "false"})
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Input should be 'on'
    # The optional box: ticked is "on", which reads as True.
    response = client.post("/register", data={**bob, "terms": "on", "newsletter": "on"})
    print(response.status_code, response.json())
    #> 201 {'username': 'bob', 'newsletter': True}
    # extra="forbid": a field the form does not declare is refused.
    carol = {**bob, "username": "carol", "terms": "on", "is_admin": "true"}
    response = client.post("/register", data=carol)
    print(response.status_code, response.json()["detail"])
    '''
    422
    [
        {
            'type': 'extra_forbidden',
            'loc': ['body', 'is_admin'],
            'msg': 'Extra inputs are not permitted',
        }
    ]
    '''
    # --8<-- [end:more]
