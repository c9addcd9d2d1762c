# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, WithJsonSchema
from pydantic_core import to_json

app = FastAPI()

# An amount of money: a Decimal, not a float, so that it is exact (see below), from 0 to
# 999999.99 in whole cents. Field() sets the limits (Example 9 explains it); WithJsonSchema
# documents them, because Pydantic's own schema for a Decimal says "a number or any string".
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


class Item(BaseModel):
    name: str  # no default: required
    description: str | None = None  # optional
    price: Money
    tax: Money | None = None


# FastAPI answers 400, not 422, to a body it cannot even read as text (see below).
@app.post(
    "/items",
    responses={
        400: {"description": "Unreadable body: not UTF-8, or a number too long"}
    },
)
def create_item(item: Item):
    # item is an Item instance: every field has been checked and converted.
    total = item.price
    if item.tax is not None:
        total += item.tax
    return {"item_name": item.name, "total_price": total}


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


# --8<-- [start:float_version]
# The same endpoint with float prices, as the outline wrote it.
float_app = FastAPI()


class FloatItem(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


@float_app.post("/items")
def create_float_item(item: FloatItem):
    total = item.price
    if item.tax is not None:
        total += item.tax
    return {"item_name": item.name, "total_price": total}


# --8<-- [end:float_version]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    body = {"name": "Widget", "price": 9.99}
    print(client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 9.99}
    body = {"name": "Widget", "price": 9.99, "tax": 0.8}
    print(client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 10.79}

    # A missing field: 422 naming it, and create_item never runs.
    response = client.post("/items", json={"price": 9.99})
    print(response.status_code, response.json())
    '''
    422
    {
        'detail': [
            {
                'type': 'missing',
                'loc': ['body', 'name'],
                'msg': 'Field required',
                'input': {'price': 9.99},
            }
        ]
    }
    '''

    # A value of the wrong kind, and a body that is not JSON at all.
    body = {"name": "Widget", "price": "cheap"}
    print(client.post("/items", json=body).json()["detail"][0]["msg"])
    #> Input should be a valid decimal
    not_json = "{'name': 'Widget'}"  # single quotes: Python, not JSON
    headers = {"content-type": "application/json"}
    response = client.post("/items", content=not_json, headers=headers)
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 JSON decode error
    # Bytes that are not UTF-8 (here "é" in Latin-1) are not even text: 400, not 422.
    latin_1 = '{"name": "Café", "price": 1}'.encode("latin-1")
    response = client.post("/items", content=latin_1, headers=headers)
    print(response.status_code, response.json())
    #> 400 {'detail': 'There was an error parsing the body'}
    # Without a JSON content type the body is not parsed at all: it is validated as raw
    # bytes and refused. This app echoes bytes that are not UTF-8 as "�"; FastAPI's own
    # handler (float_app keeps it) tries to decode them strictly and answers 500.
    response = client.post("/items", content=b"\x80")
    print(response.status_code, response.json()["detail"][0]["input"])
    #> 422 �
    default_handler = TestClient(float_app, raise_server_exceptions=False)
    print(default_handler.post("/items", content=b"\x80").status_code)
    #> 500

    # Where the meaning is clear, Pydantic converts: the string "9.99" is a fine price.
    # Fields the model does not declare are dropped without a word.
    body = {"name": "Widget", "price": "9.99", "colour": "red"}
    print(client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 9.99}

    # Money has limits: this one-followed-by-a-million-zeros is refused before any work.
    body = {"name": "Widget", "price": "1e1000000"}
    print(client.post("/items", json=body).json()["detail"][0]["msg"])
    #> Decimal input should have no more than 8 digits in total

    # The float version: the outline's numbers happen to come out right...
    float_client = TestClient(float_app, raise_server_exceptions=False)
    body = {"name": "Widget", "price": 9.99, "tax": 1.00}
    print(float_client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 10.99}
    # ...but other prices show binary floating point at work.
    body = {"name": "Widget", "price": 9.99, "tax": 0.8}
    print(float_client.post("/items", json=body).json())
    #> {'item_name': 'Widget', 'total_price': 10.790000000000001}

    # A float also accepts "NaN" and "Infinity", which JSON cannot carry back: a 500.
    body = {"name": "Widget", "price": "NaN"}
    print(float_client.post("/items", json=body).status_code)
    #> 500
    # A Decimal refuses them with a 422.
    response = client.post("/items", json=body)
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Input should be a finite number

    # Python's JSON parser also accepts the bare tokens NaN and Infinity, which are not
    # JSON. The 422 echoes the refused value back, as a string thanks to the handler.
    not_json = '{"name": "Widget", "price": NaN}'
    response = client.post("/items", content=not_json, headers=headers)
    print(response.status_code, response.json()["detail"][0]["input"])
    #> 422 NaN
# --8<-- [end:demo]
