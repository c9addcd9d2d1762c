# The key check comes first in the file, since the routes name it, but the page shows it
# after the app: each section brings its own imports.
# --8<-- [start:api_key]
import os
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import APIKeyHeader

# Reads the X-API-Key header (401 when it is missing) and gives /docs an "Authorize"
# button. It does not check the key: verify_api_key does.
api_key_header = APIKeyHeader(name="X-API-Key")
UNAUTHORIZED = {401: {"description": "Missing or invalid API key"}}


def verify_api_key(api_key: Annotated[str, Depends(api_key_header)]) -> None:
    expected = os.environ.get("BOOKSTORE_API_KEY", "")  # none set: nobody gets in
    # Constant-time, and on bytes: "Passwords, keys and sessions" tells why.
    if not expected or not secrets.compare_digest(api_key.encode(), expected.encode()):
        raise HTTPException(
            401, "Invalid API key", headers={"WWW-Authenticate": "APIKey"}
        )


# --8<-- [end:api_key]


# --8<-- [start:app]
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Query

app = FastAPI()
ITEMS = [f"item-{number}" for number in range(1, 51)]
PRODUCTS = [f"product-{number}" for number in range(1, 31)]


@dataclass
class Page:
    skip: int
    limit: int


# A dependency: FastAPI fills its parameters from the request, as for a route.
def pagination(
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page:
    return Page(skip=skip, limit=limit)


# An alias: write "page: Pagination" wherever a route needs these two parameters.
Pagination = Annotated[Page, Depends(pagination)]


@app.get("/products")  # public
def list_products(page: Pagination):
    return {"products": PRODUCTS[page.skip : page.skip + page.limit], "page": page}


# dependencies=[...]: run verify_api_key (below, collapsed) first, for its check only.
@app.get("/items", dependencies=[Depends(verify_api_key)], responses=UNAUTHORIZED)
def list_items(page: Pagination):
    return {"items": ITEMS[page.skip : page.skip + page.limit], "page": page}


# --8<-- [end:app]


# --8<-- [start:router]
from fastapi import APIRouter

# On a router, the dependency protects every route of the router.
admin = APIRouter(
    prefix="/admin",
    dependencies=[Depends(verify_api_key)],
    responses=UNAUTHORIZED,
)


@admin.get("/stats")
def stats():
    return {"items": len(ITEMS), "products": len(PRODUCTS)}


app.include_router(admin)
# --8<-- [end:router]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # A public route, with the shared pagination parameters.
    print(client.get("/products", params={"skip": 10, "limit": 2}).json())
    #> {'products': ['product-11', 'product-12'], 'page': {'skip': 10, 'limit': 2}}
    # No key: verify_api_key refuses, and list_items never runs.
    response = client.get("/items")
    print(response.status_code, response.json())
    #> 401 {'detail': 'Not authenticated'}
    # --8<-- [end:demo]

    # --8<-- [start:api_key_demo]
    from unittest.mock import patch

    # The key comes from the environment, as in a deployment; patch.dict sets it here.
    with patch.dict(os.environ, {"BOOKSTORE_API_KEY": "s3cr3t-for-the-demo"}):
        good_key = {"X-API-Key": "s3cr3t-for-the-demo"}
        print(client.get("/items", params={"limit": 2}, headers=good_key).json())
        #> {'items': ['item-1', 'item-2'], 'page': {'skip': 0, 'limit': 2}}
        response = client.get("/items", headers={"X-API-Key": "guess"})
        print(response.status_code, response.json())
        #> 401 {'detail': 'Invalid API key'}
    # --8<-- [end:api_key_demo]

    # --8<-- [start:more]
    # The shared parameters are checked like any others, on every route that uses them.
    response = client.get("/products", params={"limit": 1000})
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Input should be less than or equal to 100
    with patch.dict(os.environ, {"BOOKSTORE_API_KEY": "s3cr3t-for-the-demo"}):
        print(client.get("/admin/stats", headers=good_key).json())
        #> {'items': 50, 'products': 30}
        response = client.get("/admin/stats", headers={"X-API-Key": "guess"})
        print(response.status_code, response.headers["www-authenticate"])
        #> 401 APIKey

    # The schema records the key requirement, which is what /docs shows as a padlock.
    schema = client.get("/openapi.json").json()
    print(schema["components"]["securitySchemes"])
    #> {'APIKeyHeader': {'type': 'apiKey', 'in': 'header', 'name': 'X-API-Key'}}
    print(schema["paths"]["/items"]["get"]["security"])
    #> [{'APIKeyHeader': []}]
    # --8<-- [end:more]
