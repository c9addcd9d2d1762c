# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from itertools import count
from typing import Annotated

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel, Field

app = FastAPI()

# Example 8's Money: from 0 to 999999.99, in whole cents.
Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Item(BaseModel):
    name: str
    price: Money


class StoredItem(Item):
    id: int


items: dict[int, StoredItem] = {}
new_ids = count(1)  # 1, 2, 3, ...

# The errors each route can answer besides 422, so that /docs lists them.
NOT_FOUND = {status.HTTP_404_NOT_FOUND: {"description": "No item has this id"}}
UNREADABLE_BODY = {status.HTTP_400_BAD_REQUEST: {"description": "Unreadable body"}}


@app.post("/items", status_code=status.HTTP_201_CREATED, responses=UNREADABLE_BODY)
def create_item(item: Item, response: Response) -> StoredItem:
    stored = StoredItem(id=next(new_ids), **item.model_dump())
    items[stored.id] = stored
    response.headers["Location"] = f"/items/{stored.id}"  # where the new item lives
    return stored


@app.get("/items/{item_id}", responses=NOT_FOUND)
def read_item(item_id: int) -> StoredItem:
    if item_id not in items:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Item not found")
    return items[item_id]


@app.delete("/items/{item_id}", status_code=204, responses=NOT_FOUND)
def delete_item(item_id: int) -> None:
    if items.pop(item_id, None) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Item not found")


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


# --8<-- [start:mistake]
# A counterexample, in a second app that `fastapi dev` does not serve.
naive_app = FastAPI()


@naive_app.delete("/items", status_code=status.HTTP_204_NO_CONTENT)
def delete_all_items():
    deleted = len(items)
    items.clear()
    # WRONG: a 204 response has no body, so this count never reaches the client.
    # To report it, answer 200 instead.
    return {"deleted": deleted}


# --8<-- [end:mistake]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    response = client.post("/items", json={"name": "Widget", "price": 9.99})
    print(response.status_code, response.headers["location"], response.json())
    #> 201 /items/1 {'name': 'Widget', 'price': '9.99', 'id': 1}
    # No status_code on the route: 200, the default for every method.
    print(client.get("/items/1").status_code)
    #> 200
    response = client.delete("/items/1")
    print(response.status_code, response.content)
    #> 204 b''
    # Deleting it again: it is gone, so 404, not another 204.
    response = client.delete("/items/1")
    print(response.status_code, response.json())
    #> 404 {'detail': 'Item not found'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The constants are plain integers with a readable name.
    print(status.HTTP_201_CREATED, status.HTTP_204_NO_CONTENT)
    #> 201 204

    # The mistake: the handler returned a dict, and FastAPI silently dropped it.
    client.post("/items", json={"name": "Gadget", "price": 49.99})
    response = TestClient(naive_app).delete("/items")
    print(response.status_code, response.content)
    #> 204 b''

    # What the schema documents for each route: its success code, 422 for bad
    # input (FastAPI adds it), and the 400 and 404 declared with responses=.
    paths = client.get("/openapi.json").json()["paths"]
    print(list(paths["/items"]["post"]["responses"]))
    #> ['201', '400', '422']
    print(list(paths["/items/{item_id}"]["get"]["responses"]))
    #> ['200', '404', '422']
    print(list(paths["/items/{item_id}"]["delete"]["responses"]))
    #> ['204', '404', '422']
# --8<-- [end:more]
