# --8<-- [start:app]
from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None
    tags: list[str] = []  # Pydantic copies this default for every instance


items = {
    # Only name and price are given: the other three fields are "unset".
    1: Item(name="Widget", price=9.99),
    # description is given too.
    2: Item(name="Gadget", price=49.99, description="A cool gadget"),
    # Built from a dict with every key, as a database row would be: every field is
    # "set", even those that hold their default value.
    3: Item.model_validate(
        {"name": "Gizmo", "description": None, "price": 0.0, "tax": None, "tags": []}
    ),
}


NOT_FOUND = {status.HTTP_404_NOT_FOUND: {"description": "No item has this id"}}


# One handler, four routes; only the response_model_exclude_* flag differs.
@app.get("/items/{item_id}", responses=NOT_FOUND)
@app.get(
    "/items/{item_id}/exclude-unset",
    response_model_exclude_unset=True,
    responses=NOT_FOUND,
)
@app.get(
    "/items/{item_id}/exclude-defaults",
    response_model_exclude_defaults=True,
    responses=NOT_FOUND,
)
@app.get(
    "/items/{item_id}/exclude-none",
    response_model_exclude_none=True,
    responses=NOT_FOUND,
)
def read_item(item_id: int) -> Item:
    if item_id not in items:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Item not found")
    return items[item_id]


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    def every_variant(item_id: int) -> dict:
        """What each of the four routes sends for the same stored item."""
        suffixes = ["", "/exclude-unset", "/exclude-defaults", "/exclude-none"]
        return {
            suffix or "(no flag)": client.get(f"/items/{item_id}{suffix}").text
            for suffix in suffixes
        }

    print(every_variant(1))
    '''
    {
        '(no flag)': '{"name":"Widget","description":null,"price":9.99,"tax":null,"tags":[]}',
        '/exclude-unset': '{"name":"Widget","price":9.99}',
        '/exclude-defaults': '{"name":"Widget","price":9.99}',
        '/exclude-none': '{"name":"Widget","price":9.99,"tags":[]}',
    }
    '''
    print(every_variant(2))
    '''
    {
        '(no flag)': '{"name":"Gadget","description":"A cool gadget","price":49.99,"tax":null,"tags":[]}',
        '/exclude-unset': '{"name":"Gadget","description":"A cool gadget","price":49.99}',
        '/exclude-defaults': '{"name":"Gadget","description":"A cool gadget","price":49.99}',
        '/exclude-none': '{"name":"Gadget","description":"A cool gadget","price":49.99,"tags":[]}',
    }
    '''
    print(every_variant(3))
    '''
    {
        '(no flag)': '{"name":"Gizmo","description":null,"price":0.0,"tax":null,"tags":[]}',
        '/exclude-unset': '{"name":"Gizmo","description":null,"price":0.0,"tax":null,"tags":[]}',
        '/exclude-defaults': '{"name":"Gizmo","price":0.0}',
        '/exclude-none': '{"name":"Gizmo","price":0.0,"tags":[]}',
    }
    '''

    # Pydantic records which fields were given when the object was built.
    print(items[1].model_fields_set == {"name", "price"})
    #> True
    print(sorted(items[3].model_fields_set))
    #> ['description', 'name', 'price', 'tags', 'tax']
# --8<-- [end:demo]
