# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI()

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]  # Example 8's


class Product(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: Money = Field(gt=0)


@app.post("/products", responses={400: {"description": "Unreadable body"}})
def create_product(product: Product) -> Product:
    return product


@app.get("/echo/{times}")
def echo(
    times: Annotated[int, Path(ge=1, le=3)],
    value: int,
    x_api_version: Annotated[int, Header()] = 1,  # the X-Api-Version header
) -> dict:
    return {"values": [value] * times, "api_version": x_api_version}


# Replaces FastAPI's own handler for every validation error of the app.
@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # No "input" and no "ctx": they can hold NaN, raw bytes or a password.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:app]


# --8<-- [start:signup]
class SignUp(BaseModel):
    email: str
    password: str = Field(min_length=12)


@app.post("/signup", responses={400: {"description": "Unreadable body"}})
def sign_up(form: SignUp) -> dict[str, str]:
    return {"email": form.email}  # a real app would hash and store the password


# --8<-- [end:signup]


# --8<-- [start:naive]
# The outline's product, with a plain float price, and the same sign-up route, both
# answered by FastAPI's own 422 handler. A second app, there to be broken.
naive_app = FastAPI()


class NaiveProduct(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)  # WRONG: infinity is greater than 0
    quantity: int = Field(ge=0)


@naive_app.post("/products")
def create_naive_product(product: NaiveProduct) -> NaiveProduct:
    return product


naive_app.add_api_route("/signup", sign_up, methods=["POST"])  # the same route


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # Every error of the request at once: its kind (type), and where it was (loc).
    response = client.get("/echo/9?value=abc", headers={"X-Api-Version": "x"})
    print([(error["loc"], error["type"]) for error in response.json()["detail"]])
    '''
    [
        (['path', 'times'], 'less_than_equal'),
        (['query', 'value'], 'int_parsing'),
        (['header', 'x-api-version'], 'int_parsing'),
    ]
    '''
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Each entry also has a message (msg).
    response = client.post("/products", json={"price": 0})
    print(response.status_code, response.json()["detail"][0])
    #> 422 {'type': 'missing', 'loc': ['body', 'name'], 'msg': 'Field required'}

    # Broken JSON (a comma is missing): loc holds the position where parsing failed.
    broken = b'{"name": "Lamp" "price": 10}'
    headers = {"Content-Type": "application/json"}
    print(client.post("/products", content=broken, headers=headers).json()["detail"])
    #> [{'type': 'json_invalid', 'loc': ['body', 16], 'msg': 'JSON decode error'}]

    naive_client = TestClient(naive_app, raise_server_exceptions=False)

    # FastAPI's own 422 (naive_app): "input" is what was sent, "ctx" the rule's limit.
    bad_product = {"name": "", "price": -5, "quantity": 2}
    print(naive_client.post("/products", json=bad_product).json())
    '''
    {
        'detail': [
            {
                'type': 'string_too_short',
                'loc': ['body', 'name'],
                'msg': 'String should have at least 1 character',
                'input': '',
                'ctx': {'min_length': 1},
            },
            {
                'type': 'greater_than',
                'loc': ['body', 'price'],
                'msg': 'Input should be greater than 0',
                'input': -5,
                'ctx': {'gt': 0.0},
            },
        ]
    }
    '''

    # For a missing field, "input" is the whole body: a valid password comes back.
    no_email = {"password": "correct horse battery"}
    print(naive_client.post("/signup", json=no_email).json()["detail"][0]["input"])
    #> {'password': 'correct horse battery'}
    print(client.post("/signup", json=no_email).json())
    '''
    {'detail': [{'type': 'missing', 'loc': ['body', 'email'], 'msg': 'Field required'}]}
    '''

    # NaN is not JSON, but Python's parser reads it. Refused, it is copied into
    # "input", which JSON cannot write: FastAPI's own 422 becomes a 500.
    nan_name = b'{"name": NaN, "price": 10, "quantity": 1}'
    response = naive_client.post("/products", content=nan_name, headers=headers)
    print(response.status_code, response.text)
    #> 500 Internal Server Error
    print(client.post("/products", content=nan_name, headers=headers).status_code)
    #> 422

    # 1e400 is valid JSON, too big for a float: infinity. A plain float accepts it,
    # and the answer writes it as null; Money refuses it.
    huge_price = b'{"name": "Lamp", "price": 1e400, "quantity": 1}'
    response = naive_client.post("/products", content=huge_price, headers=headers)
    print(response.status_code, response.json())
    #> 200 {'name': 'Lamp', 'price': None, 'quantity': 1}
    response = client.post("/products", content=huge_price, headers=headers)
    print(response.json()["detail"][0]["type"])
    #> finite_number

    # Bytes that are not text at all: 400, and no validation happens.
    response = client.post("/products", content=b"\xff", headers=headers)
    print(response.status_code, response.json())
    #> 400 {'detail': 'There was an error parsing the body'}
# --8<-- [end:more]
