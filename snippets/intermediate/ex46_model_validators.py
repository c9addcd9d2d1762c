# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Self

from fastapi import FastAPI
from pydantic import BaseModel, Field, computed_field, model_validator

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Stay(BaseModel):
    check_in: date
    check_out: date
    nightly_rate: Money

    @model_validator(mode="before")
    @classmethod
    def split_interval(cls, data: Any) -> Any:
        # Also accept "dates": "2026-05-01/2026-05-04". Raw input: check its type first.
        if isinstance(data, dict) and isinstance(data.get("dates"), str):
            check_in, _, check_out = data["dates"].partition("/")
            return {**data, "check_in": check_in, "check_out": check_out}
        return data

    @model_validator(mode="after")
    def check_dates(self) -> Self:  # runs only once every field is valid
        if self.check_out <= self.check_in:
            raise ValueError("check_out must be after check_in")
        return self

    @computed_field
    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @computed_field
    @property
    def total(self) -> Decimal:
        return self.nightly_rate * self.nights


app = FastAPI()


@app.post("/stays", responses={400: {"description": "Unreadable body"}})
def quote_stay(stay: Stay) -> Stay:
    return stay  # the response adds nights and total


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


# --8<-- [start:wrap]
from pydantic import ValidationError, ValidatorFunctionWrapHandler

refusals: list[int] = []  # errors per refused stay (a real app would log them)


class LoggedStay(Stay):
    @model_validator(mode="wrap")
    @classmethod
    def log_refusals(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # Around everything else: handler(data) runs the before validators, the
        # fields and the after validators, and returns the model or raises.
        try:
            return handler(data)
        except ValidationError as error:
            refusals.append(error.error_count())
            raise


# --8<-- [end:wrap]


# --8<-- [start:outline]
# The outline's shapes: float money, and two after-validators on one model.
class Product(BaseModel):
    name: str
    price: float = Field(gt=0)
    discount_percent: float = Field(ge=0, le=100, default=0)

    @computed_field  # no @property: Pydantic adds it
    def discounted_price(self) -> float:
        return round(self.price * (1 - self.discount_percent / 100), 2)


class Registration(BaseModel):
    username: str
    password: str
    confirm_password: str

    @model_validator(mode="after")
    def passwords_match(self) -> Self:
        if self.password != self.confirm_password:
            raise ValueError("passwords do not match")
        return self

    @model_validator(mode="after")
    def username_not_in_password(self) -> Self:
        if self.username.lower() in self.password.lower():
            raise ValueError("password must not contain the username")
        return self


class Unchecked(BaseModel):  # a before-validator that trusts its raw input
    check_in: date

    @model_validator(mode="before")
    @classmethod
    def split_interval(cls, data: Any) -> Any:
        check_in, _, _ = data["dates"].partition("/")  # data may not be a dict
        return {"check_in": check_in}


outline_app = FastAPI()


@outline_app.post("/products")
def create_product(product: Product):  # no return type: the schema says nothing
    return product


@outline_app.post("/stays")
def check_in_date(stay: Unchecked) -> Unchecked:
    return stay


# --8<-- [end:outline]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    stay = {"dates": "2026-05-01/2026-05-04", "nightly_rate": "99.50"}
    quote = TestClient(app).post("/stays", json=stay).json()
    print(quote["nights"], quote["total"])  # computed, and sent with the fields
    #> 3 298.50
    # --8<-- [end:demo]

    # --8<-- [start:more]
    client = TestClient(app)
    # A stay that ends before it starts: the after-validator's 422.
    body = {"dates": "2026-05-04/2026-05-01", "nightly_rate": "120.00"}
    refused = client.post("/stays", json=body)
    print(refused.status_code, refused.json()["detail"][0]["msg"])
    #> 422 Value error, check_out must be after check_in

    # Computed fields are in the response's schema only.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    output, request = schemas["Stay-Output"], schemas["Stay-Input"]
    print(sorted(output["properties"].keys() - request["properties"].keys()))
    #> ['nights', 'total']
    # A client cannot set a computed field: the input is ignored.
    body = {"dates": "2026-05-01/2026-05-02", "nightly_rate": "120.00", "total": 1}
    print(client.post("/stays", json=body).json()["total"])
    #> 120.00
    # In the schema, computed fields are read-only.
    print(output["properties"]["total"])
    #> {'type': 'string', 'title': 'Total', 'readOnly': True}

    # The after-validator does not run while a field is invalid: one error, the field's.
    body = {"dates": "2026-05-04/someday", "nightly_rate": "120.00"}
    print([e["loc"] for e in client.post("/stays", json=body).json()["detail"]])
    #> [['body', 'check_out']]
    # A JSON array is not a dict: the before-validator lets it through to a 422.
    print(client.post("/stays", json=[1, 2]).json()["detail"][0]["msg"])
    #> Input should be a valid dictionary or object to extract fields from

    # The wrap validator sees the whole validation, failures included.
    try:
        LoggedStay.model_validate({"dates": "2026-05-01/", "nightly_rate": -1})
    except ValidationError:
        print(refusals)
        #> [2]

    # The outline's float money: 10.01 at 50% off is 5.005, which rounds down.
    print(Product(name="Widget", price=10.01, discount_percent=50).discounted_price)
    #> 5.0
    print((Decimal("10.01") * 50 / 100).quantize(Decimal("0.01"), "ROUND_HALF_UP"))
    #> 5.01
    # Its two after-validators: the first failure stops the second.
    try:
        Registration(username="ann", password="ann-pass", confirm_password="other")
    except ValidationError as error:
        print([e["msg"] for e in error.errors()])
        #> ['Value error, passwords do not match']

    # The before-validator that trusts its input: a JSON array is a 500.
    outline = TestClient(outline_app, raise_server_exceptions=False)
    print(outline.post("/stays", json=[1, 2]).status_code)
    #> 500
    # And its route without a return type documents nothing about its response.
    schema = outline.get("/openapi.json").json()["paths"]["/products"]["post"]
    print(schema["responses"]["200"]["content"]["application/json"]["schema"])
    #> {}
# --8<-- [end:more]
