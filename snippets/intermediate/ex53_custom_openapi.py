# Each section the page shows brings its own imports, so some are not at the top.
# --8<-- [start:app]
import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

app = FastAPI(title="Shop", generate_unique_id_function=lambda route: route.name)
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)  # also a security scheme


def require_api_key(key: Annotated[str | None, Security(api_key)]) -> None:
    expected = os.environ.get("API_KEY", "").encode()  # none set: every key refused
    if not expected or not secrets.compare_digest((key or "").encode(), expected):
        raise HTTPException(401, "Invalid API key", {"WWW-Authenticate": "APIKey"})


class Item(BaseModel):
    name: str


@app.post(
    "/items",
    dependencies=[Depends(require_api_key)],  # enforced, and in the schema
    responses={400: {"description": "Unreadable body"}, 401: {"description": "No key"}},
    openapi_extra={"x-rate-limit": {"per_minute": 60}},  # for a gateway to read
)
async def create_item(item: Item) -> Item:
    return item


def openapi_with_logo() -> dict:
    if app.openapi_schema is None:  # built once, on the first request
        schema = FastAPI.openapi(app)  # FastAPI's own schema, which it also caches
        schema["info"]["x-logo"] = {"url": "https://example.com/logo.png"}  # ReDoc's
    return app.openapi_schema


app.openapi = openapi_with_logo
# --8<-- [end:app]


# --8<-- [start:json_safe_errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:json_safe_errors]


# --8<-- [start:webhooks]
# A request this API sends to its clients' URLs: documented, never served. The app's
# generate_unique_id_function does not reach webhooks: name the operation here.
@app.webhooks.post("item-created", operation_id="item_created")
def item_created(item: Item) -> None:
    """Sent to your URL each time an item is created."""


# --8<-- [end:webhooks]

# --8<-- [start:naive]
# The outline's override, on an app that fastapi dev does not serve.
from fastapi.openapi.utils import get_openapi

naive_app = FastAPI(
    title="Shop", version="2.1.0", servers=[{"url": "https://api.example.com"}]
)


class Order(BaseModel):
    quantity: int


@naive_app.post("/orders")
async def naive_create_order(order: Order) -> Order:
    return order  # no key asked for, whatever the schema says


API_KEY_SCHEME = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
ITEM = {"$ref": "#/components/schemas/Item"}  # a model this app does not have


def naive_openapi() -> dict:
    if naive_app.openapi_schema:
        return naive_app.openapi_schema
    # A new schema from a few arguments: the app's title, version and servers are lost.
    schema = get_openapi(title="My API", version="1.0.0", routes=naive_app.routes)
    # "components" exists only if some route uses a model; without one, a KeyError.
    schema["components"]["securitySchemes"] = {"ApiKeyHeader": API_KEY_SCHEME}
    schema["webhooks"] = {
        "item-created": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": ITEM}}},
                "responses": {"200": {"description": "Received"}},
            }
        }
    }
    naive_app.openapi_schema = schema
    return schema


naive_app.openapi = naive_openapi
# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/items"]["post"]
    print(operation["operationId"], operation["security"], operation["x-rate-limit"])
    #> create_item [{'APIKeyHeader': []}] {'per_minute': 60}
    print(schema["components"]["securitySchemes"])
    #> {'APIKeyHeader': {'type': 'apiKey', 'in': 'header', 'name': 'X-API-Key'}}
    print(schema["info"]["x-logo"])
    #> {'url': 'https://example.com/logo.png'}
    # The scheme in the schema is the check in the code: no key, no item.
    print(client.post("/items", json={"name": "Widget"}).status_code)
    #> 401
    # --8<-- [end:demo]

    # --8<-- [start:more]
    print(app.openapi() is app.openapi())  # built once, then served from the cache
    #> True

    # The webhook: documented in the schema, not a route anyone can call.
    print(list(schema["webhooks"]), client.post("/item-created").status_code)
    #> ['item-created'] 404

    # The outline's override (naive_app): another title and version, no servers, a
    # scheme that no operation requires and nothing checks, a reference to nothing.
    naive = TestClient(naive_app)
    naive_schema = naive.get("/openapi.json").json()
    print(naive_schema["info"], "servers" in naive_schema)
    #> {'title': 'My API', 'version': '1.0.0'} False
    print([op.get("security") for op in naive_schema["paths"]["/orders"].values()])
    #> [None]
    print(naive.post("/orders", json={"quantity": 1}).status_code)
    #> 200
    print("Item" in naive_schema["components"]["schemas"])
    #> False
# --8<-- [end:more]
