"""What Example 32 claims beyond its prints."""

import time
from typing import Annotated

import jwt
import pytest
from fastapi import Depends, FastAPI, HTTPException, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

PASSWORD = "correct-horse-battery-staple"
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
INVALID = 'Bearer error="invalid_token"'


@pytest.fixture(autouse=True)
def fresh_users_and_cheap_hashes(example, monkeypatch):
    monkeypatch.setattr(
        example, "USERS", {"alice": {"admin"}, "bob": {"analyst"}, "carol": set()}
    )
    cheap = CHEAP.hash(PASSWORD)
    monkeypatch.setattr(
        example, "PASSWORD_HASHES", {"alice": cheap, "bob": cheap, "carol": cheap}
    )
    monkeypatch.setattr(example, "DUMMY_HASH", CHEAP.hash("nobody"))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def log_in(client, username: str) -> dict:
    response = client.post("/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return bearer(response.json()["access_token"])


def token_for(example, claims: dict) -> dict:
    return bearer(jwt.encode(claims, example.SECRET_KEY, algorithm="HS256"))


@pytest.mark.parametrize(
    ("user", "reports", "delete"),
    [("alice", 200, 200), ("bob", 200, 403), ("carol", 403, 403)],
)
def test_each_route_admits_exactly_its_roles(client, user, reports, delete):
    headers = log_in(client, user)
    assert client.get("/reports", headers=headers).status_code == reports
    victim = "bob" if user != "bob" else "carol"
    assert client.delete(f"/users/{victim}", headers=headers).status_code == delete


def test_a_403_says_no_without_a_challenge_and_deletes_nothing(client, example):
    response = client.delete("/users/alice", headers=log_in(client, "bob"))
    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
    assert "www-authenticate" not in response.headers
    assert "alice" in example.USERS


def test_only_an_admin_learns_whether_a_user_exists(client):
    assert client.delete("/users/nobody", headers=log_in(client, "bob")).json() == {
        "detail": "Not enough permissions"
    }
    response = client.delete("/users/nobody", headers=log_in(client, "alice"))
    assert (response.status_code, response.json()) == (404, {"detail": "No such user"})


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/reports"), ("DELETE", "/users/bob")]
)
def test_no_token_is_a_401_before_any_role_is_looked_at(client, example, method, path):
    response = client.request(method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "bob" in example.USERS


# "exp" here is seconds from when the test runs (not from when it was collected, which
# in a long parallel run can be minutes earlier).
@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "alice", "exp": -1},  # expired
        {"sub": "alice"},  # no exp: would never expire
        {"exp": 60},  # no sub
        {"sub": "mallory", "exp": 60},  # no such user
        {"sub": "carol", "roles": ["admin"], "exp": 60},  # ignored
    ],
)
def test_bad_tokens_are_401_and_roles_in_a_token_mean_nothing(client, example, claims):
    if "exp" in claims:
        claims = {**claims, "exp": int(time.time()) + claims["exp"]}
    response = client.get("/reports", headers=token_for(example, claims))
    if claims.get("sub") == "carol":
        assert response.status_code == 403  # carol is known, the claim is not believed
        return
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.",
        jwt.encode({"sub": "alice", "exp": 4102444800}, "another key" * 4, "HS256"),
        "not-a-token",
    ],
)
def test_forged_tokens_are_401(client, token):
    response = client.get("/reports", headers=bearer(token))
    assert (response.status_code, response.headers["www-authenticate"]) == (
        401,
        INVALID,
    )


def test_a_role_change_takes_effect_on_the_next_request(client, example):
    carol = log_in(client, "carol")
    assert client.get("/reports", headers=carol).status_code == 403
    example.USERS["carol"].add("analyst")
    assert client.get("/reports", headers=carol).status_code == 200
    example.USERS["carol"].clear()
    assert client.get("/reports", headers=carol).status_code == 403


def test_a_deleted_users_token_is_refused_at_once(client):
    alice, bob = log_in(client, "alice"), log_in(client, "bob")
    assert client.delete("/users/bob", headers=alice).json() == {
        "deleted": "bob",
        "by": "alice",
    }
    response = client.get("/reports", headers=bob)
    assert (response.status_code, response.headers["www-authenticate"]) == (
        401,
        INVALID,
    )
    # And bob cannot log in again.
    assert (
        client.post("/token", data={"username": "bob", "password": PASSWORD})
    ).status_code == 401


