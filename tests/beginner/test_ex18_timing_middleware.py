import re
import uuid

import pytest
from fastapi.testclient import TestClient
from starlette.middleware.base import BaseHTTPMiddleware

PROCESS_TIME = re.compile(r"\d+\.\d{2}ms")


def is_uuid4(value: str) -> bool:
    return str(uuid.UUID(value)) == value and uuid.UUID(value).version == 4


@pytest.mark.parametrize(
    "path, status", [("/slow", 200), ("/whoami", 200), ("/nowhere", 404)]
)
def test_every_answered_request_gets_both_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert PROCESS_TIME.fullmatch(response.headers["x-process-time"])
    assert is_uuid4(response.headers["x-request-id"])


def test_the_measured_time_includes_the_handler(client):
    # The handler awaits asyncio.sleep(0.1): a lower bound, never flaky.
    assert (
        float(client.get("/slow").headers["x-process-time"].removesuffix("ms")) >= 100
    )


def test_handled_errors_pass_through_the_middleware(client):
    response = client.post("/slow")  # the router's 405, an HTTPException handled inside
    assert response.status_code == 405
    assert "x-request-id" in response.headers and "x-process-time" in response.headers


def test_an_unhandled_exception_gets_a_bare_500_without_the_headers(example):
    response = TestClient(example.crash_app, raise_server_exceptions=False).get(
        "/crash"
    )
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "x-request-id" not in response.headers
    assert "x-process-time" not in response.headers


def test_the_served_app_has_no_crashing_route(client, example):
    assert client.get("/crash").status_code == 404
    assert "/crash" not in example.app.openapi()["paths"]


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/whoami").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("incoming", ["checkout-7f3a", "a", "A.b_c-1", "x" * 64])
def test_a_well_formed_incoming_id_is_passed_on(client, incoming):
    response = client.get("/whoami", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming
    assert response.json() == {"request_id": incoming}


@pytest.mark.parametrize(
    "incoming",
    [
        "",
        "x" * 65,
        "42 user=admin",
        "a;b",
        "id\tfake",
        "é".encode(),
        "a/../b",
        '"quoted"',
    ],
)
def test_anything_else_is_replaced_by_a_fresh_uuid(client, incoming):
    response = client.get("/whoami", headers={"X-Request-ID": incoming})
    request_id = response.json()["request_id"]
    assert is_uuid4(request_id) and response.headers["x-request-id"] == request_id


def test_the_last_registered_middleware_runs_first_whichever_way_it_was_added(example):
    example.calls.clear()
    TestClient(example.order_app).get("/")
    assert example.calls == [
        "third: before",
        "second: before",
        "first: before",
        "handler",
        "first: after",
        "second: after",
        "third: after",
    ]
    # The decorator is add_middleware(BaseHTTPMiddleware, dispatch=...): one list, newest first.
    assert {m.cls for m in example.order_app.user_middleware} == {BaseHTTPMiddleware}
    assert [
        m.kwargs["dispatch"].__name__ for m in example.order_app.user_middleware
    ] == [
        "registered_third",
        "registered_second",
        "registered_first",
    ]


def test_fastapis_own_layers_sit_outside_and_inside_yours(example):
    """The page's first diagram: ServerErrorMiddleware outermost, then FastAPI's own
    outer layers, then the middleware you add, then ExceptionMiddleware inside them."""
    layer, names = example.app.build_middleware_stack(), []
    while layer is not example.app.router:
        names.append(type(layer).__name__)
        layer = layer.app
    assert names == [
        "ServerErrorMiddleware",
        "ExceptionTelemetryMiddleware",
        "AppBodyLimitMiddleware",  # FastAPI(max_body_size=...), a no-op when unset
        "BaseHTTPMiddleware",  # time_and_tag_requests
        "ExceptionMiddleware",  # turns HTTPException into a response
        "AsyncExitStackMiddleware",
    ]
