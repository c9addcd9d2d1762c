# --8<-- [start:app]
from typing import Annotated

from fastapi import FastAPI, Header, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI()


class Product(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)
    quantity: int = Field(ge=0)


@app.post("/products")
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
    x_request_id: Annotated[int | None, Header()] = None,
) -> dict:
    return {"values": [value] * times, "request_id": x_request_id}


class SignUp(BaseModel):
    email: str
    password: str = Field(min_length=12)


@app.post("/signup")
def sign_up(form: SignUp) -> dict[str, str]:
    return {"email": form.email}  # a real app would hash and store the password


# --8<-- [end:app]


# --8<-- [start:safe]
safe_app = FastAPI()
safe_app.add_api_route("/signup", sign_up, methods=["POST"])  # the same route


@safe_app.exception_handler(RequestValidationError)
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

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    response = client.post("/products", json={"name": "", "price": -5, "quantity": 2})
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

    # Query, path and header errors name where the bad value was: loc[0].
    print(client.get("/products?page=0&size=500").json())
    '''
    {
        'detail': [
            {
                'type': 'greater_than_equal',
                'loc': ['query', 'page'],
                'msg': 'Input should be greater than or equal to 1',
                'input': '0',
                'ctx': {'ge': 1},
            },
            {
                'type': 'less_than_equal',
                'loc': ['query', 'size'],
                'msg': 'Input should be less than or equal to 100',
                'input': '500',
                'ctx': {'le': 100},
            },
        ]
    }
    '''
    response = client.get("/echo/9?value=abc", headers={"X-Request-Id": "x"})
    print([(error["loc"], error["msg"]) for error in response.json()["detail"]])
    '''
    [
        (['path', 'times'], 'Input should be less than or equal to 3'),
        (
            ['query', 'value'],
            'Input should be a valid integer, unable to parse string as an integer',
        ),
        (
            ['header', 'x-request-id'],
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
            {
                'type': 'json_invalid',
                'loc': ['body', 29],
                'msg': 'JSON decode error',
                'input': {},
                'ctx': {'error': 'Expecting property name enclosed in double quotes'},
            }
        ]
    }
    '''

    # "input" echoes what was sent. For a missing field, that is the whole body,
    # so a perfectly valid password comes back in the error.
    print(client.post("/signup", json={"password": "correct horse battery"}).json())
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

    safe_client = TestClient(safe_app)
    print(
        safe_client.post("/signup", json={"password": "correct horse battery"}).json()
    )
    '''
    {'detail': [{'type': 'missing', 'loc': ['body', 'email'], 'msg': 'Field required'}]}
    '''
# --8<-- [end:demo]
