# --8<-- [start:app]
import secrets
from typing import Literal

from fastapi import FastAPI
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # Read from environment variables; an invalid one is named, never repeated.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    app_env: Literal["development", "production"] = "development"
    debug: bool | None = None  # unset: on in development, off in production
    # A SecretStr prints, logs and serializes as '**********'.
    payment_api_key: SecretStr | None = Field(None, min_length=20)

    @model_validator(mode="after")
    def defaults_for_the_environment(self):
        production = self.app_env == "production"
        if self.debug is None:
            self.debug = not production
        if production and self.debug:
            raise ValueError("DEBUG must be off in production")
        if production and self.payment_api_key is None:
            raise ValueError("PAYMENT_API_KEY is required in production")
        if self.payment_api_key is None:  # development: a throwaway key
            self.payment_api_key = SecretStr(secrets.token_urlsafe(24))
        return self


settings = Settings()
development = settings.app_env == "development"
app = FastAPI(
    debug=settings.debug,  # tracebacks in 500 responses: development only
    # No schema in production, and so no /docs or /redoc: it maps every route.
    openapi_url="/openapi.json" if development else None,
)


@app.get("/settings")
def read_settings():
    return settings  # the key as '**********'


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    print(repr(settings.payment_api_key))
    #> SecretStr('**********')
    print(TestClient(app).get("/settings").json())
    #> {'app_env': 'development', 'debug': True, 'payment_api_key': '**********'}
    # Production: debug off unless asked, and refused if asked.
    print(Settings(app_env="production", payment_api_key="sk_live_" + "x" * 24).debug)
    #> False
    # --8<-- [end:demo]

    # --8<-- [start:more]
    from pydantic import ValidationError

    for variables in [{}, {"payment_api_key": "sk_live_" + "x" * 24, "debug": True}]:
        try:
            Settings(app_env="production", **variables)
        except ValidationError as error:
            print(error.errors(include_input=False)[0]["msg"])
            #> Value error, PAYMENT_API_KEY is required in production
            #> Value error, DEBUG must be off in production
    try:
        Settings(payment_api_key="sk_live_short")
    except ValidationError as error:
        print(str(error).splitlines()[1], "sk_live_short" in str(error))
        #> payment_api_key False
    # --8<-- [end:more]
