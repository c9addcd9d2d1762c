"""What Example 30 claims beyond its prints."""

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordRequestFormStrict
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

PASSWORD = "correct-horse-battery-staple"
ALICE = {"username": "alice", "password": PASSWORD}
# Argon2 at its lightest: the tests check behaviour, not cost, and run many logins.
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


ORIGINAL: dict = {}  # the module's own hashes, before any test replaces them


@pytest.fixture(autouse=True)
def cheap_hashes_and_no_tokens(example, monkeypatch):
    ORIGINAL.setdefault("USERS", example.USERS)
    ORIGINAL.setdefault("DUMMY_HASH", example.DUMMY_HASH)
    monkeypatch.setattr(example, "USERS", {"alice": CHEAP.hash(PASSWORD)})
    monkeypatch.setattr(example, "DUMMY_HASH", CHEAP.hash("nobody"))
    monkeypatch.setattr(example, "TOKENS", {})


@pytest.fixture
def verified(example, monkeypatch):
    """Every hash verification: (password, which hash)."""
    calls = []
    real_verify = example.password_hash.verify

    def spy(password, hash):
        calls.append((password, "dummy" if hash == example.DUMMY_HASH else "stored"))
        return real_verify(password, hash)

    monkeypatch.setattr(example.password_hash, "verify", spy)
    return calls


def log_in(client, form=ALICE):
    return client.post("/token", data=form)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_login_answers_an_oauth2_token_response(client):
    response = log_in(client)
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["access_token", "expires_in", "token_type"]
    assert (body["token_type"], body["expires_in"]) == ("bearer", 1800)
    assert response.headers["cache-control"] == "no-store"
    assert client.get("/users/me", headers=bearer(body["access_token"])).json() == {
        "username": "alice"
    }


def test_tokens_are_random_and_new_at_every_login(client):
    tokens = {log_in(client).json()["access_token"] for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(token) == 43 for token in tokens)  # 32 bytes, base64url


@pytest.mark.parametrize(
    "form",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "alice", "password": PASSWORD.upper()},
        {"username": "alice", "password": PASSWORD + " "},
        {"username": "Alice", "password": PASSWORD},
        {"username": "mallory", "password": PASSWORD},
        {"username": "alice\x00", "password": PASSWORD},
    ],
)
def test_every_failed_login_is_the_same_401(client, verified, form):
    response = log_in(client, form)
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert response.headers["www-authenticate"] == "Bearer"
    assert "cache-control" not in response.headers
    assert len(verified) == 1  # one hash verification, whoever the user is


def test_an_unknown_user_is_verified_against_the_dummy_hash(client, verified):
    log_in(client, {"username": "mallory", "password": "guess"})
    log_in(client, {"username": "alice", "password": "guess"})
    log_in(client, ALICE)
    assert verified == [("guess", "dummy"), ("guess", "stored"), (PASSWORD, "stored")]


def test_the_outlines_shape_skips_the_hash_for_an_unknown_user(example, verified):
    assert example.naive_authenticate("mallory", "guess") is False
    assert verified == []  # no work at all: a faster answer, which says who exists
    assert example.naive_authenticate("alice", PASSWORD) is True
    assert verified == [(PASSWORD, "stored")]


def test_the_dummy_hash_costs_what_a_real_one_costs(example):
    """The module's own hashes (kept before the fixture replaced them) were made with the
    settings pwdlib recommends today: verifying either costs the same."""
    [argon2] = example.password_hash.hashers
    for stored in [ORIGINAL["USERS"]["alice"], ORIGINAL["DUMMY_HASH"]]:
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert not argon2.check_needs_rehash(stored)


