import time
import urllib.error
import urllib.request
from typing import Annotated

import pytest
from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.middleware.base import BaseHTTPMiddleware

from transcripts import serve

SUCCESS = [
    "middleware: before GET /orders/1",
    "dependency: open session",
    "dependency: load order 1",
    "handler",
    "response model: validate and filter",
    "middleware: after, status 200",
    "response sent",
    "background task: send receipt for order 1",
    "dependency: close session",
]


@pytest.fixture
def timeline(example, monkeypatch):
    events = []
    monkeypatch.setattr(example, "timeline", events)
    return events


def wait_for(events: list[str], last: str) -> list[str]:
    """With a real server, work after the response goes on after the client has it."""
    deadline = time.monotonic() + 5
    while last not in events and time.monotonic() < deadline:
        time.sleep(0.01)
    return events


def test_a_real_server_goes_through_the_same_stages_in_the_same_order(
    example, timeline
):
    with serve(example.app) as base_url:
        assert timeline == ["lifespan: startup"]  # uvicorn runs the lifespan itself
        timeline.clear()
        with urllib.request.urlopen(base_url + "/orders/1", timeout=5) as response:
            assert response.read() == b'{"id":1,"status":"shipped"}'
        assert wait_for(timeline, "dependency: close session") == SUCCESS
    assert timeline[-1] == "lifespan: shutdown"


def test_an_unhandled_error_skips_the_middlewares_after_step_on_a_real_server(
    example, timeline
):
    with serve(example.broken_app) as base_url:
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(base_url + "/broken", timeout=5)
        assert error.value.code == 500
        assert error.value.read() == b"Internal Server Error"
        assert error.value.headers["content-type"] == "text/plain; charset=utf-8"
        wait_for(timeline, "dependency: close session")
    assert not any(event.startswith("middleware: after") for event in timeline)
    assert "response sent" not in timeline


def test_the_route_with_a_bug_is_not_on_the_served_app(client):
    assert client.get("/broken").status_code == 404


def test_broken_app_goes_through_the_same_layers_as_app(example):
    layers = [(m.cls, m.kwargs) for m in example.app.user_middleware]
    assert [(m.cls, m.kwargs) for m in example.broken_app.user_middleware] == layers
    assert (
        example.broken_app.router.lifespan_context
        is example.app.router.lifespan_context
    )


def test_a_missing_order_is_a_documented_404(client):
    responses = client.get("/openapi.json").json()["paths"]["/orders/{order_id}"]["get"]
    assert sorted(responses["responses"]) == ["200", "404", "422"]
    assert responses["responses"]["404"] == {"description": "Order not found"}


def test_the_response_model_filters_out_fields_it_does_not_declare(client):
    response = client.get("/orders/1")
    assert response.json() == {"id": 1, "status": "shipped"}
    assert "internal_note" not in response.text and "fragile" not in response.text


def test_a_missing_order_is_404_and_the_handler_never_runs(client, timeline):
    response = client.get("/orders/2")
    assert response.status_code == 404
    assert response.json() == {"detail": "Order not found"}
    assert "handler" not in timeline
    assert not any(event.startswith("background task") for event in timeline)


def test_an_invalid_order_id_is_422_before_any_dependency_runs(client, timeline):
    response = client.get("/orders/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "order_id"]
    assert "dependency: load order" not in " ".join(timeline)


def test_the_recorder_is_the_outermost_of_our_middlewares(example):
    # user_middleware lists the outermost first: the one added last.
    assert [m.cls for m in example.app.user_middleware] == [
        example.ResponseSentRecorder,
        BaseHTTPMiddleware,  # what @app.middleware("http") adds
    ]


def test_without_with_the_lifespan_does_not_run_and_the_request_fails(
    example, timeline
):
    client = TestClient(example.app, raise_server_exceptions=False)
    assert client.get("/orders/1").status_code == 500
    assert "lifespan: startup" not in timeline
    with pytest.raises(AttributeError, match="database"):
        TestClient(example.app).get("/orders/1")


def test_on_event_is_deprecated_which_is_why_the_example_uses_lifespan():
    app = FastAPI()
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        app.on_event("startup")


def test_a_function_scoped_yield_dependency_closes_before_the_response_is_sent():
    """The page's note on Depends(..., scope="function"), checked on a small app."""
    events = []

    def request_scoped():
        yield
        events.append("request-scoped teardown")

    def function_scoped():
        yield
        events.append("function-scoped teardown")

    app = FastAPI()

    @app.get("/")
    def handler(
        a: Annotated[None, Depends(request_scoped)],
        b: Annotated[None, Depends(function_scoped, scope="function")],
        tasks: BackgroundTasks,
    ):
        tasks.add_task(events.append, "background task")
        events.append("handler")

    async def recording_app(scope, receive, send):
        async def record(message):
            await send(message)
            if message["type"] == "http.response.body":
                events.append("response sent")

        await app(scope, receive, record)

    assert TestClient(recording_app).get("/").status_code == 200
    assert events == [
        "handler",
        "function-scoped teardown",
        "response sent",
        "background task",
        "request-scoped teardown",
    ]
