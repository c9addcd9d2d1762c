import ast
import inspect
import secrets
import textwrap
from typing import Annotated

import pytest
from fastapi import Body, Depends, FastAPI, Form
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.testclient import TestClient

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def alice_record(example):
    """alice's stored (salt, hash), computed once: scrypt is slow on purpose."""
    salt = secrets.token_bytes(16)
    return salt, example.hash_password(PASSWORD, salt)


@pytest.fixture(autouse=True)
def users(example, monkeypatch, alice_record):
    """Each test gets its own user table holding alice, so no test sees another's users
    (the transcript replay serves this same module)."""
    table = {"alice": alice_record}
    monkeypatch.setattr(example, "USERS", table)
    return table


def register(client, **fields):
    form = {"email": "bob@example.com", "password": "hunter2-hunter2", **fields}
    return client.post("/register", data=form)


def test_register_answers_201_without_the_password(client, users):
    response = register(client, username="bob", newsletter="on")
    assert response.status_code == 201
    assert response.json() == {
        "username": "bob",
        "email": "bob@example.com",
        "newsletter": True,
    }


def test_only_a_salted_hash_is_stored(client, users):
    assert register(client, username="bob").status_code == 201
    assert register(client, username="carol").status_code == 201
    (bob_salt, bob_hash), (carol_salt, carol_hash) = users["bob"], users["carol"]
    assert len(bob_salt) == 16 and len(bob_hash) == 64
    assert b"hunter2" not in bob_salt + bob_hash
    # Same password, different salts, different hashes.
    assert bob_salt != carol_salt and bob_hash != carol_hash


def test_an_unticked_checkbox_is_not_sent_and_means_false(client):
    assert register(client, username="bob").json()["newsletter"] is False


def test_a_taken_username_is_409(client, users, alice_record):
    response = register(client, username="alice")
    assert response.status_code == 409
    assert response.json() == {"detail": "Username already taken"}
    assert users["alice"] == alice_record  # alice's password did not change


def test_empty_fields_count_as_missing(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == ["missing", "missing"]


def test_an_unexpected_field_is_422(client, users):
    response = register(client, username="bob", is_admin="true")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["body", "is_admin"],
                "msg": "Extra inputs are not permitted",
                "input": "true",
            }
        ]
    }
    assert "bob" not in users


def test_validation_errors_point_into_the_body_and_echo_the_input(client):
    response = client.post(
        "/register", data={"username": "Al", "email": "alice", "password": "pw"}
    )
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [(e["loc"], e["type"], e["input"]) for e in errors] == [
        (["body", "username"], "string_too_short", "Al"),
        (["body", "email"], "value_error", "alice"),
        (["body", "password"], "too_short", "pw"),  # the rejected password, echoed
    ]


def test_login_reads_urlencoded_and_multipart_forms(client):
    form = {"username": "alice", "password": PASSWORD}
    urlencoded = client.post("/login", data=form)
    multipart = client.post("/login", files={k: (None, v) for k, v in form.items()})
    for response in urlencoded, multipart:
        assert response.status_code == 200
        assert response.json() == {"message": "Welcome back, alice"}
    assert (
        urlencoded.request.headers["content-type"]
        == "application/x-www-form-urlencoded"
    )
    assert multipart.request.headers["content-type"].startswith("multipart/form-data")


@pytest.mark.parametrize(
    "username, password",
    [
        ("alice", "guess"),
        ("alice", PASSWORD.upper()),
        ("ALICE", PASSWORD),
        ("mallory", PASSWORD),
    ],
)
def test_wrong_credentials_get_the_same_401_and_no_cookie(client, username, password):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert "set-cookie" not in response.headers


