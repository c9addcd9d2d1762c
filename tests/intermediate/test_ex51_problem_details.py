"""What Example 51 claims beyond its prints: every error the app can give, whatever its
source, is an RFC 9457 problem with its content type, and /docs says so."""

import http
import logging
import sys
import time

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from transcripts import serve

PROBLEM_JSON = "application/problem+json"
JSON = {"content-type": "application/json"}


@pytest.fixture
def client(example):
    return TestClient(example.app, raise_server_exceptions=False)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert set(body) <= {"type", "title", "status", "detail", "errors"}
    return body


@pytest.mark.parametrize(
    ("method", "path", "status", "title"),
    [
        ("GET", "/items/2", 404, "Not Found"),  # HTTPException
        ("GET", "/nowhere", 404, "Not Found"),  # the router
        ("DELETE", "/items/1", 405, "Method Not Allowed"),  # the router
        ("HEAD", "/items/1", 405, "Method Not Allowed"),  # GET does not mean HEAD
        ("GET", "/items/two", 422, "Unprocessable Content"),  # validation
        ("GET", "/items/99999999999999999999999", 404, "Not Found"),  # a big int
        ("POST", "/orders", 422, "Unprocessable Content"),  # no body
    ],
)
def test_every_kind_of_error_is_a_problem(client, method, path, status, title):
    response = client.request(method, path)
    if method == "HEAD":
        assert response.status_code == status and response.content == b""
        assert response.headers["content-type"] == PROBLEM_JSON
        return
    assert assert_problem(response, status)["title"] == title


def test_a_405_keeps_its_allow_header(client):
    response = client.put("/items/1")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_an_httpexception_keeps_its_headers(example):
    app = example.app
    route = "/tests-only/private"

    @app.get(route)
    async def private():
        raise example.HTTPException(
            401, "Sign in first.", headers={"WWW-Authenticate": "Bearer"}
        )

    try:
        response = TestClient(app).get(route)
        assert assert_problem(response, 401)["detail"] == "Sign in first."
        assert response.headers["www-authenticate"] == "Bearer"
    finally:
        app.router.routes = [r for r in app.router.routes if r.path != route]


def test_a_detail_that_is_not_a_string_is_left_out_not_turned_into_a_repr(example):
    app = FastAPI()
    app.exception_handlers.update(example.app.exception_handlers)

    @app.get("/")
    async def structured():
        raise example.HTTPException(409, {"code": "taken"})

    body = assert_problem(TestClient(app).get("/"), 409)
    assert "detail" not in body


def test_validation_errors_list_type_loc_and_msg_only(client):
    response = client.post("/orders", json={"item_id": "one", "quantity": 101})
    body = assert_problem(response, 422)
    assert body["detail"] == "The request is not valid."
    assert body["errors"] == [
        {
            "type": "int_parsing",
            "loc": ["body", "item_id"],
            "msg": "Input should be a valid integer, unable to parse string as an "
            "integer",
        },
        {
            "type": "less_than_equal",
            "loc": ["body", "quantity"],
            "msg": "Input should be less than or equal to 100",
        },
    ]


@pytest.mark.parametrize(
    "content",
    [
        b'{"item_id": NaN, "quantity": 1}',
        b"[NaN]",
        b'{"item_id": 1, "quantity": 1e400}',
    ],
)
def test_values_json_cannot_write_are_still_a_422_problem(client, content):
    assert_problem(client.post("/orders", content=content, headers=JSON), 422)


def test_a_body_that_is_not_text_is_a_400_problem(client):
    content = '{"item_id": 1, "quantity": "é"}'.encode("latin-1")
    body = assert_problem(client.post("/orders", content=content, headers=JSON), 400)
    assert body["detail"] == "There was an error parsing the body"


def test_a_valid_order_is_created(client):
    response = client.post("/orders", json={"item_id": 1, "quantity": 12})
    assert response.status_code == 201
    assert response.json() == {"item_id": 1, "quantity": 12}


def crashing_copy(example, debug: bool = False) -> FastAPI:
    app = FastAPI(debug=debug)
    app.exception_handlers.update(example.app.exception_handlers)

    @app.get("/bug")
    async def bug():
        raise RuntimeError("password=hunter2")

    return app


