"""What Example 66 claims: per-environment defaults, and a secret that never reaches the
logs, an error (a 500 page, a validation error, a traceback) or the published schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from conftest import load_snippet, snippet_for
from transcripts import free_port, wait_for_port

KEY = "sk_live_" + "0123456789abcdef" * 2  # stands for a real key: found nowhere
SNIPPET = snippet_for(Path(__file__))


@pytest.fixture
def environment(monkeypatch):
    for name in ("APP_ENV", "DEBUG", "PAYMENT_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    def load(**variables: str):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return load_snippet(SNIPPET)

    return load


def failing_route(example) -> None:
    """A route whose error message carries the key, as a careless one might."""

    @example.app.get("/fail")
    def fail():
        raise RuntimeError(
            f"payment provider refused {example.settings.payment_api_key}"
        )


def test_development_defaults(environment):
    example = environment()
    client = TestClient(example.app)
    assert example.settings.debug is True
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").text
    assert example.settings.payment_api_key.get_secret_value() not in schema


def test_production_hides_the_docs_and_the_schema(environment):
    example = environment(APP_ENV="production", PAYMENT_API_KEY=KEY)
    client = TestClient(example.app)
    assert example.settings.debug is False
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path
    assert client.get("/settings").json()["payment_api_key"] == "**********"
    assert KEY not in client.get("/settings").text


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"APP_ENV": "production"}, "PAYMENT_API_KEY is required in production"),
        (
            {"APP_ENV": "production", "PAYMENT_API_KEY": KEY, "DEBUG": "true"},
            "DEBUG must be off in production",
        ),
        ({"APP_ENV": "staging", "PAYMENT_API_KEY": KEY}, "app_env"),
    ],
)
def test_production_refuses_to_start_without_its_rules(environment, variables, message):
    with pytest.raises(ValidationError) as refused:
        environment(**variables)
    assert message in str(refused.value)
    assert KEY not in str(refused.value)


def test_an_invalid_key_is_named_but_never_repeated(environment):
    short = "sk_live_tooshort"
    with pytest.raises(ValidationError) as refused:
        environment(PAYMENT_API_KEY=short)
    assert "payment_api_key" in str(refused.value)
    assert short not in str(refused.value)
    # errors() still holds the input: log str(error), or errors(include_input=False).
    assert refused.value.errors()[0]["input"] == short
    assert "input" not in refused.value.errors(include_input=False)[0]


@pytest.mark.parametrize("app_env", ["development", "production"])
def test_a_500_never_shows_the_key(environment, app_env):
    example = environment(APP_ENV=app_env, PAYMENT_API_KEY=KEY)
    failing_route(example)
    response = TestClient(example.app, raise_server_exceptions=False).get("/fail")
    assert response.status_code == 500
    assert KEY not in response.text
    if app_env == "production":
        assert response.text == "Internal Server Error"
    else:  # debug: Starlette's traceback page, with the masked message
        assert "payment provider refused **********" in response.text


def test_the_debug_page_shows_source_lines_not_local_values():
    """The outline says debug pages show "local variable values"; Starlette's does not:
    the local's value (upper case) is written on no source line, and is not shown."""
    app = FastAPI(debug=True)

    @app.get("/fail")
    def fail():
        token = "local-value".upper()
        raise RuntimeError(len(token))

    client = TestClient(app, raise_server_exceptions=False)
    for accept in ("text/html", "*/*"):  # an HTML page for browsers, text otherwise
        page = client.get("/fail", headers={"Accept": accept}).text
        assert "RuntimeError(len(token))" in page  # the source line that raised
        assert "LOCAL-VALUE" not in page


def test_the_logs_of_a_real_server_never_show_the_key(tmp_path):
    """fastapi run, in production, logs its settings, a traceback and the access lines."""
    main = tmp_path / "main.py"
    main.write_text(
        textwrap.dedent(
            f"""
            import importlib.util, logging
            spec = importlib.util.spec_from_file_location("ex66", {str(SNIPPET)!r})
            example = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(example)
            app = example.app
            logging.getLogger("uvicorn.error").warning("settings: %r", example.settings)

            @app.get("/fail")
            def fail():
                key = example.settings.payment_api_key
                raise RuntimeError(f"payment provider refused {{key}}")
            """
        )
    )
    port = free_port()
    env = {**os.environ, "APP_ENV": "production", "PAYMENT_API_KEY": KEY}
    env.pop("DEBUG", None)
    fastapi = os.path.join(os.path.dirname(sys.executable), "fastapi")
    server = subprocess.Popen(
        [fastapi, "run", str(main), "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, server)
        for path in ("/settings", "/fail", "/openapi.json"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            except urllib.error.HTTPError:
                pass
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert "payment_api_key=SecretStr('**********')" in output
    assert "RuntimeError: payment provider refused **********" in output
    assert '"GET /fail HTTP/1.1" 500' in output
    assert KEY not in output


# --- What the outline's version does ---


class PlainSettings(BaseSettings):
    """The outline's shape: the key as a plain str, with a minimum length."""

    secret_key: str = Field(min_length=32)


def test_a_plain_str_secret_shows_in_repr_and_in_its_validation_error(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    assert KEY in repr(PlainSettings())
    monkeypatch.setenv("SECRET_KEY", "too-short-but-real")
    with pytest.raises(ValidationError) as refused:
        PlainSettings()
    assert "input_value='too-short-but-real'" in str(refused.value)


class Order(BaseModel):
    id: int


def test_docs_off_but_the_schema_still_public():
    app = FastAPI(docs_url=None, redoc_url=None)  # the outline's production app

    @app.get("/internal/orders")
    def orders() -> list[Order]:
        return []

    client = TestClient(app)
    assert client.get("/docs").status_code == 404
    schema = client.get("/openapi.json")
    assert schema.status_code == 200
    assert "/internal/orders" in schema.json()["paths"]


def test_a_substring_check_lets_weak_keys_through(recwarn):
    """The outline warns only when the key contains one of a few words."""
    words = {"changeme", "secret", "password", "dev-key"}

    def outline_check(value: str) -> bool:
        return any(word in value.lower() for word in words)

    assert outline_check("a" * 32) is False  # 32 identical characters: no warning
    assert outline_check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") is False
    assert outline_check("p@ssw0rd" * 4) is False
    assert not recwarn.list


class Credentials(BaseModel):
    api_key: SecretStr = Field(min_length=20)


def keys_app(short_handler: bool) -> FastAPI:
    app = FastAPI()

    @app.post("/keys")
    def register(credentials: Credentials):
        return {"ok": True}

    if short_handler:

        @app.exception_handler(RequestValidationError)
        async def validation_error(request: Request, exc: RequestValidationError):
            errors = [
                {"type": e["type"], "loc": e["loc"], "msg": e["msg"]}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)

    return app


def test_fastapis_own_422_repeats_a_rejected_secret_and_the_short_handler_does_not():
    """A secret the client sends (an API key in a body) and that fails validation comes
    back in FastAPI's default 422, SecretStr or not; the site's short handler leaves
    the input out."""
    sent = {"api_key": "sk_live_short"}
    default = TestClient(keys_app(short_handler=False)).post("/keys", json=sent)
    assert default.status_code == 422
    assert "sk_live_short" in default.text
    short = TestClient(keys_app(short_handler=True)).post("/keys", json=sent)
    assert short.status_code == 422
    assert "sk_live_short" not in short.text
