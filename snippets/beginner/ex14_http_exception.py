# Each section the page shows brings its own imports, so some imports are not at the top,
# and one repeats an import of an earlier section.
# ruff: noqa: F811
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field

app = FastAPI()

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]  # Example 8's


class Item(BaseModel):
    name: str
    price: Money
    stock: int = 0


items: dict[int, Item] = {
    1: Item(name="Widget", price=9.99, stock=3),
    2: Item(name="Gadget", price=49.99, stock=0),
}

# The error the route can answer, listed in the schema and so in /docs.
NOT_FOUND = {status.HTTP_404_NOT_FOUND: {"description": "No item has this id"}}


def find_item(item_id: int) -> Item:
    if item_id not in items:
        # raise, not return: the handler that called find_item stops here too.
        raise HTTPException(status_code=404, detail=f"Item {item_id} not found")
    return items[item_id]


@app.get("/items/{item_id}", responses=NOT_FOUND)
def read_item(item_id: int) -> Item:
    return find_item(item_id)


# --8<-- [end:app]


# --8<-- [start:replace]
UNREADABLE_BODY = {status.HTTP_400_BAD_REQUEST: {"description": "Unreadable body"}}


@app.put("/items/{item_id}", responses={**NOT_FOUND, **UNREADABLE_BODY})
def replace_item(item_id: int, item: Item) -> Item:
    if item_id not in items:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,  # a named constant: the same number, 404
            detail={"code": "item_not_found", "item_id": item_id},
            headers={"X-Error-Code": "item-not-found"},
        )
    items[item_id] = item
    return item


# --8<-- [end:replace]


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


# --8<-- [start:admin]
import os
import secrets

from fastapi import Header


def is_admin_key(given: str | None) -> bool:
    expected = os.environ.get("ADMIN_KEY")
    if not expected or given is None:
        return False  # no key configured means nobody is admin: fail closed
    # Compare bytes in constant time: the time taken reveals nothing about the key.
    return secrets.compare_digest(given.encode(), expected.encode())


UNAUTHORIZED = {status.HTTP_401_UNAUTHORIZED: {"description": "Missing or invalid key"}}


@app.delete(
    "/admin/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
def admin_delete_item(
    item_id: int, x_admin_key: Annotated[str | None, Header()] = None
) -> None:
    if not is_admin_key(x_admin_key):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Missing or invalid admin key",
            headers={"WWW-Authenticate": "APIKey"},  # a 401 must name a scheme
        )
    find_item(item_id)
    del items[item_id]


# --8<-- [end:admin]


# --8<-- [start:handler]
from fastapi import Request
from fastapi.responses import JSONResponse


class OutOfStockError(Exception):
    """Raised by business code that knows nothing about HTTP."""

    def __init__(self, item_id: int) -> None:
        self.item_id = item_id


def take_one_from_stock(item_id: int) -> Item:
    item = find_item(item_id)
    if item.stock == 0:
        raise OutOfStockError(item_id)
    item.stock -= 1
    return item


@app.exception_handler(OutOfStockError)
async def out_of_stock_handler(request: Request, exc: OutOfStockError) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_409_CONFLICT,
        content={"detail": f"Item {exc.item_id} is out of stock"},
    )


OUT_OF_STOCK = {status.HTTP_409_CONFLICT: {"description": "The item is out of stock"}}


@app.post("/items/{item_id}/purchase", responses={**NOT_FOUND, **OUT_OF_STOCK})
def purchase(item_id: int) -> Item:
    return take_one_from_stock(item_id)


# --8<-- [end:handler]


# --8<-- [start:mistake]
# A counterexample, in a second app that `fastapi dev` does not serve.
naive_app = FastAPI()


@naive_app.get("/naive/items/{item_id}")
def read_item_naive(item_id: int) -> Item:
    return items[item_id]  # WRONG: an unknown id raises KeyError, and KeyError is a 500


# --8<-- [end:mistake]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    print(client.get("/items/1").json())
    #> {'name': 'Widget', 'price': '9.99', 'stock': 3}
    response = client.get("/items/99")
    print(response.status_code, response.json())
    #> 404 {'detail': 'Item 99 not found'}
    # --8<-- [end:demo]

    # --8<-- [start:replace_demo]
    # detail can be any JSON value, and headers= adds response headers.
    response = client.put("/items/99", json={"name": "Gizmo", "price": 5})
    print(response.status_code, response.headers["x-error-code"], response.json())
    #> 404 item-not-found {'detail': {'code': 'item_not_found', 'item_id': 99}}
    # --8<-- [end:replace_demo]

    # --8<-- [start:more]
    from unittest.mock import patch

    # No key, or a wrong one: 401 with a WWW-Authenticate header.
    response = client.delete("/admin/items/1", headers={"X-Admin-Key": "guess"})
    print(response.status_code, response.headers["www-authenticate"], response.json())
    #> 401 APIKey {'detail': 'Missing or invalid admin key'}
    # As if the server had been started with ADMIN_KEY set in its environment:
    with patch.dict(os.environ, {"ADMIN_KEY": "a-long-random-key-from-a-vault"}):
        admin = {"X-Admin-Key": "a-long-random-key-from-a-vault"}
        print(client.delete("/admin/items/1", headers=admin).status_code)
        #> 204
        print(client.delete("/admin/items/1", headers=admin).status_code)
        #> 404

    # A custom exception, turned into a 409 by its handler.
    response = client.post("/items/2/purchase")
    print(response.status_code, response.json())
    #> 409 {'detail': 'Item 2 is out of stock'}

    # Any exception without a handler is a 500, with a plain-text body.
    naive_client = TestClient(naive_app, raise_server_exceptions=False)
    response = naive_client.get("/naive/items/99")
    print(response.status_code, response.headers["content-type"], response.text)
    #> 500 text/plain; charset=utf-8 Internal Server Error
# --8<-- [end:more]
