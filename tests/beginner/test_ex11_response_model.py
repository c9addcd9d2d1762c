import json

import pytest
from fastapi import FastAPI
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

PASSWORD = "correct horse battery staple"
ALICE = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
PUBLIC_FIELDS = ["username", "email", "full_name"]


# Argon2 with the lowest costs: the same kind of hash, made in a fraction of the time.
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def empty_store(example, monkeypatch):
    """Each test starts with no users (transcripts share this module and add some), and
    hashes cheaply: Argon2 with the recommended settings is slow on purpose."""
    monkeypatch.setattr(example, "users", {})
    monkeypatch.setattr(example, "password_hash", CHEAP)


def test_post_without_status_code_answers_200_with_only_public_fields(client):
    response = client.post("/users", json=ALICE)
    assert response.status_code == 200
    assert response.json() == {
        "username": "alice",
        "email": "alice@example.com",
        "full_name": None,
    }


def test_neither_the_password_nor_its_hash_is_ever_sent(client, example):
    created = client.post("/users", json=ALICE)
    read = client.get("/users/alice")
    stored_hash = example.users["alice"].hashed_password
    for response in (created, read):
        assert list(response.json()) == PUBLIC_FIELDS
        assert PASSWORD not in response.text
        assert "password" not in response.text
        assert stored_hash not in response.text


def test_the_server_stores_a_salted_hash_not_the_password(client, example):
    client.post("/users", json=ALICE)
    stored = example.users["alice"]
    assert not hasattr(stored, "password")
    assert PASSWORD not in stored.model_dump_json()
    assert stored.hashed_password.startswith("$argon2id$")
    assert example.hash_password(PASSWORD) != example.hash_password(PASSWORD)  # salted
    assert CHEAP.verify(PASSWORD, stored.hashed_password)


def test_the_app_hashes_with_pwdlibs_recommended_argon2id(example, monkeypatch):
    """What the app uses when no test swaps it: Argon2id as pwdlib recommends it, as
    FastAPI's documentation and Passwords, keys and sessions use it."""
    monkeypatch.undo()  # the module's own password_hash, not the cheap one
    [hasher] = example.password_hash.hashers
    assert isinstance(hasher, Argon2Hasher)
    hashed = example.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    [recommended] = PasswordHash.recommended().hashers
    assert not recommended.check_needs_rehash(hashed)  # today's recommended costs
    assert recommended.verify(PASSWORD, hashed)


def test_the_documented_responses_have_no_password_field(client):
    schema = client.get("/openapi.json").json()
    for path, method in [("/users", "post"), ("/users/{username}", "get")]:
        ok = schema["paths"][path][method]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/UserPublic"
        }
    components = schema["components"].pop("schemas")
    assert list(components["UserPublic"]["properties"]) == PUBLIC_FIELDS
    assert "UserInDB" not in components
    # The password is documented in one place only: the request body a client sends.
    user_create = components.pop("UserCreate")
    assert list(user_create["properties"]) == [*PUBLIC_FIELDS, "password"]
    assert "password" not in json.dumps(schema)
    assert "password" not in json.dumps(components)


def test_unknown_user_is_404(client):
    response = client.get("/users/bob")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


def test_signing_up_again_cannot_replace_a_password(client, example):
    client.post("/users", json=ALICE)
    original_hash = example.users["alice"].hashed_password
    response = client.post("/users", json={**ALICE, "password": "hijacked!"})
    assert response.status_code == 409
    assert response.json() == {"detail": "Username already taken"}
    assert example.users["alice"].hashed_password == original_hash


def test_the_schema_documents_the_errors_each_route_raises(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert list(paths["/users"]["post"]["responses"]) == ["200", "400", "409", "422"]
    assert list(paths["/users/{username}"]["get"]["responses"]) == ["200", "404", "422"]


BAD_SIGN_UPS = [
    {"username": "alice", "password": PASSWORD},  # no email: input is the whole body
    {**ALICE, "email": ["not", "a", "string"]},
    [PASSWORD],  # not an object at all
]


@pytest.mark.parametrize("body", BAD_SIGN_UPS)
def test_a_refused_sign_up_never_sends_the_password_back(client, example, body):
    response = client.post("/users", json=body)
    assert response.status_code == 422
    assert PASSWORD not in response.text
    for error in response.json()["detail"]:
        assert set(error) == {"type", "loc", "msg"}
    assert example.users == {}


def test_a_nan_in_the_body_is_a_422_not_a_500(client):
    response = client.post(
        "/users",
        content=b'{"username": NaN, "email": "a@example.com", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_type",
            "loc": ["body", "username"],
            "msg": "Input should be a valid string",
        }
    ]


def test_the_counterexamples_are_not_served_by_app(client):
    client.post("/users", json=ALICE)
    assert client.get("/naive/users/bob").status_code == 404
    assert client.get("/leaky/users/alice").status_code == 404


def test_returning_an_empty_dict_fails_response_validation(example):
    with pytest.raises(ResponseValidationError):
        TestClient(example.naive_app).get("/naive/users/bob")
    response = TestClient(example.naive_app, raise_server_exceptions=False).get(
        "/naive/users/bob"
    )
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_extra_allow_with_a_returned_dict_leaks_the_hash(client, example):
    client.post("/users", json=ALICE)
    naive_client = TestClient(example.naive_app)
    leaked = naive_client.get("/leaky/users/alice").json()
    assert leaked["hashed_password"] == example.users["alice"].hashed_password


def test_extra_allow_does_not_leak_when_the_model_object_is_returned(example):
    app = FastAPI()
    stored = example.UserInDB(username="a", email="a@example.com", hashed_password="h")

    @app.get("/user", response_model=example.UserPublicWithExtras)
    def read():
        return stored

    assert TestClient(app).get("/user").json() == {
        "username": "a",
        "email": "a@example.com",
        "full_name": None,
    }


def test_a_returned_dict_is_filtered_by_a_default_response_model(example):
    app = FastAPI()

    @app.get("/user", response_model=example.UserPublic)
    def read():
        return {"username": "a", "email": "a@example.com", "hashed_password": "h"}

    assert "hashed_password" not in TestClient(app).get("/user").json()


def test_response_model_wins_over_the_return_annotation(example):
    app = FastAPI()

    @app.get("/user", response_model=example.UserPublic)
    def read() -> example.UserInDB:
        return example.UserInDB(
            username="a", email="a@example.com", hashed_password="h"
        )

    assert list(TestClient(app).get("/user").json()) == PUBLIC_FIELDS


def test_a_response_object_returned_directly_skips_the_response_model(example):
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.get("/user", response_model=example.UserPublic)
    def read():
        return JSONResponse({"username": "a", "hashed_password": "h"})

    assert TestClient(app).get("/user").json() == {
        "username": "a",
        "hashed_password": "h",
    }


def test_the_default_422_would_send_the_password_back(example):
    """What the handler prevents: FastAPI's own 422 copies the whole body when the
    e-mail is missing."""
    from fastapi import FastAPI

    plain = FastAPI()  # the same route, with FastAPI's own handler
    plain.post("/users", response_model=example.UserPublic)(example.create_user)
    response = TestClient(plain).post(
        "/users", json={"username": "bob", "password": PASSWORD}
    )
    assert response.status_code == 422
    assert PASSWORD in response.text
