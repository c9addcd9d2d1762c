import logging

import httpx2
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from transcripts import serve


def test_each_domain_error_keeps_its_status_and_code(client):
    response = client.get("/users/7")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No such user",
        "details": {"user_id": 7},
    }
    response = client.post("/orders", params={"quantity": 101})
    assert response.status_code == 409
    assert response.json() == {
        "code": "rule_violated",
        "message": "At most 100 items per order",
        "details": {"limit": 100},
    }
    assert client.get("/users/1").json() == {"name": "alice"}
    assert client.post("/orders", params={"quantity": 100}).status_code == 201


@pytest.mark.parametrize("quantity", [0, -5])
def test_an_order_needs_a_positive_quantity(client, quantity):
    assert client.post("/orders", params={"quantity": quantity}).status_code == 422


def test_every_domain_error_is_declared(client):
    paths = client.get("/openapi.json").json()["paths"]
    user = paths["/users/{user_id}"]["get"]["responses"]
    order = paths["/orders"]["post"]["responses"]
    assert set(user) == {"200", "404", "422"}
    assert set(order) == {"201", "409", "422"}
    assert user["404"]["description"] == "The resource does not exist."
    assert order["409"]["description"].startswith("The request is well formed")


def app_with_handlers(example, order):
    """A fresh app with the handlers of AppError and UnavailableError, in `order`."""
    app = FastAPI()
    handlers = {
        example.AppError: example.app_error,
        example.UnavailableError: example.unavailable_error,
    }
    for cls in order:
        app.exception_handler(cls)(handlers[cls])

    @app.get("/down")
    def down():
        raise example.UnavailableError("down")

    return app


@pytest.mark.parametrize("specific_first", [True, False])
def test_the_most_specific_handler_wins_whatever_the_registration_order(
    example, specific_first
):
    order = [example.UnavailableError, example.AppError]
    app = app_with_handlers(example, order if specific_first else order[::-1])
    response = TestClient(app).get("/down")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


def test_a_handled_5xx_is_logged_only_where_the_handler_logs_it(example, caplog):
    @example.app.get("/down")
    def down():
        raise example.UnavailableError("The rates service is down")

    with caplog.at_level(logging.ERROR):
        TestClient(example.app).get("/down")
    assert [r.getMessage() for r in caplog.records] == [
        "unavailable: The rates service is down"
    ]
    assert caplog.records[0].exc_info[0] is example.UnavailableError
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = TestClient(example.naive_app).get("/payments")
    assert response.status_code == 502
    assert caplog.records == []  # the outline's handled 502: no trace in any log


def test_an_http_middleware_sees_the_response_never_the_domain_exception(example):
    """The outline says middleware can tell domain errors apart for metrics."""
    app = FastAPI()
    app.exception_handler(example.AppError)(example.app_error)
    seen = []

    @app.middleware("http")
    async def record(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception as exc:
            seen.append(type(exc).__name__)
            raise
        seen.append(response.status_code)
        return response

    @app.get("/missing")
    def missing():
        raise example.NotFoundError("gone")

    @app.get("/bug")
    def bug():
        raise KeyError("bug")

    client = TestClient(app, raise_server_exceptions=False)
    client.get("/missing")
    client.get("/bug")
    assert seen == [404, "KeyError"]  # only the bug arrives as an exception


def test_the_routers_own_errors_get_the_same_shape(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.json() == {
        "code": "http_404",
        "message": "Not Found",
        "details": {},
    }
    response = client.delete("/orders")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_fastapis_httpexception_is_a_starlette_one(example):
    from fastapi import HTTPException
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert issubclass(HTTPException, StarletteHTTPException)

    @example.app.get("/teapot")
    def teapot():
        raise HTTPException(418, "short and stout", headers={"X-Pot": "tea"})

    response = TestClient(example.app).get("/teapot")
    assert response.status_code == 418
    assert response.headers["x-pot"] == "tea"
    assert response.json()["code"] == "http_418"


def test_without_the_router_handler_the_shapes_differ(example):
    naive = TestClient(example.naive_app)
    assert naive.get("/no/such/path").json() == {"detail": "Not Found"}


def test_a_bug_reaches_the_client_as_a_bare_500_and_the_log_as_a_traceback(example):
    """Served by uvicorn: the client gets the Exception handler's body, and uvicorn's
    error log gets the traceback, because Starlette raises the exception again."""

    @example.app.get("/broken")
    def broken():
        return {"total": {"price": 5}["prices"]}

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    with serve(example.app) as base_url:
        server_log = logging.getLogger("uvicorn.error")
        server_log.addHandler(handler)
        try:
            response = httpx2.get(base_url + "/broken")
        finally:
            server_log.removeHandler(handler)
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "Internal error",
        "details": {},
    }
    assert "prices" not in response.text
    messages = [record.getMessage().strip() for record in records]
    assert messages == ["Exception in ASGI application"]
    assert records[0].exc_info[0] is KeyError


def test_the_outline_design_sends_the_drivers_words_and_accepts_negative_orders(
    example,
):
    naive = TestClient(example.naive_app)
    message = naive.get("/payments").json()["message"]
    assert "10.0.3.7:5432" in message
    assert naive.post("/orders", params={"quantity": -5}).json() == {"quantity": -5}


def test_debug_true_sends_the_traceback_instead_of_calling_the_handler(example):
    app = FastAPI(debug=True)
    app.exception_handler(Exception)(example.unexpected_error)

    @app.get("/broken")
    def broken():
        secret = "hunter2"
        return {}[secret]

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/broken")
    assert response.status_code == 500
    assert response.text.startswith("Traceback (most recent call last):")
    assert "hunter2" in response.text and __file__ in response.text
    page = client.get("/broken", headers={"accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "KeyError: &#x27;hunter2&#x27;" in page.text  # the value, in a heading
