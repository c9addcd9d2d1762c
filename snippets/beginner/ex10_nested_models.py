# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, WithJsonSchema
from pydantic_core import to_json

app = FastAPI()

# Example 8's Money: a Decimal from 0 to 999999.99 in whole cents, with its JSON Schema.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=8, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 999999.99,
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$"},
            ]
        }
    ),
]


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
    items: list[OrderItem] = Field(min_length=1)  # a JSON array of OrderItem objects
    notes: str | None = None


@app.post(
    "/orders",
    responses={
        400: {"description": "Unreadable body: not UTF-8, or a number too long"}
    },
)
def create_order(order: Order):
    total = sum(item.quantity * item.unit_price for item in order.items)
    return {
        "customer": order.customer_name,
        "city": order.shipping_address.city,
        "country": order.shipping_address.country,
        "item_count": len(order.items),
        "total": total,
    }


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

# --8<-- [start:demo]
if __name__ == "__main__":
    import json
    from pathlib import Path

    from fastapi.testclient import TestClient

    client = TestClient(app)
    orders = Path(__file__).parent / "ex10_orders"

    # A valid order: nested objects arrive as model instances, the default country too.
    order = json.loads((orders / "order.json").read_text())
    print(client.post("/orders", json=order).json())
    '''
    {
        'customer': 'Alice',
        'city': 'Portland',
        'country': 'US',
        'item_count': 2,
        'total': 64.48,
    }
    '''

    # Errors at every depth come back together; "loc" is the path to each one,
    # with list positions counted from 0.
    bad_order = json.loads((orders / "bad-order.json").read_text())
    response = client.post("/orders", json=bad_order)
    print(response.status_code)
    #> 422
    print([(error["loc"], error["msg"]) for error in response.json()["detail"]])
    '''
    [
        (['body', 'shipping_address', 'city'], 'Field required'),
        (
            ['body', 'items', 1, 'product_id'],
            'Input should be a valid integer, unable to parse string as an integer',
        ),
        (['body', 'items', 1, 'quantity'], 'Input should be greater than 0'),
    ]
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
# --8<-- [end:demo]
