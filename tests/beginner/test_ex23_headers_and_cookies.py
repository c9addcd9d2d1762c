import re
import subprocess
from http.cookies import SimpleCookie
from typing import Annotated

import pytest
from fastapi import Cookie, FastAPI, Response
from fastapi.testclient import TestClient

from transcripts import serve

SET_LANG_FR = "lang=fr; HttpOnly; Max-Age=31536000; Path=/; SameSite=lax; Secure"
HTTP_DATE = r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"


@pytest.fixture
def https_client(example):
    return TestClient(example.app, base_url="https://testserver")


def test_injected_response_headers_are_sent(client):
    response = client.get("/with-headers")
    assert response.status_code == 200
    assert response.json() == {"message": "response has custom headers"}
    assert response.headers["x-custom-header"] == "my-value"
    assert response.headers["cache-control"] == "public, max-age=3600"


def test_headers_on_the_injected_response_are_lost_when_returning_a_response(example):
    assert "/lost-headers" not in example.app.openapi()["paths"]
    response = TestClient(example.mistake_app).get("/lost-headers")
    assert response.json() == {"message": "a response of its own"}
    assert "x-custom-header" not in response.headers


def test_set_cookie_header_is_exact(client):
    response = client.put("/language/fr")
    assert response.status_code == 200
    assert response.json() == {"language": "fr"}
    assert response.headers.get_list("set-cookie") == [SET_LANG_FR]
    morsel = SimpleCookie(response.headers["set-cookie"])["lang"]
    assert morsel.value == "fr"
    assert (morsel["httponly"], morsel["secure"], morsel["samesite"]) == (
        True,
        True,
        "lax",
    )
    assert (morsel["max-age"], morsel["path"], morsel["domain"]) == (
        "31536000",
        "/",
        "",
    )


@pytest.mark.parametrize(
    ("cookie", "message"),
    [
        (None, "Hello"),
        ("lang=en", "Hello"),
        ("lang=fr", "Bonjour"),
        ("lang=nl", "Hallo"),
        ("lang=klingon", "Hello"),  # a value the server never set
        ("lang=<script>", "Hello"),  # never echoed back
        ("other=1", "Hello"),
    ],
)
def test_greeting_reads_the_cookie_and_falls_back(client, cookie, message):
    headers = {"Cookie": cookie} if cookie else {}
    response = client.get("/greeting", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"message": message}


def test_an_unknown_language_is_refused_with_422(client):
    response = client.put("/language/klingon")
    assert response.status_code == 422
    assert "set-cookie" not in response.headers
    assert response.json() == {
        "detail": [
            {
                "type": "literal_error",
                "loc": ["path", "lang"],
                "msg": "Input should be 'en', 'fr' or 'nl'",
                "input": "klingon",
                "ctx": {"expected": "'en', 'fr' or 'nl'"},
            }
        ]
    }


@pytest.mark.parametrize(
    "lang",
    [
        "fr; Domain=evil.example",
        "fr; SameSite=None",
        "fr%0d%0aSet-Cookie:%20admin=1",
        "FR",
        "fr ",
    ],
)
def test_nothing_but_a_listed_language_reaches_the_cookie(client, lang):
    """The value is a Literal: no attribute or header can be smuggled into Set-Cookie."""
    response = client.put(f"/language/{lang}")
    assert response.status_code == 422
    assert "set-cookie" not in response.headers


def test_delete_cookie_expires_it_with_the_same_attributes(client):
    (header,) = client.delete("/language").headers.get_list("set-cookie")
    assert re.fullmatch(
        rf'lang=""; expires={HTTP_DATE}; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure',
        header,
    )


def test_round_trip_over_https(https_client):
    https_client.put("/language/nl")
    assert https_client.get("/greeting").json() == {"message": "Hallo"}
    https_client.delete("/language")
    assert "lang" not in https_client.cookies
    assert https_client.get("/greeting").json() == {"message": "Hello"}


def test_secure_cookie_is_stored_but_not_sent_over_plain_http(example):
    plain_http = TestClient(example.app, base_url="http://testserver")
    plain_http.put("/language/fr")
    assert plain_http.cookies.get("lang") == "fr"  # kept...
    assert plain_http.get("/greeting").json() == {"message": "Hello"}  # ...never sent


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_curl_sends_a_secure_cookie_back_to_a_local_http_server(
    example, tmp_path, host
):
    jar = tmp_path / "cookies.txt"
    with serve(example.app) as base_url:
        url = base_url.replace("127.0.0.1", host)
        subprocess.run(
            ["curl", "-s", "-c", jar, "-X", "PUT", f"{url}/language/fr"],
            check=True,
            timeout=10,
        )
        greeting = subprocess.run(
            ["curl", "-s", "-b", jar, f"{url}/greeting"],
            check=True,
            capture_output=True,
            timeout=10,
        )
    assert greeting.stdout == b'{"message":"Bonjour"}'


def test_the_outlines_fixed_token_admits_anyone_and_answers_200_without_it():
    """The outline's /profile: every client that sends the constant is "logged in"."""
    app = FastAPI()

    @app.get("/profile")
    def profile(session_token: Annotated[str | None, Cookie()] = None):
        if session_token is None:
            return {"error": "not authenticated"}
        return {"message": f"profile for token {session_token[:8]}..."}

    client = TestClient(app)
    anonymous = client.get("/profile")
    assert (anonymous.status_code, anonymous.json()) == (
        200,
        {"error": "not authenticated"},
    )
    forged = client.get("/profile", headers={"Cookie": "session_token=abc123xyz"})
    assert forged.json() == {"message": "profile for token abc123xy..."}


def test_set_cookie_defaults_to_path_root_and_no_domain():
    response = Response()
    response.set_cookie("k", "v")
    assert response.headers["set-cookie"] == "k=v; Path=/; SameSite=lax"
