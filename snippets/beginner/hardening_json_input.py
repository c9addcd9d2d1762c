# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI()

# Exact, and bounded: at most 8 digits, 2 of them after the point.
Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Item(BaseModel):
    name: str
    price: Money
    tax: Money | None = None


# FastAPI answers 400 to a body it cannot read at all; declared, /docs lists it.
UNREADABLE_BODY = {400: {"description": "Unreadable body"}}


@app.post("/items", responses=UNREADABLE_BODY)
def create_item(item: Item):
    total = item.price if item.tax is None else item.price + item.tax
    return {"item_name": item.name, "total_price": total}


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:app]


# --8<-- [start:naive]
# The same endpoint as it is usually first written: a Decimal without limits, and
# FastAPI's own 422 handler. A second app, there to be broken.
naive_app = FastAPI()


class NaiveItem(BaseModel):
    name: str
    price: Decimal
    tax: Decimal | None = None


@naive_app.post("/items")
def create_naive_item(item: NaiveItem):
    total = item.price if item.tax is None else item.price + item.tax
    return {"item_name": item.name, "total_price": total}


# --8<-- [end:naive]


# --8<-- [start:documented]
from pydantic import WithJsonSchema

# Money again, with a JSON Schema that states its limits instead of Pydantic's
# "a number or any string".
DocumentedMoney = Annotated[
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


class DocumentedItem(BaseModel):
    name: str
    price: DocumentedMoney


documented_app = FastAPI()


@documented_app.post("/items")
def create_documented_item(item: DocumentedItem):
    return {"item_name": item.name, "price": item.price}


# --8<-- [end:documented]

# --8<-- [start:what_each_input_gets]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    naive = TestClient(naive_app, raise_server_exceptions=False)
    JSON = {"content-type": "application/json"}

    def both(content: bytes, headers: dict | None = None) -> str:
        """What naive_app answers to a body, then what app answers."""
        statuses = [
            c.post("/items", content=content, headers=headers).status_code
            for c in (naive, client)
        ]
        return f"naive_app {statuses[0]}, app {statuses[1]}"

    print(both(b'{"name": "Widget", "price": 9.99}', JSON))
    #> naive_app 200, app 200
    print(both(b'{"name": "Widget", "price": NaN}', JSON))
    #> naive_app 500, app 422
    print(both(b"\x80"))  # no content type, and not UTF-8
    #> naive_app 500, app 422
    print(both('{"name": "Café", "price": 1}'.encode("latin-1"), JSON))
    #> naive_app 400, app 400
    print(both(b'{"name": "Widget", "price": "1e5000"}', JSON))
    #> naive_app 500, app 422
    # --8<-- [end:what_each_input_gets]

    # --8<-- [start:nan]
    import json

    # Python's JSON parser reads NaN and Infinity, which are not JSON, and reads
    # 1e400, which is, as infinity: it is too large for a float.
    print(json.loads("[NaN, Infinity, -Infinity, 1e400]"))
    #> [nan, inf, -inf, inf]
    # Wherever a model refuses such a value, FastAPI's 422 copies it back.
    print(both(b'{"name": "Widget", "price": Infinity}', JSON))
    #> naive_app 500, app 422
    print(both(b'{"name": NaN, "price": 1}', JSON))
    #> naive_app 500, app 422
    print(both(b"[1e400]", JSON))  # a list, not an object: all of it is copied
    #> naive_app 500, app 422
    nan_price = b'{"name": "Widget", "price": NaN}'
    print(client.post("/items", content=nan_price, headers=JSON).json())
    '''
    {
        'detail': [
            {
                'type': 'finite_number',
                'loc': ['body', 'price'],
                'msg': 'Input should be a finite number',
            }
        ]
    }
    '''
    # --8<-- [end:nan]

    # --8<-- [start:not_json]
    # Without a JSON content type the body is not parsed: the model is given the raw
    # bytes, refuses them, and FastAPI's 422 copies them back, decoded as UTF-8.
    body = b'{"name": "Widget", "price": 9.99}'
    print(both(body))
    #> naive_app 422, app 422
    print(naive.post("/items", content=body).json()["detail"][0]["input"])
    #> {"name": "Widget", "price": 9.99}
    # A byte that is not UTF-8 makes that copy fail.
    print(both(b"\x80"))
    #> naive_app 500, app 422
    print(both("Café".encode("latin-1"), {"content-type": "text/plain"}))
    #> naive_app 500, app 422
    # --8<-- [end:not_json]

    # --8<-- [start:unreadable]
    # Before any validation, FastAPI decodes the body as UTF-8 and parses it. If
    # either fails, it answers 400, whatever the handlers.
    latin_1 = '{"name": "Café", "price": 1}'.encode("latin-1")
    response = client.post("/items", content=latin_1, headers=JSON)
    print(response.status_code, response.json())
    #> 400 {'detail': 'There was an error parsing the body'}
    # Python refuses to read an integer of more than 4300 digits.
    price = b"1" * 4301
    print(both(b'{"name": "Widget", "price": ' + price + b"}", JSON))
    #> naive_app 400, app 400
    # JSON nested deeper than Python's recursion limit.
    print(both(b"[" * 100_000, JSON))
    #> naive_app 400, app 400
    # FastAPI does not document this 400 by itself: app declares it.
    paths = client.get("/openapi.json").json()["paths"]
    print(list(paths["/items"]["post"]["responses"]))
    #> ['200', '400', '422']
    # --8<-- [end:unreadable]

    # --8<-- [start:unbounded]
    from fastapi.encoders import jsonable_encoder

    # Nine characters, a valid Decimal: a one followed by a million zeros.
    print(Decimal("1e1000000").adjusted() + 1, "digits")
    #> 1000001 digits
    # FastAPI writes a whole Decimal found in a returned dict as a Python int, with
    # every digit. For 5000 digits that is quick, and still a 500: Python will not
    # write an int of more than 4300 digits as text.
    print(len(str(jsonable_encoder(Decimal("1e4000")))), "digits written")
    #> 4001 digits written
    print(both(b'{"name": "Widget", "price": "1e5000"}', JSON))
    #> naive_app 500, app 422
    # A larger exponent, plus a tax, is more than the decimal module can hold.
    print(both(b'{"name": "Widget", "price": "1e999999999", "tax": 1}', JSON))
    #> naive_app 500, app 422
    # --8<-- [end:unbounded]

    # --8<-- [start:schema]
    # Pydantic's schema for Money: a number of at least 0, or any string at all.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    print(schemas["Item"]["properties"]["price"])
    '''
    {
        'anyOf': [{'type': 'number', 'minimum': 0.0}, {'type': 'string'}],
        'title': 'Price',
    }
    '''
    # A client that believes it sends "" or 9.999, and gets a 422.
    for price in ["", 9.999]:
        body = {"name": "Widget", "price": price}
        print(client.post("/items", json=body).json()["detail"][0]["type"])
        #> decimal_parsing
        #> decimal_max_places
    # DocumentedMoney's schema says what the app accepts.
    documented = TestClient(documented_app).get("/openapi.json").json()
    price_schema = documented["components"]["schemas"]["DocumentedItem"]
    print(price_schema["properties"]["price"]["anyOf"][1])
    #> {'type': 'string', 'pattern': '^[0-9]{1,6}(\\.[0-9]{1,2})?$'}
# --8<-- [end:schema]
