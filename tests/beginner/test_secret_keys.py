import logging
import secrets
import urllib.request
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from fastapi.testclient import TestClient

from transcripts import serve

KEY = "correct-horse-battery-staple"


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv("REPORTS_API_KEY", KEY)


@pytest.fixture
def compared(example, monkeypatch):
    """Every call of secrets.compare_digest that the app makes."""
    calls = []
    real = secrets.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(example.secrets, "compare_digest", spy)
    return calls


def test_the_right_key_is_let_in(client, configured):
    response = client.get("/reports", headers={"X-API-Key": KEY})
    assert response.json() == {"reports": ["2026-q3.pdf"]}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Not authenticated"),
        ({"X-API-Key": ""}, "Not authenticated"),
        ({"X-API-Key": "wrong"}, "Invalid API key"),
        ({"X-API-Key": KEY[:-1]}, "Invalid API key"),
        ({"X-API-Key": KEY + "x"}, "Invalid API key"),
        ({"X-API-Key": KEY.upper()}, "Invalid API key"),
        ({"X-API-Key": "clé".encode()}, "Invalid API key"),  # 401, not a 500
        ({"X-API-Key": b"\xff\xfe"}, "Invalid API key"),
        ({"X-Api-Key-Typo": KEY}, "Not authenticated"),
    ],
)
def test_missing_or_wrong_keys_get_401(client, configured, headers, detail):
    response = client.get("/reports", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "APIKey"


@pytest.mark.parametrize("key", ["", "anything", KEY])
def test_without_a_configured_key_everyone_is_refused(
    client, monkeypatch, compared, key
):
    monkeypatch.delenv("REPORTS_API_KEY", raising=False)
    assert client.get("/reports", headers={"X-API-Key": key}).status_code == 401
    assert compared == []  # it fails closed before comparing anything


def test_the_key_is_compared_with_compare_digest_as_bytes(client, configured, compared):
    """The only comparison of the key is secrets.compare_digest, on bytes (a spy)."""
    assert client.get("/reports", headers={"X-API-Key": "guess"}).status_code == 401
    assert client.get("/reports", headers={"X-API-Key": KEY}).status_code == 200
    assert compared == [(b"guess", KEY.encode()), (KEY.encode(), KEY.encode())]


def test_compare_digest_refuses_non_ascii_text():
    with pytest.raises(TypeError, match="non-ASCII"):
        secrets.compare_digest("clé", "key")
    assert secrets.compare_digest("clé".encode(), "clé".encode())


def test_compare_digest_on_text_would_turn_a_non_ascii_key_into_a_500(monkeypatch):
    """The same check as the app's, written with str: a client sending a non-ASCII key
    crashes it."""
    monkeypatch.setenv("REPORTS_API_KEY", KEY)
    app = FastAPI()

    def on_text(api_key: Annotated[str, Depends(APIKeyHeader(name="X-API-Key"))]):
        if not secrets.compare_digest(api_key, KEY):
            raise HTTPException(401)

    @app.get("/", dependencies=[Depends(on_text)])
    def root():
        return {}

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/", headers={"X-API-Key": "clé".encode()}).status_code == 500


def test_the_schema_shows_the_key_requirement_and_its_401(client):
    operation = client.get("/openapi.json").json()["paths"]["/reports"]["get"]
    assert operation["security"] == [{"APIKeyHeader": []}]
    assert sorted(operation["responses"]) == ["200", "401"]


def test_token_urlsafe_32_is_43_characters_of_256_random_bits():
    keys = {secrets.token_urlsafe(32) for _ in range(100)}
    assert len(keys) == 100 and {len(key) for key in keys} == {43}


def test_the_naive_app_takes_its_key_from_the_url_and_answers_403(example):
    client = TestClient(example.naive_app)
    assert client.get("/reports", params={"api_key": "s3cret"}).status_code == 200
    assert client.get("/reports", params={"api_key": "guess"}).status_code == 403
    assert client.get("/reports").status_code == 422


def test_the_naive_route_is_not_on_the_served_app(client, configured):
    response = client.get("/reports", params={"api_key": "s3cret"})
    assert response.status_code == 401


def test_uvicorn_logs_the_query_string_but_not_the_headers(example, caplog):
    """Why the key goes in a header: an access log line holds the URL, query included."""
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    with serve(example.naive_app, logs=True) as base_url:
        request = urllib.request.Request(
            f"{base_url}/reports?api_key=s3cret",
            headers={"X-API-Key": "header-secret"},
        )
        urllib.request.urlopen(request, timeout=5).close()
    access_log = "\n".join(
        r.getMessage() for r in caplog.records if r.name == "uvicorn.access"
    )
    assert "GET /reports?api_key=s3cret HTTP/1.1" in access_log
    assert "header-secret" not in access_log