def test_an_unhandled_exception_is_a_500_problem_that_leaks_nothing(example):
    response = TestClient(crashing_copy(example), raise_server_exceptions=False).get(
        "/bug"
    )
    body = assert_problem(response, 500)
    assert body == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
    }
    assert (
        b"hunter2" not in response.content and b"RuntimeError" not in response.content
    )


class Remember(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_the_exception_still_reaches_the_server_log(example):
    """Starlette calls the handler, then raises the exception again, and uvicorn logs
    it with its traceback: the client gets nothing, the operator everything."""
    remember = Remember()
    server_log = logging.getLogger("uvicorn.error")
    with serve(crashing_copy(example)) as base_url:
        server_log.addHandler(remember)  # now: uvicorn configured its loggers on start
        try:
            response = httpx2.get(f"{base_url}/bug")
            deadline = time.monotonic() + 10  # uvicorn logs once the response is sent
            while not remember.records and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            server_log.removeHandler(remember)
    assert_problem(response, 500)
    (record,) = [r for r in remember.records if r.exc_info]
    assert "hunter2" in str(record.exc_info[1])


def test_debug_mode_bypasses_the_handler_and_shows_the_traceback(example):
    """Never serve FastAPI(debug=True): its error page wins over every handler."""
    response = TestClient(
        crashing_copy(example, debug=True), raise_server_exceptions=False
    ).get("/bug", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert (
        "hunter2" in response.text and "text/html" in response.headers["content-type"]
    )


def test_titles_follow_rfc_9110_on_every_python(example):
    """Python 3.13 renamed these phrases; before it, HTTPStatus has the old ones."""
    old = {413: "Request Entity Too Large", 422: "Unprocessable Entity"}
    for status, title in example.TITLES.items():
        expected = title if sys.version_info >= (3, 13) else old[status]
        assert http.HTTPStatus(status).phrase == expected
    body = example.problem(413).body
    assert b'"title":"Content Too Large"' in body


def test_the_schema_declares_problems_for_every_error_status(example):
    schema = example.app.openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith(("4", "5")):
                    assert list(content) == [PROBLEM_JSON], (path, method, status)
    assert "HTTPValidationError" not in schema.get("components", {}).get("schemas", {})
    get = schema["paths"]["/items/{item_id}"]["get"]["responses"]
    assert set(get) == {"200", "404", "422", "500"}


def test_the_schema_is_valid_openapi(example):
    import schemathesis

    schemathesis.openapi.from_asgi("/openapi.json", example.app).validate()


# The outline's version (naive_app).


@pytest.fixture
def naive(example):
    return TestClient(example.naive_app, raise_server_exceptions=False)


def test_the_outlines_handler_misses_the_routers_own_errors(naive):
    assert naive.get("/items/2").json() == {
        "error_code": "HTTP_ERROR",
        "message": "Item not found",
        "details": None,
    }
    assert naive.get("/nowhere").json() == {"detail": "Not Found"}
    assert naive.delete("/items/2").json() == {"detail": "Method Not Allowed"}


def test_the_outlines_unhandled_exception_is_plain_text_not_html(naive):
    response = naive.get("/bug")
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Internal Server Error"


def test_the_outlines_handler_drops_headers(naive):
    response = naive.get("/admin")
    assert response.status_code == 401
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    "content", [b'{"quantity": 5}', b'{"quantity": NaN}', b'{"quantity": "x", "y": 1}']
)
def test_the_outlines_validation_handler_turns_some_422s_into_500s(naive, content):
    response = naive.post("/orders", content=content, headers=JSON)
    if content == b'{"quantity": "x", "y": 1}':
        assert response.status_code == 422  # an error JSON can write
    else:
        assert response.status_code == 500  # an exception in ctx, or NaN in input


def test_the_outlines_docs_still_promise_fastapis_422(example):
    schema = example.naive_app.openapi()
    response = schema["paths"]["/orders"]["post"]["responses"]["422"]
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPValidationError"
    }


def test_the_outlines_route_accepts_a_valid_order(naive):
    assert naive.post("/orders", json={"quantity": 24}).json() == {"quantity": 24}


def test_the_outlines_handler_turns_a_dict_detail_into_its_repr(example):
    app = example.naive_app
    route = "/tests-only/conflict"

    @app.get(route)
    async def conflict():
        raise example.HTTPException(409, {"code": "taken"})

    try:
        body = TestClient(app).get(route).json()
    finally:
        app.router.routes = [r for r in app.router.routes if r.path != route]
    assert body["message"] == "{'code': 'taken'}"
