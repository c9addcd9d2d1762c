# --8<-- [start:app]
from itertools import count

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from pydantic_core import to_json

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float = Field(allow_inf_nan=False)  # no Infinity or NaN (Example 15)


class StoredItem(Item):
    id: int


items: dict[int, StoredItem] = {}
new_ids = count(1)  # 1, 2, 3, ...

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
@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    # FastAPI's own 422 answer, with two fixes. A refused NaN or Infinity is echoed back
    # as the string "NaN" or "Infinity", because JSON cannot write it as a number. A body
    # that is not JSON is echoed as text, with "�" for any bytes that are not UTF-8,
    # where FastAPI would decode them strictly and fail with a 500.
    errors = jsonable_encoder(exc.errors(), custom_encoder={bytes: readable_text})
    content = {"detail": errors}
    body = to_json(content, inf_nan_mode="strings")
    return Response(body, status_code=422, media_type="application/json")


def readable_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


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

    # The constants are plain integers with a readable name.
    print(status.HTTP_201_CREATED, status.HTTP_204_NO_CONTENT)
    #> 201 204

    response = client.post("/items", json={"name": "Widget", "price": 9.99})
    print(response.status_code, response.headers["location"], response.json())
    #> 201 /items/1 {'name': 'Widget', 'price': 9.99, 'id': 1}

    # No status_code on the route: 200, the default for every method.
    response = client.get("/items/1")
    print(response.status_code, response.json())
    #> 200 {'name': 'Widget', 'price': 9.99, 'id': 1}

    response = client.delete("/items/1")
    print(response.status_code, response.content)
    #> 204 b''
    # Deleting it again: it is gone, so 404, not another 204.
    response = client.delete("/items/1")
    print(response.status_code, response.json())
    #> 404 {'detail': 'Item not found'}

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
# --8<-- [end:demo]
