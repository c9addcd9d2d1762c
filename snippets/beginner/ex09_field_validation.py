# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated, Self

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

app = FastAPI()

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, examples=["Laptop", "Mouse"])
    price: Money = Field(gt=0, description="In euros")  # Money's limits, and above 0
    sale_price: Money | None = None
    quantity: int = Field(default=0, ge=0, le=10_000)
    sku: str | None = Field(default=None, pattern=r"^[A-Z]{3}-[0-9]{4}$")

    @field_validator("name")
    @classmethod
    def single_spaces(cls, value: str) -> str:
        return " ".join(value.split())  # what a validator returns is what is stored

    @model_validator(mode="after")
    def sale_price_below_price(self) -> Self:  # runs once every field is valid
        if self.sale_price is not None and self.sale_price >= self.price:
            raise ValueError("sale_price must be lower than price")
        return self


@app.post("/products", responses={400: {"description": "Unreadable body"}})
def create_product(product: Product):
    return product


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


# --8<-- [start:outline]
# The outline's versions of two fields, for comparison.
class OutlineProduct(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)  # ...: required
    price: float = Field(..., gt=0)

    @field_validator("name")
    @classmethod
    def name_must_not_be_empty(cls, v: str) -> str:
        # Runs after min_length, which counted the spaces: it must check again.
        if v.strip() == "":
            raise ValueError("name cannot be blank or whitespace")
        return v.strip()


# --8<-- [end:outline]


# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # Spaces are stripped first, so "   " is too short; all errors come back together.
    body = {"name": "   ", "price": 0, "sku": "lap-42"}
    response = client.post("/products", json=body)
    print([(error["loc"], error["msg"]) for error in response.json()["detail"]])
    '''
    [
        (['body', 'name'], 'String should have at least 1 character'),
        (['body', 'price'], 'Input should be greater than 0'),
        (['body', 'sku'], "String should match pattern '^[A-Z]{3}-[0-9]{4}$'"),
    ]
    '''
    # --8<-- [end:demo]

    # --8<-- [start:more]
    def errors(body: dict) -> list:  # where each error is, and what it says
        response = client.post("/products", json=body)
        return [(error["loc"], error["msg"]) for error in response.json()["detail"]]

    # A model validator's error belongs to the whole body, not to one field.
    print(errors({"name": "Laptop", "price": 10, "sale_price": 12}))
    #> [(['body'], 'Value error, sale_price must be lower than price')]

    # Unknown fields are refused, and Money's limits still hold.
    print(errors({"name": "Laptop", "price": 10, "colour": "silver"}))
    #> [(['body', 'colour'], 'Extra inputs are not permitted')]
    print(errors({"name": "Laptop", "price": 9.999}))
    #> [(['body', 'price'], 'Decimal input should have no more than 2 decimal places')]

    # gt=0 on the outline's float lets infinity through; Money refuses it.
    print(OutlineProduct.model_validate({"name": "Lamp", "price": "Infinity"}).price)
    #> inf
    print(errors({"name": "Lamp", "price": "Infinity"}))
    #> [(['body', 'price'], 'Input should be a finite number')]

    # Field() and its metadata go into the JSON Schema that /docs shows; validators
    # do not, and neither does str_strip_whitespace.
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Product"]
    print(schema["properties"]["name"])
    '''
    {
        'type': 'string',
        'maxLength': 100,
        'minLength': 1,
        'title': 'Name',
        'examples': ['Laptop', 'Mouse'],
    }
    '''
    print(schema["additionalProperties"])
    #> False
# --8<-- [end:more]
