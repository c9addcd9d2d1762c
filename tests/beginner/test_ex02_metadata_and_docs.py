import subprocess
import sys

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_schema_info_carries_the_metadata(client):
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "Book Store API"
    assert schema["info"]["version"] == "1.0.0"
    assert schema["info"]["license"] == {"name": "MIT", "identifier": "MIT"}


def test_docs_pages_name_the_api_and_load_their_ui_from_a_cdn(client):
    swagger_ui = client.get("/docs").text
    assert "<title>Book Store API - Swagger UI</title>" in swagger_ui
    assert (
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
        in swagger_ui
    )
    assert "'/openapi.json'" in swagger_ui
    assert "https://cdn.jsdelivr.net/npm/redoc@2/" in client.get("/redoc").text


def test_private_app_serves_no_schema_and_no_docs(example):
    client = TestClient(example.private_app)
    for path in ["/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"]:
        assert client.get(path).status_code == 404, path


def test_a_bad_contact_email_fails_only_when_the_schema_is_first_built():
    app = FastAPI(contact={"name": "API Support", "email": "support-at-example.com"})
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/does-not-exist").status_code == 404  # the app starts and serves
    assert client.get("/openapi.json").status_code == 500


def test_without_email_validator_any_contact_email_is_accepted_with_a_warning():
    hide_email_validator_then_build_schema = (
        "import sys; sys.modules['email_validator'] = None\n"
        "from fastapi import FastAPI\n"
        "app = FastAPI(contact={'email': 'support-at-example.com'})\n"
        "print(app.openapi()['info']['contact'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", hide_email_validator_then_build_schema],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "{'email': 'support-at-example.com'}"
    assert "email-validator not installed" in result.stdout + result.stderr


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_ui_pages_are_html(client, path):
    assert client.get(path).headers["content-type"] == "text/html; charset=utf-8"
