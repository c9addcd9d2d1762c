"""What Example 71 claims beyond its prints: only digests are stored and compared with
compare_digest after a lookup by id; every bad key is a 401 with WWW-Authenticate: APIKey;
scopes are enforced and never escalated; rotation and revocation; and the outline's open
key creation and its 403."""

import hashlib
import hmac
import json

import pytest
from fastapi import FastAPI, Security
from fastapi.security import APIKeyHeader
from fastapi.testclient import TestClient

ALICE_KEY = "sk_192b10ed32c971fc_Uo2S8JA558jbZ1bl0c5pahi7wD2TRZ7_L9CDDw6AQbw"
ALICE = {"X-API-Key": ALICE_KEY}


@pytest.fixture(autouse=True)
def fresh_keys(example, monkeypatch):
    """Every test starts with alice's demo key alone (the module is loaded once)."""
    monkeypatch.setattr(example, "KEYS", dict(example.KEYS))
    monkeypatch.setattr(example, "NAIVE_KEYS", {})


def create(client, scopes, headers=ALICE):
    return client.post("/keys", json={"scopes": scopes}, headers=headers)


def test_the_demo_key_is_stored_as_its_digest(example):
    stored = example.KEYS["192b10ed32c971fc"]
    assert stored.digest == hashlib.sha256(ALICE_KEY.encode()).hexdigest()
    assert ALICE_KEY not in repr(example.KEYS)


def test_a_new_key_is_random_shown_once_and_stored_as_a_digest(client, example):
    first, second = create(client, ["items:read"]), create(client, ["items:read"])
    assert first.status_code == second.status_code == 201
    keys = [first.json()["key"], second.json()["key"]]
    assert keys[0] != keys[1]
    for response, key in zip([first, second], keys, strict=True):
        key_id = response.json()["id"]
        assert key.startswith(f"sk_{key_id}_")
        assert len(key_id) == 16 and len(key.removeprefix(f"sk_{key_id}_")) == 43
        assert example.KEYS[key_id].digest == hashlib.sha256(key.encode()).hexdigest()
    stored = repr(example.KEYS)
    assert not any(key in stored for key in keys)
    # No other response ever contains a key.
    listed = client.get("/keys", headers=ALICE)
    assert not any(key in listed.text for key in keys)
    assert {entry["id"] for entry in listed.json()} == {
        "192b10ed32c971fc",
        first.json()["id"],
        second.json()["id"],
    }


