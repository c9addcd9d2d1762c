# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class OrderLine(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,  # product_id is "productId" in JSON
        validate_by_name=True,  # "product_id" is accepted too
        extra="forbid",  # any other key is an error, not silently dropped
    )

    product_id: int
    unit_price: Money
    quantity: Annotated[int, Field(ge=1)] = 1


app = FastAPI()


@app.post("/order-lines", responses={400: {"description": "Unreadable body"}})
def add_order_line(line: OrderLine) -> OrderLine:
    # Python code uses the names; the response is written with the aliases.
    return line


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


# --8<-- [start:legacy]
class LegacyItem(BaseModel):
    """One field with a name from another system: Field(alias=...) for that field."""

    model_config = ConfigDict(extra="forbid")

    item_id: int = Field(alias="ItemID")
    cost: Money = Field(alias="Cost_USD")


@app.post("/legacy/items", responses={400: {"description": "Unreadable body"}})
def import_legacy_item(item: LegacyItem) -> LegacyItem:
    return item  # item.item_id in Python, "ItemID" in the response


# --8<-- [end:legacy]


# --8<-- [start:outline]
# The outline's config: populate_by_name, and its closing advice to return
# model_dump(by_alias=True) "to serialize responses using aliases".
class OutlineOrderItem(BaseModel):
    model_config = {"populate_by_name": True, "alias_generator": to_camel}

    product_id: int
    quantity: int


outline_app = FastAPI()


@outline_app.post("/as-model")
def return_the_model(item: OutlineOrderItem) -> OutlineOrderItem:
    return item


@outline_app.post("/as-dict")
def return_model_dump(item: OutlineOrderItem) -> dict[str, int]:
    return item.model_dump()


@outline_app.post("/by-name", response_model_by_alias=False)
def answer_by_name(item: OutlineOrderItem) -> OutlineOrderItem:
    return item


# --8<-- [end:outline]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    body = {"productId": 7, "unitPrice": "9.99", "quantity": 2}
    print(client.post("/order-lines", json=body).json())
    #> {'productId': 7, 'unitPrice': '9.99', 'quantity': 2}
    # validate_by_name: the Python names are accepted too; the answer uses aliases.
    body = {"product_id": 7, "unit_price": "9.99"}
    print(client.post("/order-lines", json=body).json())
    #> {'productId': 7, 'unitPrice': '9.99', 'quantity': 1}
    # extra="forbid": a misspelt key is an error; the missing key is named by alias.
    body = {"productID": 7, "unitPrice": "9.99"}
    print(
        [
            (e["type"], e["loc"])
            for e in client.post("/order-lines", json=body).json()["detail"]
        ]
    )
    #> [('missing', ['body', 'productId']), ('extra_forbidden', ['body', 'productID'])]
    # --8<-- [end:demo]

    # --8<-- [start:more]
    line = OrderLine(product_id=7, unit_price=Decimal("9.99"))
    # In Python, model_dump() uses the names unless you ask for the aliases.
    print(line.model_dump(), line.model_dump(by_alias=True))
    '''
    {'product_id': 7, 'unit_price': Decimal('9.99'), 'quantity': 1}
    {'productId': 7, 'unitPrice': Decimal('9.99'), 'quantity': 1}
    '''
    # The schema documents the aliases only, in the request and in the response.
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    print(list(schema["OrderLine-Input"]["properties"]))
    #> ['productId', 'unitPrice', 'quantity']
    print(schema["OrderLine-Input"]["additionalProperties"])
    #> False

    # A single alias: the name itself is refused, since validate_by_name is off.
    print(client.post("/legacy/items", json={"ItemID": 1, "Cost_USD": 5}).json())
    #> {'ItemID': 1, 'Cost_USD': '5'}
    body = {"item_id": 1, "Cost_USD": 5}
    print([e["type"] for e in client.post("/legacy/items", json=body).json()["detail"]])
    #> ['missing', 'extra_forbidden']

    # The outline's advice: return model_dump(by_alias=True) to get the aliases.
    # FastAPI writes a returned model with them; a plain model_dump() loses them.
    outline = TestClient(outline_app)
    for path in ("/as-model", "/as-dict", "/by-name"):
        print(path, outline.post(path, json={"productId": 7, "quantity": 2}).json())
        #> /as-model {'productId': 7, 'quantity': 2}
        #> /as-dict {'product_id': 7, 'quantity': 2}
        #> /by-name {'product_id': 7, 'quantity': 2}
    # response_model_by_alias=False: the response uses the names, the docs the aliases.
    docs = outline.get("/openapi.json").json()["components"]["schemas"]
    print(list(docs["OutlineOrderItem"]["properties"]))
    #> ['productId', 'quantity']
# --8<-- [end:more]
