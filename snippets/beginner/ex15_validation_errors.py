# --8<-- [start:app]
from typing import Annotated

from fastapi import FastAPI, Header, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI()

# FastAPI answers 400, before any validation, to a body it cannot parse at all.
UNREADABLE_BODY = {status.HTTP_400_BAD_REQUEST: {"description": "Unreadable body"}}


class Product(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0, allow_inf_nan=False)  # refuse Infinity and NaN
    quantity: int = Field(ge=0)


@app.post("/products", responses=UNREADABLE_BODY)
def create_product(product: Product) -> Product:
    return product


@app.get("/products")
def list_products(
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, int]:
    return {"page": page, "size": size}


@app.get("/echo/{times}")
def echo(
    times: Annotated[int, Path(ge=1, le=3)],
    value: int,
    x_api_version: Annotated[int, Header()] = 1,
) -> dict:
    return {"values": [value] * times, "api_version": x_api_version}


class SignUp(BaseModel):
    email: str
    password: str = Field(min_length=12)


@app.post("/signup", responses=UNREADABLE_BODY)
def sign_up(form: SignUp) -> dict[str, str]:
    return {"email": form.email}  # a real app would hash and store the password


# --8<-- [end:app]


# --8<-- [start:safe]
@app.exception_handler(RequestValidationError)
async def validation_error_without_input(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    # Keep where and why; drop "input" (what the client sent) and "ctx".
    errors = [
        {"type": error["type"], "loc": error["loc"], "msg": error["msg"]}
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": errors}
    )


# --8<-- [end:safe]


# --8<-- [start:naive]
# Two routes as most apps write them: a plain float price, and FastAPI's default
# 422 handler. A second app, there to be broken: `fastapi dev` serves only `app`.
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
    naive_client = TestClient(naive_app, raise_server_exceptions=False)

    # FastAPI's default 422 (naive_app): one entry per error, with what was sent.
    bad_product = {"name": "", "price": -5, "quantity": 2}
    response = naive_client.post("/products", json=bad_product)
    print(response.status_code, response.json())
    '''
    422
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

    # The app's own handler keeps type, loc and msg.
    print(client.post("/products", json=bad_product).json())
    '''
    {
        'detail': [
            {
                'type': 'string_too_short',
                'loc': ['body', 'name'],
                'msg': 'String should have at least 1 character',
            },
            {
                'type': 'greater_than',
                'loc': ['body', 'price'],
                'msg': 'Input should be greater than 0',
            },
        ]
    }
    '''

    # Query, path and header errors name where the bad value was: loc[0].
    response = client.get("/echo/9?value=abc", headers={"X-Api-Version": "x"})
    print([(error["loc"], error["msg"]) for error in response.json()["detail"]])
    '''
    [
        (['path', 'times'], 'Input should be less than or equal to 3'),
        (
            ['query', 'value'],
            'Input should be a valid integer, unable to parse string as an integer',
        ),
        (
            ['header', 'x-api-version'],
            'Input should be a valid integer, unable to parse string as an integer',
        ),
    ]
    '''

    # Broken JSON: loc holds the character position where parsing failed.
    broken = b'{"name": "Lamp", "price": 10,}'
    headers = {"Content-Type": "application/json"}
    print(client.post("/products", content=broken, headers=headers).json())
    '''
    {
        'detail': [
            {'type': 'json_invalid', 'loc': ['body', 29], 'msg': 'JSON decode error'}
        ]
    }
    '''
    # Bytes that are not text at all: 400, and no validation happens.
    response = client.post("/products", content=b"\xff", headers=headers)
    print(response.status_code, response.json())
    #> 400 {'detail': 'There was an error parsing the body'}

    # "input" echoes what was sent. For a missing field, that is the whole body,
    # so a perfectly valid password comes back in the error.
    no_email = {"password": "correct horse battery"}
    print(naive_client.post("/signup", json=no_email).json())
    '''
    {
        'detail': [
            {
                'type': 'missing',
                'loc': ['body', 'email'],
                'msg': 'Field required',
                'input': {'password': 'correct horse battery'},
            }
        ]
    }
    '''
    print(client.post("/signup", json=no_email).json())
    '''
    {'detail': [{'type': 'missing', 'loc': ['body', 'email'], 'msg': 'Field required'}]}
    '''

    # NaN is not JSON, but Python's parser reads it. Refused, it is echoed in
    # "input", which JSON cannot write: the default 422 becomes a 500.
    nan_name = b'{"name": NaN, "price": 10, "quantity": 1}'
    response = naive_client.post("/products", content=nan_name, headers=headers)
    print(response.status_code, response.text)
    #> 500 Internal Server Error
    print(client.post("/products", content=nan_name, headers=headers).json())
    '''
    {
        'detail': [
            {
                'type': 'string_type',
                'loc': ['body', 'name'],
                'msg': 'Input should be a valid string',
            }
        ]
    }
    '''

    # 1e400 is valid JSON, and too big for a float: it becomes infinity. A plain
    # float accepts it, and the answer writes it as null.
    huge_price = b'{"name": "Lamp", "price": 1e400, "quantity": 1}'
    response = naive_client.post("/products", content=huge_price, headers=headers)
    print(response.status_code, response.json())
    #> 200 {'name': 'Lamp', 'price': None, 'quantity': 1}
    print(client.post("/products", content=huge_price, headers=headers).json())
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
# --8<-- [end:demo]
