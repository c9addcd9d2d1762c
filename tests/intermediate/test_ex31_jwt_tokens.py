"""What Example 31 claims beyond its prints: every bad token is a 401, never a 500."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from conftest import load_snippet, snippet_for

PASSWORD = "correct-horse-battery-staple"
ALICE = {"username": "alice", "password": PASSWORD}
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
INVALID = 'Bearer error="invalid_token"'
# An RSA public key, as a server that accepts RS256 would hold it (any PEM shows it).
PUBLIC_KEY_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMBQ8qM2nJ0+MXe1mjFU6kO5sBQQ8vNV\n"
    "yUY0fz7E0yV2M8cgZbC2W4dQ6L4X7pK6uyfNR0ZL1HjQmJ2ZcGcLd/0CAwEAAQ==\n"
    "-----END PUBLIC KEY-----\n"
)


@pytest.fixture(autouse=True)
def cheap_hashes(example, monkeypatch):
    monkeypatch.setattr(example, "USERS", {"alice": CHEAP.hash(PASSWORD)})
    monkeypatch.setattr(example, "DUMMY_HASH", CHEAP.hash("nobody"))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header, claims, key, digest=hashlib.sha256, raw_claims=None) -> str:
    """A token signed by hand, so that the tests can sign what PyJWT would refuse to."""
    head = b64(json.dumps(header).encode())
    body = raw_claims if raw_claims is not None else b64(json.dumps(claims).encode())
    key_bytes = key.encode() if isinstance(key, str) else key
    signature = hmac.new(key_bytes, f"{head}.{body}".encode(), digest).digest()
    return f"{head}.{body}.{b64(signature)}"


def soon() -> int:
    return int(time.time()) + 300


HS256 = {"alg": "HS256", "typ": "JWT"}


def bad_tokens(key: str) -> dict[str, str]:
    good = signed(HS256, {"sub": "alice", "exp": soon()}, key)
    head, body, signature = good.split(".")
    other_body = b64(json.dumps({"sub": "alice", "exp": soon() + 10**6}).encode())
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    unsigned_head = b64(b'{"alg":"none","typ":"JWT"}')
    capital_none_head = b64(b'{"alg":"None"}')
    rs256_head = b64(b'{"alg":"RS256"}')
    return {
        "expired": signed(HS256, {"sub": "alice", "exp": int(time.time()) - 1}, key),
        "claims changed": f"{head}.{other_body}.{signature}",
        "signature changed": f"{head}.{body}.{flipped}",
        "signature removed": f"{head}.{body}.",
        "alg none": f"{unsigned_head}.{body}.",
        "alg none, old signature": f"{unsigned_head}.{body}.{signature}",
        "alg None": f"{capital_none_head}.{body}.",
        "another key": signed(HS256, {"sub": "alice", "exp": soon()}, "x" * 43),
        "HS512 with the right key": signed(
            {"alg": "HS512"}, {"sub": "alice", "exp": soon()}, key, hashlib.sha512
        ),
        "RS256 header": f"{rs256_head}.{body}.{signature}",
        "HS256 keyed with a public key": signed(
            HS256, {"sub": "alice", "exp": soon()}, PUBLIC_KEY_PEM
        ),
        "no alg": signed({"typ": "JWT"}, {"sub": "alice", "exp": soon()}, key),
        "no exp": signed(HS256, {"sub": "alice"}, key),
        "no sub": signed(HS256, {"exp": soon()}, key),
        "sub a number": signed(HS256, {"sub": 1, "exp": soon()}, key),
        "sub a list": signed(HS256, {"sub": ["alice"], "exp": soon()}, key),
        "sub empty": signed(HS256, {"sub": "", "exp": soon()}, key),
        "sub unknown": signed(HS256, {"sub": "mallory", "exp": soon()}, key),
        "exp a string": signed(HS256, {"sub": "alice", "exp": "tomorrow"}, key),
        "exp Infinity": signed(
            HS256, None, key, raw_claims=b64(b'{"sub":"alice","exp":Infinity}')
        ),
        "nbf in the future": signed(
            HS256, {"sub": "alice", "exp": soon(), "nbf": soon() - 60}, key
        ),
        "iat in the future": signed(
            HS256, {"sub": "alice", "exp": soon(), "iat": soon() - 60}, key
        ),
        "unknown critical extension": signed(
            {**HS256, "crit": ["x"], "x": 1}, {"sub": "alice", "exp": soon()}, key
        ),
        "payload not JSON": signed(HS256, None, key, raw_claims=b64(b"alice")),
        "payload a JSON list": signed(HS256, None, key, raw_claims=b64(b'["alice"]')),
        "header a JSON list": signed(["HS256"], {"sub": "alice"}, key),
        "deeply nested payload": signed(
            HS256, None, key, raw_claims=b64(b"[" * 100_000 + b"]" * 100_000)
        ),
        "empty": "",
        "one part": "abc",
        "two parts": "abc.def",
        "four parts": f"{good}.extra",
        "bad base64": "!!!.***.???",
        "padding added": good + "==",
        "non-ASCII": "é.é.é",
        "8 KB of junk": "A" * 8192,
        "spaces": "a b c",
    }


BAD_TOKEN_NAMES = list(bad_tokens("k" * 43))


@pytest.fixture
def login(client):
    response = client.post("/token", data=ALICE)
    assert response.status_code == 200
    return response


def call_me(client, token: str):
    # Latin-1, as HTTP carries header bytes: non-ASCII tokens arrive as they are sent.
    header = f"Bearer {token}".encode("latin-1")
    return client.get("/users/me", headers={"Authorization": header})


def test_a_login_issues_a_signed_token_with_sub_iat_and_exp(login, client, example):
    body = login.json()
    assert (body["token_type"], body["expires_in"]) == ("bearer", 1800)
    assert login.headers["cache-control"] == "no-store"
    token = body["access_token"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, example.SECRET_KEY, algorithms=["HS256"])
    assert sorted(claims) == ["exp", "iat", "sub"]
    assert claims["sub"] == "alice" and claims["exp"] - claims["iat"] == 1800
    assert abs(claims["iat"] - time.time()) < 60
    assert call_me(client, token).json() == {"username": "alice"}


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_every_bad_token_is_a_401_with_the_invalid_token_challenge(
    client, example, name
):
    response = call_me(client, bad_tokens(example.SECRET_KEY)[name])
    assert response.status_code == 401, name
    assert response.json() == {"detail": "Invalid or expired token"}
    assert response.headers["www-authenticate"] == INVALID


def test_the_good_token_of_the_same_forge_is_accepted(client, example):
    """The bad tokens above differ from this one by the one thing their name says."""
    good = signed(HS256, {"sub": "alice", "exp": soon()}, example.SECRET_KEY)
    assert call_me(client, good).json() == {"username": "alice"}


@pytest.mark.parametrize(
    ("authorization", "detail", "challenge"),
    [
        ("", "Not authenticated", "Bearer"),
        ("Basic YWxpY2U6c2VjcmV0", "Not authenticated", "Bearer"),
        ("Token abc", "Not authenticated", "Bearer"),
        # The scheme is right and the token empty: it reaches the token check.
        ("Bearer", "Invalid or expired token", INVALID),
        ("bearer ", "Invalid or expired token", INVALID),
    ],
)
def test_headers_without_a_bearer_token_get_a_401_with_a_challenge(
    client, authorization, detail, challenge
):
    response = client.get("/users/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == challenge


def test_the_scheme_name_is_not_case_sensitive(client, login):
    token = login.json()["access_token"]
    for scheme in ["bearer", "BEARER", "Bearer"]:
        headers = {"Authorization": f"{scheme} {token}"}
        assert client.get("/users/me", headers=headers).status_code == 200


def test_signatures_are_compared_in_constant_time(client, login, monkeypatch):
    import jwt.algorithms

    compared = []
    real = jwt.algorithms.hmac.compare_digest

    def spy(a, b):
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(jwt.algorithms.hmac, "compare_digest", spy)
    assert call_me(client, login.json()["access_token"]).status_code == 200
    assert compared == [(32, 32)]  # HMAC-SHA256: 32 bytes each


def test_a_deleted_users_token_is_refused(client, example, login, monkeypatch):
    token = login.json()["access_token"]
    assert call_me(client, token).status_code == 200
    monkeypatch.setattr(example, "USERS", {})
    response = call_me(client, token)
    assert (response.status_code, response.headers["www-authenticate"]) == (
        401,
        INVALID,
    )


def test_a_token_expires_after_its_lifetime(client, example, login, monkeypatch):
    token = login.json()["access_token"]
    issued = jwt.decode(token, example.SECRET_KEY, algorithms=["HS256"])["iat"]
    # PyJWT reads the clock with datetime.now(tz=timezone.utc); move it.
    import datetime as real_datetime

    class Later(real_datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.datetime.fromtimestamp(issued + 1801, tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    assert call_me(client, token).status_code == 401


def test_pyjwt_refuses_a_pem_public_key_as_an_hmac_secret():
    """The guard against algorithm confusion on servers that also accept RS256."""
    with pytest.raises(jwt.InvalidKeyError, match="asymmetric key"):
        jwt.encode({"sub": "alice"}, PUBLIC_KEY_PEM, algorithm="HS256")
    token = signed(HS256, {"sub": "alice", "exp": soon()}, PUBLIC_KEY_PEM)
    with pytest.raises(jwt.InvalidKeyError, match="asymmetric key"):
        jwt.decode(token, PUBLIC_KEY_PEM, algorithms=["HS256"])


def test_without_require_pyjwt_accepts_a_token_that_never_expires(example):
    """The outline's decode: it "checks expiration" only when the token has one."""
    forever = signed(HS256, {"sub": "alice"}, example.SECRET_KEY)
    claims = jwt.decode(forever, example.SECRET_KEY, algorithms=["HS256"])
    assert claims == {"sub": "alice"}
    with pytest.raises(jwt.MissingRequiredClaimError):
        jwt.decode(
            forever, example.SECRET_KEY, algorithms=["HS256"], options=example.REQUIRED
        )


