# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()

# Field() (Example 9) sets the limits: from 0 to 999999.99, in whole cents.
Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Item(BaseModel):
    name: str  # no default: required
    description: str | None = None  # a default: optional
    price: Money
    tax: Money | None = None


# FastAPI answers 400 to a body that is not even text: responses= (Example 12) lists it.
@app.post("/items", responses={400: {"description": "Unreadable body"}})
def create_item(item: Item):
    # item is an Item: every field is present, checked and converted.
    total = item.price if item.tax is None else item.price + item.tax
    return {"item_name": item.name, "total_price": total}


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


# --8<-- [start:float_version]
# The outline's version: float prices, and FastAPI's own 422 handler.
float_app = FastAPI()


class FloatItem(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


@float_app.post("/items")
def create_float_item(item: FloatItem):
    total = item.price if item.tax is None else item.price + item.tax
    return {"item_name": item.name, "total_price": total}


# --8<-- [end:float_version]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    print(client.post("/items", json={"name": "Widget", "price": 9.99}).json())
    #> {'item_name': 'Widget', 'total_price': 9.99}
    body = {"name": "Widget", "price": 9.99, "tax": 0.8}
    print(client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 10.79}
    # The same sum in floats: why Money is a Decimal.
    print(9.99 + 0.8)
    #> 10.790000000000001

    # A missing field: a 422 that names it, and create_item never runs.
    response = client.post("/items", json={"price": 9.99})
    print(response.status_code, response.json()["detail"])
    #> 422 [{'type': 'missing', 'loc': ['body', 'name'], 'msg': 'Field required'}]

    # A price with too many decimals for Money.
    body = {"name": "Widget", "price": 9.999}
    print(client.post("/items", json=body).json()["detail"][0]["msg"])
    #> Decimal input should have no more than 2 decimal places
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A value of the wrong kind.
    body = {"name": "Widget", "price": "cheap"}
    print(client.post("/items", json=body).json()["detail"][0]["msg"])
    #> Input should be a valid decimal

    # Where the meaning is clear, Pydantic converts: the string "9.99" is a price.
    # Fields the model does not declare are dropped without a word.
    body = {"name": "Widget", "price": "9.99", "colour": "red"}
    print(client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 9.99}

    # A body that is not JSON (single quotes are Python, not JSON).
    headers = {"content-type": "application/json"}
    response = client.post("/items", content="{'name': 'Widget'}", headers=headers)
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 JSON decode error

    # The outline's float version: its own numbers happen to come out right...
    float_client = TestClient(float_app, raise_server_exceptions=False)
    body = {"name": "Widget", "price": 9.99, "tax": 1.00}
    print(float_client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 10.99}
    # ...others do not, and "NaN" is a float that JSON cannot carry back: a 500.
    body = {"name": "Widget", "price": 9.99, "tax": 0.8}
    print(float_client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 10.790000000000001}
    body = {"name": "Widget", "price": "NaN"}
    print(float_client.post("/items", json=body).status_code)
    #> 500
    # Money refuses it with a 422.
    print(client.post("/items", json=body).json()["detail"][0]["msg"])
    #> Input should be a finite number
# --8<-- [end:more]
