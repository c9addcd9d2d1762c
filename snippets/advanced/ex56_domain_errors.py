# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:app]
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse

app = FastAPI()


class AppError(Exception):
    status_code, code = 500, "internal_error"  # each subclass sets its own

    def __init__(self, message: str, **details: str | int) -> None:
        super().__init__(message)
        self.message, self.details = message, details


class NotFoundError(AppError):
    """The resource does not exist."""

    status_code, code = 404, "not_found"


class RuleViolation(AppError):
    """The request is well formed, and a business rule refuses it."""

    status_code, code = 409, "rule_violated"


# Starlette walks the exception's classes (its __mro__) and calls the handler of the
# first one that has a handler: this one answers for every AppError subclass.
@app.exception_handler(AppError)
async def app_error(request: Request, exc: AppError) -> JSONResponse:
    body = {"code": exc.code, "message": exc.message, "details": exc.details}
    return JSONResponse(body, status_code=exc.status_code)


def declare(*errors: type[AppError]) -> dict:  # responses= for the errors it lists
    return {e.status_code: {"description": e.__doc__} for e in errors}


@app.get("/users/{user_id}", responses=declare(NotFoundError))
def read_user(user_id: int) -> dict[str, str]:
    if user_id != 1:
        raise NotFoundError("No such user", user_id=user_id)
    return {"name": "alice"}


@app.post("/orders", status_code=201, responses=declare(RuleViolation))
def create_order(quantity: Annotated[int, Query(gt=0)]) -> dict[str, int]:
    if quantity > 100:
        raise RuleViolation("At most 100 items per order", limit=100)
    return {"quantity": quantity}


# --8<-- [end:app]


# --8<-- [start:unexpected]
@app.exception_handler(Exception)
async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # A bug: no handler of a more specific class claimed it. The client learns nothing
    # about it; Starlette raises the exception again once this response is sent, so
    # the server still logs its traceback.
    body = {"code": "internal_error", "message": "Internal error", "details": {}}
    return JSONResponse(body, status_code=500)


# --8<-- [end:unexpected]


# --8<-- [start:http_errors]
from starlette.exceptions import HTTPException as StarletteHTTPException


# The router's own 404 (no such path) and 405 (no such method) are Starlette
# HTTPExceptions, as is FastAPI's HTTPException (a subclass): one shape for them too.
@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    body = {"code": f"http_{exc.status_code}", "message": exc.detail, "details": {}}
    # exc.headers matters: a 405 carries the Allow header that HTTP requires.
    return JSONResponse(body, exc.status_code, headers=exc.headers)


# --8<-- [end:http_errors]


# --8<-- [start:unavailable]
import logging

logger = logging.getLogger(__name__)


class UnavailableError(AppError):
    """A service this one depends on is down; try again later."""

    status_code, code = 503, "unavailable"


# More specific than AppError, so Starlette picks it for UnavailableError, whatever
# the order in which the two handlers were registered.
@app.exception_handler(UnavailableError)
async def unavailable_error(request: Request, exc: UnavailableError) -> JSONResponse:
    # A handled exception never reaches the server's error log: write it there.
    logger.error("%s: %s", exc.code, exc.message, exc_info=exc)
    response = await app_error(request, exc)
    response.headers["Retry-After"] = "30"
    return response


# --8<-- [end:unavailable]


# --8<-- [start:naive]
# The outline's design in short, on a second app that `fastapi dev` does not serve.
naive_app = FastAPI()


class DriverError(Exception):
    """What a database driver or an HTTP client raises, with its own message."""


class ExternalServiceError(AppError):
    status_code, code = 502, "external_service_error"


@naive_app.exception_handler(AppError)
async def naive_app_error(request: Request, exc: AppError) -> JSONResponse:
    return JSONResponse({"code": exc.code, "message": exc.message}, exc.status_code)


@naive_app.get("/payments")
def naive_payments() -> dict[str, str]:
    try:
        raise DriverError("login failed for user pay at 10.0.3.7:5432")
    except DriverError as exc:
        # WRONG: the driver's own words, host and user name included, reach the client.
        raise ExternalServiceError(f"Payments failed: {exc}") from exc


@naive_app.post("/orders")
def naive_create_order(quantity: int) -> dict[str, int]:  # WRONG: 0 and -5 pass
    return {"quantity": quantity}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/users/7")
    print(response.status_code, response.json())
    #> 404 {'code': 'not_found', 'message': 'No such user', 'details': {'user_id': 7}}
    print(list(app.openapi()["paths"]["/orders"]["post"]["responses"]))
    #> ['201', '409', '422']
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A bug: the client gets a 500 that says nothing about it.
    @app.get("/broken")
    def broken():
        return {"total": {"price": 5}["prices"]}  # KeyError: 'prices'

    response = client.get("/broken")
    print(response.status_code, response.json())
    #> 500 {'code': 'internal_error', 'message': 'Internal error', 'details': {}}

    # The classes Starlette tries, in order, for an UnavailableError: the first one
    # with a handler wins, so the specific handler beats AppError's.
    print([cls.__name__ for cls in UnavailableError.__mro__])
    #> ['UnavailableError', 'AppError', 'Exception', 'BaseException', 'object']

    @app.get("/rates")
    def rates():
        raise UnavailableError("The rates service is down")

    response = client.get("/rates")
    print(
        response.status_code, response.headers["retry-after"], response.json()["code"]
    )
    #> 503 30 unavailable

    # The router's own errors, in the same shape; the 405 keeps its Allow header.
    print(client.get("/no/such/path").json())
    #> {'code': 'http_404', 'message': 'Not Found', 'details': {}}
    response = client.delete("/users/1")
    print(response.status_code, response.headers["allow"], response.json()["code"])
    #> 405 GET http_405

    # The outline's design: the driver's message reaches the client...
    naive = TestClient(naive_app, raise_server_exceptions=False)
    print(naive.get("/payments").json()["message"])
    #> Payments failed: login failed for user pay at 10.0.3.7:5432
    # ...errors it has no handler for keep FastAPI's shape, and -5 items is an order.
    print(naive.get("/no/such/path").json())
    #> {'detail': 'Not Found'}
    print(naive.post("/orders", params={"quantity": -5}).json())
    #> {'quantity': -5}

    # debug=True sends the client the traceback itself, instead of the 500 handler's.
    debug_app = FastAPI(debug=True)
    debug_app.exception_handler(Exception)(unexpected_error)
    debug_app.get("/broken")(broken)
    response = TestClient(debug_app, raise_server_exceptions=False).get("/broken")
    print(response.status_code, response.text.splitlines()[0])
    #> 500 Traceback (most recent call last):
# --8<-- [end:more]
