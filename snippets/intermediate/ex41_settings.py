# --8<-- [start:app]
import secrets
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_", env_file=".env", hide_input_in_errors=True
    )

    name: str = "Inventory API"
    debug: bool = False
    admin_token: SecretStr | None = Field(default=None, min_length=32)  # None: no admin


@lru_cache
def get_settings() -> Settings:
    return Settings()  # read once per process, at the first call


@asynccontextmanager
async def lifespan(app: FastAPI):
    get_settings()  # a bad value stops the server here, before any request
    yield


app = FastAPI(lifespan=lifespan)
CurrentSettings = Annotated[Settings, Depends(get_settings)]
AdminToken = Annotated[str, Depends(APIKeyHeader(name="X-Admin-Token"))]


@app.get("/admin/settings", responses={401: {"description": "Wrong admin token"}})
def admin_settings(settings: CurrentSettings, token: AdminToken) -> Settings:
    expected = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(401, "Wrong admin token", {"WWW-Authenticate": "APIKey"})
    return settings  # the token goes out as "**********"


# --8<-- [end:app]


# --8<-- [start:outline]
# The outline's settings, on their own: no prefix, and secrets in plain `str`.
class OutlineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    debug: bool = False  # the outline says APP_DEBUG=true sets it
    secret_key: str = Field(min_length=32)  # required, and a plain string
    allowed_origins: list[str] = ["http://localhost:3000"]


@lru_cache
def get_outline_settings() -> OutlineSettings:
    return OutlineSettings()


outline_app = FastAPI()  # no lifespan: settings are first read by a request


@outline_app.get("/config-info")
def config_info(settings: Annotated[OutlineSettings, Depends(get_outline_settings)]):
    return {"debug": settings.debug}


# --8<-- [end:outline]

# --8<-- [start:demo]
if __name__ == "__main__":
    import os
    from unittest.mock import patch

    from fastapi.testclient import TestClient

    token = "a-long-random-admin-token-from-a-vault"
    env = {"APP_ADMIN_TOKEN": token, "APP_DEBUG": "true"}  # as a deployment sets them
    with patch.dict(os.environ, env), TestClient(app) as client:
        admin = client.get("/admin/settings", headers={"X-Admin-Token": token})
        print(admin.json())
        #> {'name': 'Inventory API', 'debug': True, 'admin_token': '**********'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import logging
    import tempfile
    from pathlib import Path

    from pydantic import ValidationError

    # The settings print with the token masked, and a wrong token is a 401.
    with patch.dict(os.environ, env):
        print(get_settings())
        #> name='Inventory API' debug=True admin_token=SecretStr('**********')
        with TestClient(app) as client:
            guess = client.get("/admin/settings", headers={"X-Admin-Token": "a-guess"})
            print(guess.status_code, guess.json())
            #> 401 {'detail': 'Wrong admin token'}

    # lru_cache: the first call's Settings is kept. A change to the environment is not
    # seen until the cache is cleared (a running server's environment does not change).
    with patch.dict(os.environ, {"APP_NAME": "Shop API"}):
        print(get_settings().name)
        #> Inventory API
        get_settings.cache_clear()
        print(get_settings().name)
        #> Shop API
    get_settings.cache_clear()

    # A .env file in the working directory, and an environment variable that wins.
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, ".env").write_text("APP_NAME=From .env\nAPP_DEBUG=true\n")
        here = os.getcwd()
        os.chdir(folder)
        with patch.dict(os.environ, {"APP_DEBUG": "false"}):
            print(Settings())
            #> name='From .env' debug=False admin_token=None
        os.chdir(here)

    # A log record of the settings shows the mask too.
    logger = logging.getLogger("inventory")
    records = []
    logger.addHandler(handler := logging.Handler())
    handler.emit = records.append
    with patch.dict(os.environ, {"APP_ADMIN_TOKEN": token}):
        logger.warning("starting with %s", Settings())
    print(records[0].getMessage())
    '''
    starting with name='Inventory API' debug=False admin_token=SecretStr('**********')
    '''

    # A refused value stops the app at startup, and the error does not repeat it.
    def start_and_stop(asgi_app):
        with TestClient(asgi_app):
            return "started and stopped"

    print(start_and_stop(app))
    #> started and stopped
    get_settings.cache_clear()  # as in a new process: nothing read yet
    with patch.dict(os.environ, {"APP_ADMIN_TOKEN": "too-short-to-be-safe"}):
        try:
            start_and_stop(app)
        except ValidationError as error:
            print(error.errors(include_input=False)[0]["msg"])
            #> Value should have at least 32 items after validation, not 20
            print("too-short-to-be-safe" in str(error))
            #> False
    get_settings.cache_clear()
    # --8<-- [end:more]

    # --8<-- [start:outline-run]
    from pydantic_settings import SettingsError

    secret = "a-secret-key-of-at-least-32-characters"
    with patch.dict(os.environ, {"SECRET_KEY": secret, "APP_DEBUG": "true"}):
        outline = OutlineSettings()
        print(outline.debug)  # APP_DEBUG is not its variable: DEBUG is
        #> False
        print(secret in repr(outline), secret in outline.model_dump_json())
        #> True True
    with patch.dict(
        os.environ, {"SECRET_KEY": secret, "ALLOWED_ORIGINS": "https://a.b"}
    ):
        try:
            OutlineSettings()
        except SettingsError as error:  # not JSON: not even a ValidationError
            print(error)
            '''
            error parsing value for field "allowed_origins" from source "EnvSettingsSource"
            '''
    # A refused value is repeated in the error message, for everyone who reads the log.
    with patch.dict(os.environ, {"SECRET_KEY": "my-short-secret"}):
        try:
            OutlineSettings()
        except ValidationError as error:
            print("my-short-secret" in str(error))
            #> True
    # Without SECRET_KEY the app starts; the first request fails, with a 500.
    with TestClient(outline_app, raise_server_exceptions=False) as client:
        print(client.get("/config-info").status_code)
        #> 500
        # lru_cache keeps no failure: once the variable is set, a request reads it.
        with patch.dict(os.environ, {"SECRET_KEY": secret}):
            print(client.get("/config-info").status_code)
            #> 200
# --8<-- [end:outline-run]
