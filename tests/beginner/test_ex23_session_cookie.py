import os
import re
from unittest.mock import patch

import pytest
from fastapi.testclient import TestClient

PASSWORD = "s3cret-for-the-tests"


@pytest.fixture
def https_client(example):
    with patch.dict(os.environ, {"ADMIN_PASSWORD": PASSWORD}):
        yield TestClient(example.app, base_url="https://testserver")


def assert_not_logged_in(response):
    assert response.status_code == 401
    assert response.json() == {"detail": "Not logged in"}
    assert response.headers["www-authenticate"] == "Cookie"


def test_no_cookie_is_a_401(https_client):
    assert_not_logged_in(https_client.get("/profile"))


@pytest.mark.parametrize("value", ["abc123xyz", "", "x" * 43, "<script>"])
def test_a_session_id_the_server_never_issued_is_a_401(example, value):
    client = TestClient(example.app)
    assert_not_logged_in(client.get("/profile", headers={"Cookie": f"session={value}"}))


@pytest.mark.parametrize(
    "password", ["guess", PASSWORD + "x", PASSWORD.upper(), " " + PASSWORD]
)
def test_a_wrong_password_is_a_401_and_sets_no_cookie(https_client, password):
    response = https_client.post("/login", data={"password": password})
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Wrong password"},
    )
    assert response.headers["www-authenticate"] == "Cookie"
    assert "set-cookie" not in response.headers


def test_without_a_configured_password_nobody_logs_in(example, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    client = TestClient(example.app)
    assert client.post("/login", data={"password": "anything"}).status_code == 401


def test_login_sets_a_random_session_cookie_with_safe_attributes(https_client):
    response = https_client.post("/login", data={"password": PASSWORD})
    assert response.json() == {"message": "logged in"}
    assert re.fullmatch(
        r"session=[A-Za-z0-9_-]{43}; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; "
        r"Secure",
        response.headers["set-cookie"],
    )
    first = https_client.cookies["session"]
    https_client.post("/login", data={"password": PASSWORD})
    assert https_client.cookies["session"] != first  # a new random id every time
    assert https_client.get("/profile").json() == {"user": "admin"}


def test_the_session_expires_on_the_server_too(example, https_client, monkeypatch):
    https_client.post("/login", data={"password": PASSWORD})
    assert https_client.get("/profile").status_code == 200
    later = example.time.time() + example.SESSION_SECONDS
    monkeypatch.setattr(example.time, "time", lambda: later)
    # The client still sends the cookie; the server's own expiry refuses it.
    assert "session" in https_client.cookies
    assert_not_logged_in(https_client.get("/profile"))


def test_logout_forgets_the_session_even_if_the_cookie_is_replayed(https_client):
    https_client.post("/login", data={"password": PASSWORD})
    session_id = https_client.cookies["session"]
    response = https_client.post("/logout")
    assert response.json() == {"message": "logged out"}
    assert re.fullmatch(
        r'session=""; expires=[^;]+; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure',
        response.headers["set-cookie"],
    )
    replayed = TestClient(https_client.app)
    assert_not_logged_in(
        replayed.get("/profile", headers={"Cookie": f"session={session_id}"})
    )


@pytest.mark.parametrize("form", [{"user": "admin"}, {"password": ""}])
def test_a_missing_password_is_a_422_that_echoes_nothing(https_client, form):
    """FastAPI reads an empty form field as a missing one."""
    response = https_client.post("/login", data=form)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["type"], error["loc"], error["input"]) == (
        "missing",
        ["body", "password"],
        None,
    )


def test_the_401s_are_declared_in_the_docs(example):
    paths = example.app.openapi()["paths"]
    assert paths["/profile"]["get"]["responses"]["401"] == {
        "description": "No valid session"
    }
    assert paths["/login"]["post"]["responses"]["401"] == {
        "description": "Wrong password"
    }
