# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import to_json

app = FastAPI()

# A price: a Decimal above 0, up to 999999.99 in whole cents. As in Example 8, the JSON
# Schema is written out, because Pydantic's schema for a Decimal leaves these limits out.
Price = Annotated[
    Decimal,
    Field(gt=0, max_digits=8, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 999999.99,
                    "multipleOf": 0.01,
                },
                {
                    "type": "string",
                    "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$",
                    "not": {"pattern": r"^[0.]*$"},  # zero is not a price
                },
            ]
        }
    ),
]


class Product(BaseModel):
    # Refuse fields the model does not declare, instead of dropping them silently.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=100,
        description="Product name",
        examples=["Laptop", "Mouse"],
    )
    price: Price = Field(description="In euros")
    sale_price: Price | None = None
    quantity: int = Field(default=0, ge=0, le=10_000)
    sku: str | None = Field(default=None, pattern=r"^[A-Z]{3}-[0-9]{4}$")

    @field_validator("name")
    @classmethod
    def strip_and_refuse_blank(cls, value: str) -> str:
        # Runs after the type and Field checks, so value is already a str of 1-100 chars.
        value = value.strip()
        if not value:
            raise ValueError("name cannot be blank")
        return value  # what the validator returns is what the model stores

    @model_validator(mode="after")
    def sale_price_below_price(self) -> "Product":
        # Runs once every field is valid, so it can compare fields with each other.
        if self.sale_price is not None and self.sale_price >= self.price:
            raise ValueError("sale_price must be lower than price")
        return self


@app.post(
    "/products",
    responses={
        400: {"description": "Unreadable body: not UTF-8, or a number too long"}
    },
)
def create_product(product: Product):
    return product


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


# --8<-- [start:outline_price]
class OutlinePrice(BaseModel):
    price: float = Field(gt=0)  # the outline's price field


# --8<-- [end:outline_price]


# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # Valid: the name comes back stripped, defaults are filled in, and the Decimal
    # price is written as a JSON string so that no digit is lost.
    body = {"name": "  Laptop  ", "price": 999.99, "sku": "LAP-0042"}
    print(client.post("/products", json=body).json())
    '''
    {
        'name': 'Laptop',
        'price': '999.99',
        'sale_price': None,
        'quantity': 0,
        'sku': 'LAP-0042',
    }
    '''

    def errors(body: dict) -> list:
        """Where each error is, and what it says."""
        response = client.post("/products", json=body)
        return [(error["loc"], error["msg"]) for error in response.json()["detail"]]

    # Each field is checked on its own and all the errors come back together.
    print(errors({"name": "   ", "price": 0, "quantity": -1, "sku": "lap-42"}))
    '''
    [
        (['body', 'name'], 'Value error, name cannot be blank'),
        (['body', 'price'], 'Input should be greater than 0'),
        (['body', 'quantity'], 'Input should be greater than or equal to 0'),
        (['body', 'sku'], "String should match pattern '^[A-Z]{3}-[0-9]{4}$'"),
    ]
    '''
    print(errors({"name": "Laptop", "price": 9.999}))
    #> [(['body', 'price'], 'Decimal input should have no more than 2 decimal places')]
    print(errors({"name": "Laptop", "price": 10, "colour": "silver"}))
    #> [(['body', 'colour'], 'Extra inputs are not permitted')]

    # A model validator's error belongs to the whole body, not to one field.
    print(errors({"name": "Laptop", "price": 10, "sale_price": 12}))
    #> [(['body'], 'Value error, sale_price must be lower than price')]

    # gt=0 on a float lets infinity through; a Decimal must be finite.
    print(OutlinePrice.model_validate({"price": "Infinity"}))
    #> price=inf
    print(errors({"name": "Laptop", "price": "Infinity"}))
    #> [(['body', 'price'], 'Input should be a finite number')]

    # Field() metadata and constraints go into the JSON Schema that /docs shows.
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Product"]
    print(schema["properties"]["name"])
    '''
    {
        'type': 'string',
        'maxLength': 100,
        'minLength': 1,
        'title': 'Name',
        'description': 'Product name',
        'examples': ['Laptop', 'Mouse'],
    }
    '''
    print(schema["additionalProperties"])
    #> False
# --8<-- [end:demo]