def test_login_sets_no_cookie(client):
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "username, password, status",
    [("alice", PASSWORD, 200), ("alice", "guess", 401), ("mallory", "guess", 401)],
    ids=["right-password", "wrong-password", "unknown-user"],
)
def test_every_login_hashes_once_and_compares_with_compare_digest(
    client, example, monkeypatch, alice_record, username, password, status
):
    """The only comparison of secrets is secrets.compare_digest, on bytes, once per login,
    for known and unknown users alike (a spy records every call)."""
    compared, hashed = [], []
    real_compare, real_hash = secrets.compare_digest, example.hash_password

    def spy_compare(a, b):
        compared.append((a, b))
        return real_compare(a, b)

    def spy_hash(password, salt):
        hashed.append((password, salt))
        return real_hash(password, salt)

    monkeypatch.setattr(example.secrets, "compare_digest", spy_compare)
    monkeypatch.setattr(example, "hash_password", spy_hash)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == status
    salt, stored = alice_record if username == "alice" else example.UNKNOWN_USER
    assert hashed == [(password, salt)]
    assert compared == [(real_hash(password, salt), stored)]
    assert all(isinstance(value, bytes) for value in compared[0])


def test_the_login_check_has_no_other_comparison(example):
    """No `==` or `!=` in the login handler: compare_digest is the only way it compares."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(example.login)))
    comparisons = [node for node in ast.walk(tree) if isinstance(node, ast.Compare)]
    assert comparisons == []


def test_non_ascii_passwords_work_because_bytes_are_compared(client):
    assert (
        register(client, username="zoe", password="pässwörd-ünïcode").status_code == 201
    )
    ok = client.post("/login", data={"username": "zoe", "password": "pässwörd-ünïcode"})
    wrong = client.post(
        "/login", data={"username": "zoe", "password": "pässwörd-ünïcodé"}
    )
    assert (ok.status_code, wrong.status_code) == (200, 401)


def test_compare_digest_on_non_ascii_text_raises_which_would_be_a_500():
    with pytest.raises(TypeError, match="non-ASCII"):
        secrets.compare_digest("pässwörd", "password")


def test_a_json_body_is_not_a_form(client):
    response = client.post("/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "username"],
                "msg": "Field required",
                "input": None,
            },
            {
                "type": "missing",
                "loc": ["body", "password"],
                "msg": "Field required",
                "input": None,
            },
        ]
    }


def test_body_declared_next_to_form_is_read_from_the_form_too():
    app = FastAPI()

    @app.post("/mixed")
    def mixed(a: Annotated[str, Form()], b: Annotated[str, Body()]):
        return {"a": a, "b": b}

    client = TestClient(app)
    assert client.post("/mixed", data={"a": "1", "b": "2"}).json() == {
        "a": "1",
        "b": "2",
    }
    assert client.post("/mixed", json={"a": "1", "b": "2"}).status_code == 422
    content = app.openapi()["paths"]["/mixed"]["post"]["requestBody"]["content"]
    assert list(content) == ["application/x-www-form-urlencoded"]


def test_a_required_bool_rejects_an_unticked_checkbox():
    app = FastAPI()

    @app.post("/agree")
    def agree(agree_terms: Annotated[bool, Form()]):
        return {"agree_terms": agree_terms}

    client = TestClient(app)
    assert client.post("/agree", data={"agree_terms": "on"}).json() == {
        "agree_terms": True
    }
    response = client.post(
        "/agree", data={}
    )  # what the browser sends when it is unticked
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "missing"


def test_oauth2_password_request_form_is_made_of_form_fields():
    app = FastAPI()

    @app.post("/token")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
        return {"username": form.username, "grant_type": form.grant_type}

    client = TestClient(app)
    form = {"grant_type": "password", "username": "alice", "password": PASSWORD}
    assert client.post("/token", data=form).json() == {
        "username": "alice",
        "grant_type": "password",
    }
    assert client.post("/token", json=form).status_code == 422


def test_a_missing_field_error_carries_the_whole_form_password_included(client):
    response = client.post(
        "/register", data={"username": "bob", "password": "hunter2-hunter2"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "type": "missing",
        "loc": ["body", "email"],
        "msg": "Field required",
        "input": {"username": "bob", "password": "hunter2-hunter2"},
    }
