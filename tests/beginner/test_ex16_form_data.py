from typing import Annotated, Literal

import pytest
from fastapi import Body, Depends, FastAPI, Form
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

PASSWORD = "correct-horse-battery"
TICKED = {"terms": "on"}


@pytest.fixture(scope="module")
def alice_hash(example):
    """alice's stored hash, computed once: Argon2 is slow on purpose."""
    return example.password_hash.hash(PASSWORD)


@pytest.fixture(autouse=True)
def users(example, monkeypatch, alice_hash):
    """Each test gets its own user table holding alice, so no test sees another's users
    (the transcript replay serves this same module)."""
    table = {"alice": alice_hash}
    monkeypatch.setattr(example, "USERS", table)
    return table


def register(client, **fields):
    form = {"password": "hunter2-hunter2", **fields}
    return client.post("/register", data=form)


def test_register_answers_201_without_the_password(client, users):
    response = register(client, username="bob", newsletter="on", **TICKED)
    assert response.status_code == 201
    assert response.json() == {"username": "bob", "newsletter": True}
    assert "hunter2" not in response.text


def test_only_a_salted_argon2_hash_is_stored(client, example, users):
    assert register(client, username="bob", **TICKED).status_code == 201
    assert register(client, username="carol", **TICKED).status_code == 201
    bob, carol = users["bob"], users["carol"]
    assert bob.startswith("$argon2id$") and "hunter2" not in bob
    # Same password, different salts, different hashes; each still verifies.
    assert bob != carol
    assert example.password_hash.verify("hunter2-hunter2", bob)
    assert example.password_hash.verify("hunter2-hunter2", carol)


def test_an_unticked_optional_checkbox_is_not_sent_and_means_false(client):
    assert register(client, username="bob", **TICKED).json()["newsletter"] is False


@pytest.mark.parametrize(
    "terms, error",
    [
        (None, "missing"),  # unticked: the browser sends no field at all
        ("false", "literal_error"),
        ("true", "literal_error"),
        ("off", "literal_error"),
        ("", "missing"),  # an empty form value counts as not sent
    ],
)
def test_the_terms_box_must_be_ticked(client, users, terms, error):
    fields = {} if terms is None else {"terms": terms}
    response = register(client, username="bob", **fields)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": error,
            "loc": ["body", "terms"],
            "msg": "Field required" if error == "missing" else "Input should be 'on'",
        }
    ]
    assert "bob" not in users


def test_literal_true_refuses_what_a_browser_sends_and_a_bool_accepts_false():
    """Why `terms` is Literal["on"]: Literal[True] refuses "on" (and even "true"), and a
    required bool lets a client send "false", which is not agreeing to anything."""

    class WithLiteralTrue(BaseModel):
        terms: Literal[True]

    class WithBool(BaseModel):
        terms: bool

    app = FastAPI()

    @app.post("/literal-true")
    def literal_true(form: Annotated[WithLiteralTrue, Form()]):
        return form

    @app.post("/bool")
    def plain_bool(form: Annotated[WithBool, Form()]):
        return form

    client = TestClient(app)
    for ticked in ["on", "true"]:
        assert client.post("/literal-true", data={"terms": ticked}).status_code == 422
    assert client.post("/bool", data={"terms": "on"}).json() == {"terms": True}
    assert client.post("/bool", data={"terms": "false"}).json() == {"terms": False}


def test_a_taken_username_is_409_and_keeps_the_password(client, users, alice_hash):
    response = register(client, username="alice", **TICKED)
    assert response.status_code == 409
    assert response.json() == {"detail": "Username already taken"}
    assert users["alice"] == alice_hash


def test_two_racing_sign_ups_for_one_name_cannot_both_win(
    client, example, monkeypatch, users
):
    """The handler hashes first, then stores with setdefault. Here a rival sign-up for
    the same name lands while the first one is hashing: the first must get 409 and the
    rival's hash must stay."""
    real_hash = example.password_hash.hash

    def hash_while_a_rival_registers(password):
        users.setdefault("bob", "rival's hash")
        return real_hash(password)

    monkeypatch.setattr(example.password_hash, "hash", hash_while_a_rival_registers)
    assert register(client, username="bob", **TICKED).status_code == 409
    assert users["bob"] == "rival's hash"


def test_empty_login_fields_count_as_missing(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == ["missing", "missing"]


def test_an_unexpected_field_is_422(client, users):
    response = register(client, username="bob", is_admin="true", **TICKED)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["body", "is_admin"],
                "msg": "Extra inputs are not permitted",
            }
        ]
    }
    assert "bob" not in users