def test_the_outlines_lookup_free_check_lets_a_deleted_user_in(example, monkeypatch):
    def outline_current_user(token: str) -> str:  # the outline's check, with PyJWT
        payload = jwt.decode(token, example.SECRET_KEY, algorithms=["HS256"])
        return payload["sub"]

    token = example.create_access_token("alice")
    monkeypatch.setattr(example, "USERS", {})
    assert outline_current_user(token) == "alice"  # still let in
    assert call_me(TestClient(example.app), token).status_code == 401  # ours: not


def test_an_expired_token_raises_expired_signature_an_invalid_token_error(example):
    expired = signed(
        HS256, {"sub": "alice", "exp": int(time.time()) - 1}, example.SECRET_KEY
    )
    with pytest.raises(jwt.ExpiredSignatureError) as raised:
        jwt.decode(expired, example.SECRET_KEY, algorithms=["HS256"])
    assert isinstance(raised.value, jwt.InvalidTokenError)


# The key, from the environment.


def fresh_example():
    return load_snippet(snippet_for(Path(__file__)))


def test_the_key_comes_from_the_environment(monkeypatch):
    key = "a-key-for-this-test-that-is-long-enough"
    monkeypatch.setenv("JWT_SECRET_KEY", key)
    module = fresh_example()
    assert module.SECRET_KEY == key
    token = jwt.encode({"sub": "alice", "exp": soon()}, key, algorithm="HS256")
    assert call_me(TestClient(module.app), token).json() == {"username": "alice"}


@pytest.mark.parametrize("key", ["short", "x" * 31, "é" * 15])
def test_a_short_key_stops_the_app_from_starting(monkeypatch, key):
    monkeypatch.setenv("JWT_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        fresh_example()


def test_without_a_key_each_start_makes_its_own_and_old_tokens_die(monkeypatch):
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    first, second = fresh_example(), fresh_example()
    assert first.SECRET_KEY != second.SECRET_KEY
    assert len(first.SECRET_KEY) >= 32
    token = first.create_access_token("alice")
    assert call_me(TestClient(first.app), token).status_code == 200
    assert call_me(TestClient(second.app), token).status_code == 401


def test_a_password_never_appears_in_a_422(client):
    response = client.post(
        "/token", data={"password": PASSWORD, "grant_type": PASSWORD}
    )
    assert response.status_code == 422
    assert PASSWORD not in response.text


def test_failed_logins_get_the_bearer_challenge(client):
    for form in [{**ALICE, "password": "x"}, {**ALICE, "username": "mallory"}]:
        response = client.post("/token", data=form)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
