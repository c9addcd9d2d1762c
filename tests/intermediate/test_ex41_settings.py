"""What Example 41 claims beyond its prints: where settings come from, a secret that
reaches no log, response or schema, startup validation, and the outline's claims."""

from __future__ import annotations

import json
import logging
import os

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import SettingsError

TOKEN = "a-token-for-these-tests-0123456789abcdef"
VARIABLES = ("APP_NAME", "APP_DEBUG", "APP_ADMIN_TOKEN", "DEBUG", "SECRET_KEY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path, example):
    """No variable or .env file from outside, and no settings cached by another test."""
    monkeypatch.chdir(tmp_path)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    example.get_settings.cache_clear()
    yield
    example.get_settings.cache_clear()
    example.get_outline_settings.cache_clear()


@pytest.fixture
def client(example, monkeypatch):
    monkeypatch.setenv("APP_ADMIN_TOKEN", TOKEN)
    with TestClient(example.app) as test_client:
        yield test_client


def test_defaults_without_any_variable(example):
    settings = example.Settings()
    assert (settings.name, settings.debug, settings.admin_token) == (
        "Inventory API",
        False,
        None,
    )


def test_variables_carry_the_prefix_and_are_converted(example, monkeypatch):
    monkeypatch.setenv("APP_NAME", "Shop")
    monkeypatch.setenv("APP_DEBUG", "yes")
    monkeypatch.setenv("DEBUG", "false")  # no prefix: not ours
    settings = example.Settings()
    assert (settings.name, settings.debug) == ("Shop", True)


def test_a_dotenv_file_counts_and_a_variable_wins(example, monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("APP_NAME=From the file\nAPP_DEBUG=true\n")
    monkeypatch.setenv("APP_DEBUG", "false")
    settings = example.Settings()
    assert (settings.name, settings.debug) == ("From the file", False)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Admin-Token": ""},
        {"X-Admin-Token": "wrong"},
        {"X-Admin-Token": TOKEN[:-1]},
    ],
)
def test_the_admin_route_refuses_a_missing_or_wrong_token(client, headers):
    response = client.get("/admin/settings", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"
    assert TOKEN not in response.text


def test_without_a_configured_token_nobody_is_admin(example):
    with TestClient(example.app) as client:
        response = client.get("/admin/settings", headers={"X-Admin-Token": "None"})
    assert response.status_code == 401


def test_the_token_reaches_no_response_and_no_schema(client, example):
    admin = client.get("/admin/settings", headers={"X-Admin-Token": TOKEN})
    assert admin.json() == {
        "name": "Inventory API",
        "debug": False,
        "admin_token": "**********",
    }
    for response in [admin, client.get("/openapi.json"), client.get("/docs")]:
        assert TOKEN not in response.text
    schema = example.app.openapi()["components"]["schemas"]["Settings"]
    token_schema = schema["properties"]["admin_token"]["anyOf"][0]
    assert token_schema["format"] == "password"
    assert "default" not in schema["properties"]["admin_token"]


def test_the_token_reaches_no_repr_str_dump_json_or_log(example, monkeypatch):
    monkeypatch.setenv("APP_ADMIN_TOKEN", TOKEN)
    settings = example.Settings()
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("test_ex41")
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        logger.warning("settings: %s / %r", settings, settings)
    finally:
        logger.removeHandler(handler)
    dumped = settings.model_dump()
    assert isinstance(dumped["admin_token"], SecretStr)  # the object, still masked
    for text in [
        repr(settings),
        str(settings),
        str(dumped),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
        records[0].getMessage(),
    ]:
        assert TOKEN not in text
        assert "**********" in text
    assert settings.admin_token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("name", "value"),
    [("APP_ADMIN_TOKEN", "short-token-given-by-mistake"), ("APP_DEBUG", "perhaps")],
)
def test_a_bad_value_stops_the_app_at_startup_without_repeating_it(
    example, monkeypatch, name, value
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused, TestClient(example.app):
        pass  # pragma: no cover - startup fails first
    assert value not in str(refused.value)
    # The list of errors still holds it: log the message, not the list.
    assert refused.value.errors()[0]["input"] == value


def test_lru_cache_keeps_the_first_settings_until_cleared(example, monkeypatch):
    first = example.get_settings()
    monkeypatch.setenv("APP_NAME", "Changed")
    assert example.get_settings() is first
    example.get_settings.cache_clear()
    assert example.get_settings().name == "Changed"


def test_the_environment_is_a_copy_in_the_process_memory():
    """Reading os.environ is a dictionary lookup: Python copied the environment when the
    process started, and a change made beneath it (putenv) is not even seen."""
    os.putenv("EX41_BENEATH", "1")
    try:
        assert "EX41_BENEATH" not in os.environ
        assert isinstance(os.environ._data, dict)
    finally:
        os.unsetenv("EX41_BENEATH")


# ---------------------------------------------------------------- the outline's settings


def test_the_outline_debug_variable_is_debug_not_app_debug(example, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("APP_DEBUG", "true")
    assert example.OutlineSettings().debug is False
    monkeypatch.setenv("DEBUG", "true")
    assert example.OutlineSettings().debug is True


def test_the_outline_str_secret_shows_everywhere(example, monkeypatch):
    secret = "k" * 40
    monkeypatch.setenv("SECRET_KEY", secret)
    settings = example.OutlineSettings()
    record = logging.LogRecord("app", logging.INFO, "", 0, "%s", (settings,), None)
    for text in [
        repr(settings),
        str(settings),
        str(settings.model_dump()),
        settings.model_dump_json(),
        record.getMessage(),
    ]:
        assert secret in text
    monkeypatch.setenv("SECRET_KEY", "too-short-secret")
    with pytest.raises(ValidationError, match="too-short-secret"):
        example.OutlineSettings()


def test_the_outline_list_needs_json(example, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("ALLOWED_ORIGINS", '["https://a.example", "https://b.example"]')
    assert example.OutlineSettings().allowed_origins == [
        "https://a.example",
        "https://b.example",
    ]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://a.example,https://b.example")
    with pytest.raises(SettingsError):
        example.OutlineSettings()


def test_the_outline_app_starts_without_its_secret_and_fails_at_a_request(example):
    with (
        TestClient(example.outline_app) as client,  # startup succeeds
        pytest.raises(ValidationError),
    ):
        client.get("/config-info")


# ---------------------------------------------------------------- a 422 echoes its input


class Login(BaseModel):
    username: str
    password: SecretStr


def test_fastapi_default_422_echoes_a_secret_and_the_short_handler_does_not(example):
    from conftest import load_snippet
    from site_sources import SNIPPETS

    def login(body: Login):
        return {"user": body.username}  # pragma: no cover - never valid here

    default = FastAPI()
    default.post("/login")(login)
    short = FastAPI()
    short.post("/login")(login)
    handler = load_snippet(SNIPPETS / "intermediate" / "ex38_testclient.py")
    short.exception_handler(handler.RequestValidationError)(handler.validation_error)

    body = {"password": "hunter2-in-clear"}  # the username is missing
    echoed = TestClient(default).post("/login", json=body)
    assert echoed.status_code == 422
    assert echoed.json()["detail"][0]["input"] == body
    quiet = TestClient(short).post("/login", json=body)
    assert quiet.status_code == 422
    assert "hunter2-in-clear" not in quiet.text