def test_a_user_deleted_between_the_two_checks_is_refused_not_a_500(example):
    with pytest.raises(HTTPException) as refused:
        example.RequireRole("admin")("someone-just-deleted")
    assert refused.value.status_code == 403


def test_a_deleted_user_cannot_log_in_with_the_old_password(client, example):
    example.USERS.pop("carol")
    response = client.post("/token", data={"username": "carol", "password": PASSWORD})
    assert response.status_code == 401


def test_the_schema_declares_401_and_403(example):
    paths = example.app.openapi()["paths"]
    assert set(paths["/reports"]["get"]["responses"]) == {"200", "401", "403"}
    assert set(paths["/users/{name}"]["delete"]["responses"]) == {
        "200",
        "401",
        "403",
        "404",
        "422",
    }


# The outline's version, on naive_app.


def test_naive_trusts_roles_frozen_in_the_token(example):
    naive = TestClient(example.naive_app)
    once_admin = token_for(
        example, {"sub": "carol", "roles": ["admin"], "exp": int(time.time()) + 60}
    )
    assert naive.get("/reports", headers=once_admin).status_code == 200
    example.USERS.pop("carol")  # deleted: still let in
    assert naive.get("/reports", headers=once_admin).status_code == 200
    assert TestClient(example.app).get("/reports", headers=once_admin).status_code == (
        401
    )


def test_naive_401_has_no_challenge(example):
    response = TestClient(example.naive_app).get("/reports", headers=bearer("forged"))
    assert response.status_code == 401
    assert "www-authenticate" not in response.headers
    no_sub = token_for(example, {"exp": int(time.time()) + 60})
    response = TestClient(example.naive_app).get("/reports", headers=no_sub)
    assert (response.status_code, response.headers.get("www-authenticate")) == (
        401,
        None,
    )


def test_naive_accepts_a_token_that_never_expires(example):
    forever = token_for(example, {"sub": "alice", "roles": ["admin"]})
    assert TestClient(example.naive_app).get("/reports", headers=forever).json() == {
        "reports": ["q3-sales"],
        "reader": "alice",
    }


def test_naive_refuses_a_missing_role_with_403(example):
    analyst = token_for(
        example, {"sub": "bob", "roles": ["analyst"], "exp": int(time.time()) + 60}
    )
    response = TestClient(example.naive_app).get("/reports", headers=analyst)
    assert response.status_code == 403


# Scopes: what FastAPI does and does not do.


def scopes_app() -> FastAPI:
    scheme = OAuth2PasswordBearer(
        tokenUrl="token", scopes={"reports:read": "Read reports"}
    )
    app = FastAPI()

    def needed(security_scopes: SecurityScopes, token: Annotated[str, Depends(scheme)]):
        return security_scopes.scopes  # checks nothing: that is left to you

    @app.get("/reports")
    def reports(
        scopes: Annotated[list[str], Security(needed, scopes=["reports:read"])],
    ):
        return scopes

    return app


def test_fastapi_tells_the_dependency_the_scopes_but_enforces_none():
    client = TestClient(scopes_app())
    # Any token at all reaches the dependency, which is told what the route needs.
    assert client.get("/reports", headers=bearer("anything")).json() == ["reports:read"]


def test_fastapi_answers_a_missing_token_with_a_plain_bearer_challenge():
    response = TestClient(scopes_app()).get("/reports")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"  # no scope, no error


def test_fastapi_lists_scopes_in_the_schema():
    schema = scopes_app().openapi()
    assert schema["paths"]["/reports"]["get"]["security"] == [
        {"OAuth2PasswordBearer": ["reports:read"]}
    ]
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["scopes"] == {"reports:read": "Read reports"}


# The key, as in Example 31.


def test_the_key_comes_from_the_environment_and_must_be_long_enough(monkeypatch):
    from pathlib import Path

    from conftest import load_snippet, snippet_for

    monkeypatch.setenv("JWT_SECRET_KEY", "k" * 32)
    assert load_snippet(snippet_for(Path(__file__))).SECRET_KEY == "k" * 32
    monkeypatch.setenv("JWT_SECRET_KEY", "k" * 31)
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        load_snippet(snippet_for(Path(__file__)))


def test_a_password_never_appears_in_a_422(client):
    response = client.post(
        "/token", data={"password": PASSWORD, "grant_type": PASSWORD}
    )
    assert response.status_code == 422
    assert PASSWORD not in response.text
    assert response.json()["detail"][0] == {
        "type": "string_pattern_mismatch",
        "loc": ["body", "grant_type"],
        "msg": "String should match pattern '^password$'",
    }