def test_validation_errors_point_into_the_body_and_never_echo_the_input(client):
    response = client.post(
        "/register",
        data={"username": "Al", "password": "pw", **TICKED},
    )
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "username"], "string_pattern_mismatch"),
        (["body", "password"], "string_too_short"),
    ]
    assert '"pw"' not in response.text
    assert all(set(e) == {"type", "loc", "msg"} for e in response.json()["detail"])


@pytest.mark.parametrize(
    "form",
    [
        {"password": PASSWORD},  # the username missing: the input is the whole form
        {"username": "", "password": PASSWORD},
        {"username": "alice", "password": ""},
    ],
)
def test_the_logins_422_never_contains_the_password(client, form):
    response = client.post("/login", data=form)
    assert response.status_code == 422
    assert PASSWORD not in response.text


def test_fastapis_default_422_would_echo_the_password():
    """What the errors_without_input handler is for: FastAPI's own 422 carries the rejected
    input, a too-short password included, and for a form model missing a field that input
    is the whole form, password and all."""

    class Registration(BaseModel):
        username: str
        password: str = Field(min_length=8)

    app = FastAPI()

    @app.post("/register")
    def register(form: Annotated[Registration, Form()]):
        return {}

    client = TestClient(app)
    response = client.post("/register", data={"username": "bob", "password": "pw"})
    assert response.json()["detail"][0]["input"] == "pw"
    response = client.post("/register", data={"password": PASSWORD})
    assert response.json()["detail"][0]["input"] == {"password": PASSWORD}


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
        # The dummy hash's own password must not log anyone in.
        ("mallory", "stands in for users who do not exist"),
    ],
)
def test_wrong_credentials_get_the_same_401_and_no_cookie(client, username, password):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert "set-cookie" not in response.headers


def test_login_sets_no_cookie(client):
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "username, password, status",
    [("alice", PASSWORD, 200), ("alice", "guess", 401), ("mallory", "guess", 401)],
    ids=["right-password", "wrong-password", "unknown-user"],
)
def test_every_login_verifies_once_known_user_or_not(
    client, example, monkeypatch, alice_hash, username, password, status
):
    """The same Argon2 work for every login, so its time does not reveal who has an
    account (a spy records every call)."""
    calls = []
    real_verify = example.password_hash.verify

    def spy(password, hashed):
        calls.append((password, hashed))
        return real_verify(password, hashed)

    monkeypatch.setattr(example.password_hash, "verify", spy)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == status
    expected = alice_hash if username == "alice" else example.DUMMY_HASH
    assert calls == [(password, expected)]


def test_non_ascii_passwords_work(client):
    password = "pässwörd-ünïcode"
    assert (
        register(client, username="zoe", password=password, **TICKED).status_code == 201
    )
    ok = client.post("/login", data={"username": "zoe", "password": password})
    wrong = client.post("/login", data={"username": "zoe", "password": password + "é"})
    assert (ok.status_code, wrong.status_code) == (200, 401)


def test_a_json_body_is_not_a_form(client):
    response = client.post("/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"type": "missing", "loc": ["body", "username"], "msg": "Field required"},
            {"type": "missing", "loc": ["body", "password"], "msg": "Field required"},
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
    response = client.post("/agree", data={})  # what the browser sends unticked
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


def test_the_documented_answers_include_400_409_and_401(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths["/register"]["post"]["responses"]) == [
        "201",
        "400",
        "409",
        "422",
    ]
    assert sorted(paths["/login"]["post"]["responses"]) == ["200", "400", "401", "422"]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_field_over_1_mib_is_a_documented_400_yet_the_body_has_no_limit(
    client, encoding
):
    """FastAPI's own default: one form field (or part) may hold at most 1 MiB. The app sets
    no limit on the whole body (Example 17 shows one): many fields under 1 MiB each pass."""
    big = "x" * (1024 * 1024 + 1)
    form = {"username": big, "password": PASSWORD}
    if encoding == "urlencoded":
        response = client.post("/login", data=form)
    else:
        response = client.post("/login", files={k: (None, v) for k, v in form.items()})
    assert response.status_code == 400
    assert "exceeded maximum size of 1024KB" in response.json()["detail"]
    almost = {"username": "x" * (1024 * 1024 - 100), "password": "y" * 1_000_000}
    assert client.post("/login", data=almost).status_code == 401
