# Each section the page shows brings its own imports, so some are not at the top.
# The model comes first in the file, so that the app can use it; the page shows the
# app first.
# --8<-- [start:model]
from pydantic import BaseModel

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):  # RFC 9457's members
    type: str = "about:blank"  # no page of its own: the status code says it all
    title: str
    status: int
    detail: str | None = None
    errors: list[dict] | None = None  # an extension member: each invalid input


# What a route declares in responses=, so that /docs shows its errors as they are.
PROBLEM = {"content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}}
# --8<-- [end:model]


# --8<-- [start:app]
from http import HTTPStatus

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}  # RFC 9110's names
app = FastAPI(responses={500: PROBLEM})  # every route can fail


def problem(status: int, detail=None, headers=None, errors=None) -> JSONResponse:
    title = TITLES.get(status, HTTPStatus(status).phrase)
    body = Problem(title=title, status=status, detail=detail, errors=errors)
    content = body.model_dump(exclude_none=True)  # members without a value left out
    return JSONResponse(content, status, headers, media_type=PROBLEM_JSON)


@app.exception_handler(StarletteHTTPException)  # yours, and the router's 404 and 405
async def http_error(request: Request, exc: StarletteHTTPException):
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(exc.status_code, detail, exc.headers)  # Allow, WWW-Authenticate...


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # No "input" or "ctx": they can hold values JSON cannot write (Example 15).
    errors = [{key: e[key] for key in ("type", "loc", "msg")} for e in exc.errors()]
    return problem(422, "The request is not valid.", errors=errors)


@app.exception_handler(Exception)
async def unexpected_error(request: Request, exc: Exception):
    return problem(500)  # not a word about the exception: the server's log has it


@app.get("/items/{item_id}", responses={404: PROBLEM, 422: PROBLEM})
async def read_item(item_id: int):
    if item_id != 1:
        raise HTTPException(404, f"There is no item {item_id}.")
    return {"id": 1, "name": "Widget"}


# --8<-- [end:app]

# --8<-- [start:body]
from typing import Annotated

from pydantic import Field


class NewOrder(BaseModel):
    item_id: int
    quantity: Annotated[int, Field(ge=1, le=100)]


# FastAPI answers 400 to a body that is not even text: a problem too, declared.
@app.post("/orders", status_code=201, responses={400: PROBLEM, 422: PROBLEM})
async def create_order(order: NewOrder):
    return order


# --8<-- [end:body]


# --8<-- [start:naive]
# The outline's approach, on an app that fastapi dev does not serve.
from pydantic import AfterValidator

naive_app = FastAPI()


def envelope(code: str, message: str, details=None) -> dict:
    return {"error_code": code, "message": message, "details": details}


@naive_app.exception_handler(HTTPException)  # FastAPI's class: not the router's 404
async def naive_http_error(request: Request, exc: HTTPException):
    # str() of a dict detail is Python's repr; exc.headers are dropped.
    return JSONResponse(envelope("HTTP_ERROR", str(exc.detail)), exc.status_code)


@naive_app.exception_handler(RequestValidationError)
async def naive_validation_error(request: Request, exc: RequestValidationError):
    details = exc.errors()  # with "input" and "ctx": NaN, exceptions...
    return JSONResponse(envelope("VALIDATION_ERROR", "Invalid request", details), 422)


def by_the_dozen(quantity: int) -> int:
    if quantity % 12:
        raise ValueError("sold by the dozen")  # ends up in the error's "ctx"
    return quantity


class Order(BaseModel):
    quantity: Annotated[int, AfterValidator(by_the_dozen)]


@naive_app.get("/items/{item_id}")
async def naive_read_item(item_id: int):
    raise HTTPException(404, "Item not found")


@naive_app.post("/orders")
async def naive_order(order: Order):
    return order


@naive_app.get("/admin")
async def naive_admin():
    raise HTTPException(401, "Not signed in", headers={"WWW-Authenticate": "Bearer"})


@naive_app.get("/bug")
async def naive_bug():
    raise RuntimeError("a bug")  # no handler: Starlette's plain-text 500


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False)
    for path in ["/items/2", "/items/two", "/nowhere"]:
        response = client.get(path)
        body = response.json()
        print(response.headers["content-type"], body["status"], body["title"])
        #> application/problem+json 404 Not Found
        #> application/problem+json 422 Unprocessable Content
        #> application/problem+json 404 Not Found
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A route with a bug, added here only: a 500 problem that says nothing about it.
    @app.get("/bug")
    async def bug():
        raise RuntimeError("password=hunter2")

    print(client.get("/bug").json())
    #> {'type': 'about:blank', 'title': 'Internal Server Error', 'status': 500}

    # The content type, and a header the handler keeps: 405 must say what is allowed.
    response = client.delete("/items/1")
    print(response.headers["content-type"], response.headers["allow"])
    #> application/problem+json GET

    # A JSON body's errors, in the same format, and a NaN that cannot break it.
    response = client.post("/orders", json={"item_id": 1, "quantity": 0})
    print(response.json()["errors"])
    '''
    [
        {
            'type': 'greater_than_equal',
            'loc': ['body', 'quantity'],
            'msg': 'Input should be greater than or equal to 1',
        }
    ]
    '''
    headers = {"content-type": "application/json"}
    response = client.post(
        "/orders", content=b'{"item_id": NaN, "quantity": 1}', headers=headers
    )
    print(response.status_code, response.headers["content-type"])
    #> 422 application/problem+json

    # The outline's version: the router's 404 keeps FastAPI's own format, a validation
    # error with an exception in its "ctx" is a 500, and so is a NaN.
    naive = TestClient(naive_app, raise_server_exceptions=False)
    print(naive.get("/items/2").json())
    #> {'error_code': 'HTTP_ERROR', 'message': 'Item not found', 'details': None}
    print(naive.get("/nowhere").json())
    #> {'detail': 'Not Found'}
    print(naive.post("/orders", json={"quantity": 5}).status_code)
    #> 500
    print(
        naive.post("/orders", content=b'{"quantity": NaN}', headers=headers).status_code
    )
    #> 500
    print("www-authenticate" in naive.get("/admin").headers)
    #> False
    response = naive.get("/bug")
    print(response.headers["content-type"], response.text)
    #> text/plain; charset=utf-8 Internal Server Error
# --8<-- [end:more]
