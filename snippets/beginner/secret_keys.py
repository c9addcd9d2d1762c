# --8<-- [start:app]
import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader

app = FastAPI()
# A header, not a query parameter: URLs are written to access logs and browser history.
api_key_header = APIKeyHeader(name="X-API-Key")


def require_api_key(api_key: Annotated[str, Depends(api_key_header)]) -> None:
    # From the environment, never from the source code. None configured: refuse all.
    expected = os.environ.get("REPORTS_API_KEY", "")
    # compare_digest takes as long for a nearly right key as for a wrong one. Bytes,
    # because given str it raises TypeError on non-ASCII text, which would be a 500.
    if not expected or not secrets.compare_digest(api_key.encode(), expected.encode()):
        raise HTTPException(
            401, "Invalid API key", headers={"WWW-Authenticate": "APIKey"}
        )


@app.get(
    "/reports",
    dependencies=[Depends(require_api_key)],
    responses={401: {"description": "Missing or invalid API key"}},
)
def list_reports():
    return {"reports": ["2026-q3.pdf"]}


# --8<-- [end:app]


# --8<-- [start:naive]
# WRONG, four times over: kept apart from `app`, to show what each mistake costs.
naive_app = FastAPI()
NAIVE_KEY = "s3cret"  # anyone who can read the code, or its history, has the key


@naive_app.get("/reports")
def naive_reports(api_key: str):  # a query parameter: the key is part of the URL
    if api_key != NAIVE_KEY:  # != promises nothing about how long it takes
        raise HTTPException(403, "Forbidden")  # a missing credential is a 401
    return {"reports": ["2026-q3.pdf"]}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from unittest.mock import patch

    from fastapi.testclient import TestClient

    client = TestClient(app)
    with patch.dict(os.environ, {"REPORTS_API_KEY": "only-for-this-demo"}):
        print(client.get("/reports", headers={"X-API-Key": "only-for-this-demo"}))
        #> <Response [200 OK]>
        response = client.get("/reports", headers={"X-API-Key": "only-for-this-demX"})
        print(response.status_code, response.headers["www-authenticate"])
        #> 401 APIKey
        # A non-ASCII key is just a wrong key: 401, not 500.
        response = client.get("/reports", headers={"X-API-Key": "clé".encode()})
        print(response.status_code, response.json())
        #> 401 {'detail': 'Invalid API key'}
    # Without REPORTS_API_KEY in the environment, even a "right" key is refused.
    print(client.get("/reports", headers={"X-API-Key": "only-for-this-demo"}))
    #> <Response [401 Unauthorized]>

    # Why the bytes: compare_digest refuses to compare text that is not ASCII.
    try:
        secrets.compare_digest("clé", "key")
    except TypeError as error:
        print(error)
        #> comparing strings with non-ASCII characters is not supported

    # A key worth the name: 32 random bytes, as 43 URL-safe characters.
    print(len(secrets.token_urlsafe(32)))
    #> 43

    # The naive app: the key travels in the URL, the very line servers and proxies log.
    naive = TestClient(naive_app)
    print(naive.get("/reports", params={"api_key": "s3cret"}).request.url)
    #> http://testserver/reports?api_key=s3cret
    print(naive.get("/reports", params={"api_key": "guess"}).status_code)
    #> 403
# --8<-- [end:demo]
