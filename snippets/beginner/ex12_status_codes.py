# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from itertools import count

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str


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

    response = client.post("/items", json={"name": "Widget"})
    print(response.status_code, response.headers["location"], response.json())
    #> 201 /items/1 {'name': 'Widget', 'id': 1}
    response = client.delete("/items/1")
    print(response.status_code, response.content)
    #> 204 b''
    # Deleting it again: it is gone, so 404, not another 204.
    response = client.delete("/items/1")
    print(response.status_code, response.json())
    #> 404 {'detail': 'Item not found'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # No status_code on the route: 200, the default for every method.
    client.post("/items", json={"name": "Gadget"})
    print(client.get("/items/2").status_code)
    #> 200

    # The constants are plain integers with a readable name.
    print(status.HTTP_201_CREATED, status.HTTP_204_NO_CONTENT)
    #> 201 204

    # The mistake: the handler returned a dict, and FastAPI silently dropped it.
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
