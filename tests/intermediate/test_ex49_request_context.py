"""What Example 49 claims beyond its prints: every request, however many run at once,
sees its own ID, and so does every log line written on its behalf."""

import asyncio
import io
import logging
import random
import re
import threading
from contextvars import ContextVar

import httpx2
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from transcripts import serve

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logs(example):
    """What the example's log handler writes, one line per record."""
    stream = io.StringIO()
    previous = example.handler.setStream(stream)
    yield stream
    example.handler.setStream(previous)


def log_lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_the_id_is_returned_in_the_body_and_the_header(client):
    response = client.get("/orders/3", headers={"X-Request-ID": "req-42"})
    assert response.json() == {"id": 3, "request_id": "req-42"}
    assert response.headers["x-request-id"] == "req-42"


@pytest.mark.parametrize(
    "incoming",
    ["", "ok] admin logged in", "a b", "x" * 65, "é".encode(), "req;drop", "../etc"],
)
def test_an_id_that_could_forge_a_log_line_is_replaced(client, logs, incoming):
    response = client.get("/orders/1", headers={"X-Request-ID": incoming})
    new_id = response.headers["x-request-id"]
    assert HEX_ID.fullmatch(new_id) and response.json()["request_id"] == new_id
    assert all(line.startswith(new_id + " ") for line in log_lines(logs))