def test_compare_digest_is_called_once_with_the_digest_sent(
    client, example, monkeypatch
):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(example.hmac, "compare_digest", spy)
    assert client.get("/items", headers=ALICE).status_code == 200
    wrong = "sk_192b10ed32c971fc_guess"
    assert client.get("/items", headers={"X-API-Key": wrong}).status_code == 401
    digest = example.KEYS["192b10ed32c971fc"].digest
    assert calls == [
        (hashlib.sha256(ALICE_KEY.encode()).hexdigest(), digest),
        (hashlib.sha256(wrong.encode()).hexdigest(), digest),
    ]
    # An unknown id is refused without any comparison: there is nothing to compare with.
    unknown = {"X-API-Key": "sk_ffffffffffffffff_guess"}
    assert client.get("/items", headers=unknown).status_code == 401
    assert len(calls) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": ""},
        {"X-API-Key": ALICE_KEY[:-1]},
        {"X-API-Key": ALICE_KEY + "x"},
        {"X-API-Key": ALICE_KEY.upper()},
        {"X-API-Key": ALICE_KEY.removeprefix("sk_")},
        {"X-API-Key": "sk_192b10ed32c971fc"},
        {"X-API-Key": "sk__"},
        {"X-API-Key": "sk_192b10ed32c971fc_" + "x" * 5000},
        {"X-API-Key": ALICE_KEY.encode()[:-1] + "é".encode("latin-1")},
        {"X-API-Key": b"sk_\xff\xfe_\x80"},
        {"Authorization": f"Bearer {ALICE_KEY}"},
        {"X-Api-Keys": ALICE_KEY},
    ],
)
def test_anything_but_the_key_is_a_401(client, headers):
    response = client.get("/items", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"


def test_a_key_in_the_query_string_is_ignored(client):
    response = client.get("/items", params={"api_key": ALICE_KEY})
    assert response.status_code == 401
    response = client.get("/items", params={"X-API-Key": ALICE_KEY})
    assert response.status_code == 401


def test_scopes_are_enforced_and_never_escalated(client):
    reader = {"X-API-Key": create(client, ["items:read"]).json()["key"]}
    assert client.get("/items", headers=reader).status_code == 200
    assert create(client, ["items:read"], reader).status_code == 403
    writer = {"X-API-Key": create(client, ["items:write"]).json()["key"]}
    refused = client.get("/items", headers=writer)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This key lacks the scope items:read"}
    manager = {"X-API-Key": create(client, ["keys:manage"]).json()["key"]}
    assert create(client, ["keys:manage"], manager).status_code == 201
    escalation = create(client, ["keys:manage", "items:write"], manager)
    assert escalation.status_code == 403
    assert create(client, ["admin"]).status_code == 422  # not a scope at all


def test_two_keys_work_until_one_is_revoked(client, example):
    new = create(client, ["items:read", "keys:manage"]).json()
    new_headers = {"X-API-Key": new["key"]}
    assert client.get("/items", headers=ALICE).status_code == 200
    assert client.get("/items", headers=new_headers).status_code == 200
    revoked = client.delete("/keys/192b10ed32c971fc", headers=new_headers)
    assert revoked.status_code == 204
    assert revoked.content == b""
    old = client.get("/items", headers=ALICE)
    assert old.status_code == 401
    assert old.headers["www-authenticate"] == "APIKey"
    assert client.get("/items", headers=new_headers).status_code == 200
    assert list(example.KEYS) == [new["id"]]


def test_another_owners_key_is_as_absent_as_a_missing_one(client, example):
    bob_key = "sk_b0b0b0b0b0b0b0b0_bobs-secret"
    example.KEYS["b0b0b0b0b0b0b0b0"] = example.StoredKey(
        id="b0b0b0b0b0b0b0b0",
        owner="bob",
        digest=example.digest(bob_key),
        scopes={"keys:manage"},
    )
    for key_id in ["b0b0b0b0b0b0b0b0", "0000000000000000"]:
        response = client.delete(f"/keys/{key_id}", headers=ALICE)
        assert response.status_code == 404
        assert response.json() == {"detail": "No such key"}
    assert "b0b0b0b0b0b0b0b0" in example.KEYS
    bob = {"X-API-Key": bob_key}
    assert [entry["id"] for entry in client.get("/keys", headers=bob).json()] == [
        "b0b0b0b0b0b0b0b0"
    ]
    assert client.post("/keys", json={"scopes": []}, headers=bob).status_code == 201


def test_a_body_that_is_not_text_is_fastapis_declared_400(client, example):
    response = client.post(
        "/keys", content=b"\xff", headers={**ALICE, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "400" in example.app.openapi()["paths"]["/keys"]["post"]["responses"]


def test_a_body_that_is_not_json_is_a_422_without_the_input(client):
    response = client.post(
        "/keys",
        content=b'{"scopes": [NaN]}',
        headers={**ALICE, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "NaN" not in response.text
    json.loads(response.text)


# The outline's claims


def test_a_missing_key_is_a_401_not_the_outlines_403():
    app = FastAPI()
    header = APIKeyHeader(name="X-API-Key", auto_error=True)  # as the outline

    @app.get("/items")
    def items(key: str = Security(header)):
        return {}  # pragma: no cover - never reached without a key

    response = TestClient(app).get("/items")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "APIKey"


def test_the_outlines_creation_gives_anyone_any_scope(example):
    naive = TestClient(example.naive_app)
    response = naive.post(
        "/api-keys", params={"owner": "alice"}, json=["admin:delete", "keys:manage"]
    )
    assert response.status_code == 200
    key = response.json()["api_key"]
    stored = example.NAIVE_KEYS[example.digest(key)]
    assert stored == {"owner": "alice", "scopes": {"admin:delete", "keys:manage"}}
