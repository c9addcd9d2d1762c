import time
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

ALICE = {"username": "alice", "password": "correct-horse"}


@pytest.fixture(autouse=True)
def sessions(example, monkeypatch):
    table = {}
    monkeypatch.setattr(example, "SESSIONS", table)
    return table


@pytest.fixture
def browser(example):
    """A client that keeps cookies, over HTTPS as a browser would need for a Secure one."""
    with TestClient(example.app, base_url="https://testserver") as client:
        yield client


def session_cookie(response):
    cookie = SimpleCookie(response.headers["set-cookie"])["session"]
    return cookie.value, cookie


def test_without_a_session_the_answer_is_401(browser):
    response = browser.get("/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not logged in"}


def test_a_login_sets_a_cookie_that_scripts_cannot_read_and_other_sites_do_not_get(
    browser, sessions
):
    response = browser.post("/login", data=ALICE)
    assert response.status_code == 200
    value, cookie = session_cookie(response)
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "lax"
    assert (cookie["max-age"], cookie["path"]) == ("3600", "/")
    # The cookie holds a random id and nothing else; the server holds the username.
    assert len(value) == 43 and "alice" not in value
    assert sessions[value][0] == "alice"
    assert browser.get("/me").json() == {"username": "alice"}


def test_every_login_starts_a_new_session(browser, sessions):
    first, _ = session_cookie(browser.post("/login", data=ALICE))
    second, _ = session_cookie(browser.post("/login", data=ALICE))
    assert first != second and set(sessions) == {first, second}


@pytest.mark.parametrize(
    "username, password",
    [("alice", "guess"), ("mallory", "correct-horse"), ("ALICE", "correct-horse")],
)
def test_a_failed_login_sets_no_cookie(browser, sessions, username, password):
    response = browser.post("/login", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert "set-cookie" not in response.headers and sessions == {}


def test_an_unknown_user_costs_one_verify_like_a_known_one(example, monkeypatch):
    calls = []
    real = example.password_hash.verify

    def spy(password, hashed):
        calls.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(example.password_hash, "verify", spy)
    client = TestClient(example.app)
    client.post("/login", data={"username": "mallory", "password": "guess"})
    client.post("/login", data={"username": "alice", "password": "guess"})
    assert calls == [example.DUMMY_HASH, example.USERS["alice"]]


@pytest.mark.parametrize("cookie", ["made-up", "", "x" * 43])
def test_a_made_up_session_id_is_401(example, cookie):
    client = TestClient(example.app, headers={"Cookie": f"session={cookie}"})
    assert client.get("/me").status_code == 401


def test_an_expired_session_is_401(browser, sessions):
    value, _ = session_cookie(browser.post("/login", data=ALICE))
    username, expires = sessions[value]
    assert expires - time.monotonic() == pytest.approx(3600, abs=60)
    sessions[value] = (username, time.monotonic() - 1)  # an hour later, say
    assert browser.get("/me").status_code == 401


def test_logout_forgets_the_session_on_the_server_too(browser, example, sessions):
    value, _ = session_cookie(browser.post("/login", data=ALICE))
    response = browser.post("/logout")
    assert response.status_code == 204 and response.content == b""
    _, cookie = session_cookie(response)
    assert cookie["max-age"] == "0"  # the browser drops its copy
    assert sessions == {}
    # A copy of the cookie taken before the logout opens nothing any more.
    copied = TestClient(example.app, headers={"Cookie": f"session={value}"})
    assert copied.get("/me").status_code == 401


def test_a_secure_cookie_is_not_sent_back_over_plain_http(example):
    client = TestClient(example.app)  # http://testserver
    assert client.post("/login", data=ALICE).status_code == 200
    assert client.get("/me").status_code == 401


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1:8001"]
)
@pytest.mark.parametrize("path", ["/login", "/logout"])
def test_a_post_from_another_sites_page_is_refused(browser, sessions, origin, path):
    value, _ = session_cookie(browser.post("/login", data=ALICE))
    response = browser.post(path, data=ALICE, headers={"Origin": origin})
    assert response.status_code == 403
    assert response.json() == {"detail": "Cross-site request refused"}
    assert "set-cookie" not in response.headers
    assert list(sessions) == [value]  # neither a new session nor a forgotten one


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://localhost:8000"])
def test_a_post_from_our_own_pages_is_let_through(browser, origin):
    response = browser.post("/login", data=ALICE, headers={"Origin": origin})
    assert response.status_code == 200


def test_the_schema_lists_every_answer(browser):
    paths = browser.get("/openapi.json").json()["paths"]
    assert sorted(paths["/login"]["post"]["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "422",
    ]
    assert sorted(paths["/me"]["get"]["responses"]) == ["200", "401", "422"]
    assert sorted(paths["/logout"]["post"]["responses"]) == ["204", "403", "422"]