@pytest.mark.parametrize(
    ("headers", "detail", "challenge"),
    [
        ({}, "Not authenticated", "Bearer"),
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "Not authenticated", "Bearer"),
        ({"Authorization": "Bearer"}, "Invalid or expired token", "invalid"),
        ({"Authorization": "Bearer made-up"}, "Invalid or expired token", "invalid"),
        (bearer("fake-token-for-alice"), "Invalid or expired token", "invalid"),
        (
            {"Authorization": "Bearer " + "A" * 8000},
            "Invalid or expired token",
            "invalid",
        ),
        ({"Authorization": b"Bearer \xff\xfe"}, "Invalid or expired token", "invalid"),
    ],
)
def test_requests_without_a_valid_token_get_401_with_a_challenge(
    client, headers, detail, challenge
):
    log_in(client)  # a valid token exists, and is not the one sent
    response = client.get("/users/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    expected = 'Bearer error="invalid_token"' if challenge == "invalid" else challenge
    assert response.headers["www-authenticate"] == expected


def test_a_token_expires_after_its_lifetime(client, example, monkeypatch):
    token = log_in(client).json()["access_token"]
    start = example.time.monotonic()
    monkeypatch.setattr(example.time, "monotonic", lambda: start + 30 * 60 - 1)
    assert client.get("/users/me", headers=bearer(token)).status_code == 200
    monkeypatch.setattr(example.time, "monotonic", lambda: start + 30 * 60 + 1)
    response = client.get("/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_logged_out_token_is_refused_and_logout_needs_a_token(client):
    token = log_in(client).json()["access_token"]
    other = log_in(client).json()["access_token"]
    assert client.post("/logout", headers=bearer(token)).status_code == 204
    assert client.get("/users/me", headers=bearer(token)).status_code == 401
    assert client.get("/users/me", headers=bearer(other)).status_code == 200
    assert client.post("/logout", headers=bearer(token)).status_code == 204
    response = client.post("/logout")
    assert (response.status_code, response.headers["www-authenticate"]) == (
        401,
        "Bearer",
    )


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"username": "alice", "password": PASSWORD, "grant_type": "x"}},
        {"data": {"password": PASSWORD}},
        {"data": {"password": PASSWORD, "grant_type": PASSWORD}},
        {"data": {"username": "alice", "password": ""}},
        {"data": {"username": PASSWORD, "password": PASSWORD, "grant_type": "?"}},
        {"json": ALICE},
        {"files": {"username": ("u.txt", b"alice"), "password": ("p", PASSWORD)}},
        {"files": {"username": (None, "alice"), "password": ("p.txt", PASSWORD)}},
        {
            "content": f"username=alice&password={PASSWORD}&grant_type=refresh",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
    ],
)
def test_a_password_never_appears_in_a_422(client, request_kwargs):
    response = client.post("/token", **request_kwargs)
    assert response.status_code == 422
    assert PASSWORD not in response.text


def test_a_login_without_grant_type_is_accepted_which_oauth2_forbids(client):
    assert log_in(client, ALICE).status_code == 200  # no grant_type field at all
    with_grant = log_in(client, {**ALICE, "grant_type": "password"})
    assert with_grant.status_code == 200
    wrong_grant = log_in(client, {**ALICE, "grant_type": "client_credentials"})
    assert wrong_grant.status_code == 422  # OAuth2 says 400 unsupported_grant_type


def test_the_strict_form_requires_grant_type():
    strict = FastAPI()

    @strict.post("/token")
    def token(form: Annotated[OAuth2PasswordRequestFormStrict, Depends()]):
        return form.username

    client = TestClient(strict)
    response = client.post("/token", data=ALICE)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "grant_type"]
    assert client.post("/token", data={**ALICE, "grant_type": "password"}).json() == (
        "alice"
    )


def test_a_wrong_password_is_fastapis_401_not_oauth2s_400_invalid_grant(client):
    response = log_in(client, {"username": "alice", "password": "wrong"})
    assert response.status_code == 401
    assert "error" not in response.json()


def test_the_schema_gives_docs_its_login_and_lists_every_401(example):
    schema = example.app.openapi()
    assert schema["components"]["securitySchemes"] == {
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {"password": {"scopes": {}, "tokenUrl": "token"}},
        }
    }
    me = schema["paths"]["/users/me"]["get"]
    assert me["security"] == [{"OAuth2PasswordBearer": []}]
    for path in ["/token", "/users/me", "/logout"]:
        [operation] = schema["paths"][path].values()
        assert "401" in operation["responses"], path
