# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI(responses={404: {"description": "No item has this id"}})

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]  # Example 8's


class Item(BaseModel):
    name: str
    description: str | None = None
    price: Money
    tax: Money | None = None
    tags: list[str] = []  # Pydantic copies this default for every instance


items = {
    1: Item(name="Widget", price=9.99),  # only name and price set
    2: Item(name="Gadget", price=49.99, description="A cool gadget"),
    # Every field given, as from a database row: all are "set", even the defaults.
    3: Item(name="Gizmo", description=None, price=0, tax=None, tags=[]),
}


# One handler, four routes; only the response_model_exclude_* flag differs.
@app.get("/items/{item_id}")
@app.get("/items/{item_id}/exclude-unset", response_model_exclude_unset=True)
@app.get("/items/{item_id}/exclude-defaults", response_model_exclude_defaults=True)
@app.get("/items/{item_id}/exclude-none", response_model_exclude_none=True)
def read_item(item_id: int) -> Item:
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    FLAGS = ["", "/exclude-unset", "/exclude-defaults", "/exclude-none"]

    # What each of the four routes sends for item 3.
    print({flag or "(no flag)": client.get(f"/items/3{flag}").text for flag in FLAGS})
    '''
    {
        '(no flag)': '{"name":"Gizmo","description":null,"price":"0","tax":null,"tags":[]}',
        '/exclude-unset': '{"name":"Gizmo","description":null,"price":"0","tax":null,"tags":[]}',
        '/exclude-defaults': '{"name":"Gizmo","price":"0"}',
        '/exclude-none': '{"name":"Gizmo","price":"0","tags":[]}',
    }
    '''
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Items 1 and 2 were built with fewer fields set.
    print({flag or "(no flag)": client.get(f"/items/1{flag}").text for flag in FLAGS})
    '''
    {
        '(no flag)': '{"name":"Widget","description":null,"price":"9.99","tax":null,"tags":[]}',
        '/exclude-unset': '{"name":"Widget","price":"9.99"}',
        '/exclude-defaults': '{"name":"Widget","price":"9.99"}',
        '/exclude-none': '{"name":"Widget","price":"9.99","tags":[]}',
    }
    '''
    print({flag or "(no flag)": client.get(f"/items/2{flag}").text for flag in FLAGS})
    '''
    {
        '(no flag)': '{"name":"Gadget","description":"A cool gadget","price":"49.99","tax":null,"tags":[]}',
        '/exclude-unset': '{"name":"Gadget","description":"A cool gadget","price":"49.99"}',
        '/exclude-defaults': '{"name":"Gadget","description":"A cool gadget","price":"49.99"}',
        '/exclude-none': '{"name":"Gadget","description":"A cool gadget","price":"49.99","tags":[]}',
    }
    '''

    # Pydantic records which fields were given when the object was built.
    print(sorted(items[1].model_fields_set))
    #> ['name', 'price']
    print(sorted(items[3].model_fields_set))
    #> ['description', 'name', 'price', 'tags', 'tax']
# --8<-- [end:more]