def test_each_request_without_an_id_gets_a_new_one(client):
    ids = {client.get("/orders/1").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_log_lines_name_their_request(client, logs):
    client.get("/orders/5", headers={"X-Request-ID": "req-5"})
    assert log_lines(logs) == ["req-5 loading order 5", "req-5 order 5 loaded"]


def rendezvous(example, monkeypatch, parties: int):
    """Replace the database call by one that returns only when `parties` requests are
    inside it: they are then certainly in flight at the same time."""
    barrier = asyncio.Barrier(parties)

    async def query_database(order_id: int) -> dict:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        return {"id": order_id}

    monkeypatch.setattr(example, "query_database", query_database)


def test_two_requests_in_flight_on_a_real_server_each_see_their_own_id(
    example, logs, monkeypatch
):
    rendezvous(example, monkeypatch, 2)
    results = {}

    def send(order_id: int, request_id: str):
        response = httpx2.get(
            f"{base_url}/orders/{order_id}",
            headers={"X-Request-ID": request_id},
            timeout=20,
        )
        results[request_id] = response.json()

    with serve(example.app) as base_url:
        threads = [
            threading.Thread(target=send, args=(1, "req-A")),
            threading.Thread(target=send, args=(2, "req-B")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert results == {
        "req-A": {"id": 1, "request_id": "req-A"},
        "req-B": {"id": 2, "request_id": "req-B"},
    }
    lines = log_lines(logs)
    assert sorted(lines) == [
        "req-A loading order 1",
        "req-A order 1 loaded",
        "req-B loading order 2",
        "req-B order 2 loaded",
    ]
    # Both were loading before either had finished.
    assert {line.split()[0] for line in lines[:2]} == {"req-A", "req-B"}


def test_fifty_interleaved_requests_never_mix_their_ids(example, logs, monkeypatch):
    """Each waits a random time inside the database call, so they finish in another
    order than they started; every response and every log line still names its own
    request."""

    async def query_database(order_id: int) -> dict:
        await asyncio.sleep(random.random() / 50)
        return {"id": order_id}

    monkeypatch.setattr(example, "query_database", query_database)

    async def send_all():
        transport = httpx2.ASGITransport(app=example.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://x") as c:
            return await asyncio.gather(
                *(
                    c.get(f"/orders/{n}", headers={"X-Request-ID": f"req-{n}"})
                    for n in range(50)
                )
            )

    responses = asyncio.run(send_all())
    assert [r.json() for r in responses] == [
        {"id": n, "request_id": f"req-{n}"} for n in range(50)
    ]
    lines = log_lines(logs)
    assert len(lines) == 100
    for line in lines:
        request, order = re.fullmatch(
            r"req-(\d+) (?:loading )?order (\d+).*", line
        ).groups()
        assert request == order, line
    assert lines != sorted(lines, key=lambda line: int(line.split()[0][4:]))


def test_a_def_route_and_its_background_task_log_with_the_id(example, logs):
    with serve(example.app) as base_url:
        response = httpx2.post(
            f"{base_url}/orders/7/receipt", headers={"X-Request-ID": "req-C"}
        )
        assert response.status_code == 202
        assert response.json() == {"queued": 7, "request_id": "req-C"}
    assert log_lines(logs) == [
        "req-C queueing the receipt for order 7",
        "req-C receipt for order 7 sent",
    ]


def test_the_middleware_leaves_the_callers_context_as_it_found_it(example):
    """httpx2's ASGITransport runs the app in the caller's own task: without the reset,
    the caller (a test, here) would go on logging under the last request's ID."""

    async def one_request():
        transport = httpx2.ASGITransport(app=example.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://x") as c:
            await c.get("/orders/1", headers={"X-Request-ID": "req-A"})
        return example.request_id.get()

    assert asyncio.run(one_request()) == "-"


def app_without_reset():
    """The outline's middleware without its reset, and setting the ID only when a client
    sends one: what does a second request see?"""
    request_id: ContextVar[str] = ContextVar("request_id", default="-")
    app = FastAPI()

    @app.middleware("http")
    async def tag(request: Request, call_next):
        if "x-request-id" in request.headers:
            request_id.set(request.headers["x-request-id"])
        return await call_next(request)

    @app.get("/")
    async def read():
        return request_id.get()

    return app


def test_uvicorn_isolates_requests_even_without_the_reset():
    with serve(app_without_reset()) as base_url, httpx2.Client() as client:
        assert client.get(base_url, headers={"X-Request-ID": "req-A"}).json() == "req-A"
        assert client.get(base_url).json() == "-"  # same connection, next request


def test_in_the_callers_task_a_value_without_reset_leaks_into_the_next_request():
    async def two_requests():
        transport = httpx2.ASGITransport(app=app_without_reset())
        async with httpx2.AsyncClient(transport=transport, base_url="http://x") as c:
            first = await c.get("/", headers={"X-Request-ID": "req-A"})
            second = await c.get("/")
        return first.json(), second.json()

    assert asyncio.run(two_requests()) == ("req-A", "req-A")


def test_a_context_belongs_to_a_task_not_to_a_coroutine():
    """The outline's "per-coroutine": an awaited coroutine shares its caller's context;
    only a new task gets a copy."""
    variable: ContextVar[str] = ContextVar("variable", default="-")

    async def set_it():
        variable.set("set inside")

    async def main():
        await asyncio.create_task(set_it())
        in_a_task = variable.get()
        await set_it()
        return in_a_task, variable.get()

    assert asyncio.run(main()) == ("-", "set inside")


def test_threads_the_context_does_not_follow(example):
    response = TestClient(example.naive_app).get(
        "/threads", headers={"X-Request-ID": "req-D"}
    )
    assert response.json() == {
        "asyncio.to_thread": "req-D",
        "run_in_executor": "-",
        "threading.Thread": "-",
    }


def test_a_mutable_default_is_shared_by_every_request(example):
    client = TestClient(example.naive_app)
    assert client.put("/me/alice").json() == {"name": "alice"}
    assert client.get("/me").json() == {"name": "alice"}  # nobody signed in here
    assert example.current_user.get() == {"name": "alice"}  # nor outside any request


def test_opentelemetry_keeps_its_context_in_a_contextvar():
    """The outline's closing claim, checked against the installed SDK."""
    from opentelemetry.context import _RUNTIME_CONTEXT
    from opentelemetry.context.contextvars_context import ContextVarsRuntimeContext

    assert isinstance(_RUNTIME_CONTEXT, ContextVarsRuntimeContext)


def test_the_log_filter_names_records_of_other_loggers_too(example, logs):
    """The filter is on the handler, so records of child loggers that reach it get the
    ID; records logged outside any request get the default."""
    child = logging.getLogger("shop.payments")
    child.info("outside any request")
    token = example.request_id.set("req-E")
    try:
        child.info("inside one")
    finally:
        example.request_id.reset(token)
    assert log_lines(logs) == ["- outside any request", "req-E inside one"]


def test_eight_hex_digits_of_a_uuid_collide_among_78000_requests_more_often_than_not():
    """The outline logs rid[:8]: 32 bits. The birthday bound, computed."""
    import math

    def collision(requests: int) -> float:
        return 1 - math.exp(-requests * (requests - 1) / (2 * 16**8))

    assert collision(78_000) > 0.5


def test_copy_context_carries_the_id_into_an_executor(example):
    """The fix the page gives for run_in_executor: run the function in a copy of the
    request's context."""
    import contextvars

    app = FastAPI()
    app.middleware("http")(example.tag_request)

    @app.get("/")
    async def read():
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(None, context.run, example.request_id.get)

    response = TestClient(app).get("/", headers={"X-Request-ID": "req-F"})
    assert response.json() == "req-F"
