# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Address(BaseModel):
    street: str
    city: str
    country: str = "US"


class OrderItem(BaseModel):
    product_id: int
    quantity: int = Field(gt=0, le=1000)
    unit_price: Money


class Order(BaseModel):
    customer_name: str
    shipping_address: Address  # a JSON object, validated as an Address
    items: list[OrderItem] = Field(min_length=1)  # a JSON array: at least one OrderItem
    notes: str | None = None


@app.post("/orders", responses={400: {"description": "Unreadable body"}})
def create_order(order: Order):
    total = sum(item.quantity * item.unit_price for item in order.items)
    return {"ship_to": order.shipping_address, "total": total}  # an Address, as JSON


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

# --8<-- [start:demo]
if __name__ == "__main__":
    import json
    from pathlib import Path

    from fastapi.testclient import TestClient

    client = TestClient(app)
    orders = Path(__file__).parent / "ex10_orders"

    # Every error, at every depth, at once; "loc" is the path to each (lists count from 0).
    bad_order = json.loads((orders / "bad-order.json").read_text())
    response = client.post("/orders", json=bad_order)
    print([(error["loc"], error["type"]) for error in response.json()["detail"]])
    '''
    [
        (['body', 'shipping_address', 'city'], 'missing'),
        (['body', 'items', 1, 'product_id'], 'int_parsing'),
        (['body', 'items', 1, 'quantity'], 'greater_than'),
    ]
    '''
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A valid order: nested objects arrive as models, with the default country.
    order = json.loads((orders / "order.json").read_text())
    print(client.post("/orders", json=order).json())
    '''
    {
        'ship_to': {'street': '123 Main St', 'city': 'Portland', 'country': 'US'},
        'total': 64.48,
    }
    '''

    # An order must have at least one line.
    response = client.post("/orders", json={**order, "items": []})
    print(response.json()["detail"][0]["msg"])
    #> List should have at least 1 item after validation, not 0

    # Each model becomes its own schema in OpenAPI, referenced where it is used.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    print(schemas["Order"]["properties"]["items"])
    '''
    {
        'items': {'$ref': '#/components/schemas/OrderItem'},
        'type': 'array',
        'minItems': 1,
        'title': 'Items',
    }
    '''
# --8<-- [end:more]
