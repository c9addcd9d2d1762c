"""What Example 61 claims beyond its prints: every line a request logs is one JSON object
carrying the request's id, from the event loop, from the thread pool and from a background
task, on a real server with requests in flight together; a client's id is taken only when it
is well formed, so no header, path or extra= can forge a field; and the outline's logger
turns a log call into a 500."""

import io
import json
import logging
import logging.handlers
import queue
import random
import re
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import anyio
import httpx2
import pytest
from fastapi import BackgroundTasks, FastAPI
from fastapi.testclient import TestClient

from conftest import load_snippet, snippet_for
from transcripts import serve

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log(example):
    """The JSON lines the example logs, kept in memory for the test."""
    stream = io.StringIO()
    example.handler.setStream(stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    return lines


@pytest.fixture
def threads(example):
    """The thread each record was made in, by message."""
    seen: dict[str, str] = {}

    def note(record):
        seen[record.getMessage()] = threading.current_thread().name
        return True

    example.handler.addFilter(note)
    yield seen
    example.handler.removeFilter(note)


def test_every_line_of_the_request_carries_the_clients_id(client, log, threads):
    response = client.post(
        "/orders/7/receipt", headers={"X-Request-ID": "checkout-7f3a"}
    )
    assert response.status_code == 202
    assert response.headers["X-Request-ID"] == "checkout-7f3a"
    entries = log()
    assert [e["message"] for e in entries] == [
        "request received",
        "order found",
        "receipt e-mailed",
    ]
    assert {e["request_id"] for e in entries} == {"checkout-7f3a"}
    assert {e["level"] for e in entries} == {"INFO"}
    # The `def` endpoint ran in the thread pool, the background task after the response
    # (in the pool too: it is a `def`); the middleware's lines come from the event loop.
    loop = threads["request received"]
    assert threads["order found"] != loop
    assert threads["receipt e-mailed"] != loop
    assert datetime.fromisoformat(entries[0]["time"]).tzinfo == UTC


def test_without_a_header_every_request_gets_a_new_random_id(client, log):
    ids = [client.post("/orders/1/receipt").headers["X-Request-ID"] for _ in range(50)]
    assert all(NEW_ID.fullmatch(i) for i in ids)
    assert len(set(ids)) == 50
    assert {e["request_id"] for e in log()} == set(ids)


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"short",  # under 8 characters
        b"a" * 65,  # over 64
        b"has space",
        b'quote"d-id',
        b'x", "level": "ERROR',
        b"new\nline-id",
        b"carriage\rreturn",
        b"tab\tid-1234",
        b"\xff\xfe-not-utf8",
        "ünïcode-id".encode(),
        b"../../etc/passwd",
    ],
)
def test_an_id_that_is_not_well_formed_is_replaced(example, log, sent):
    """Sent as raw bytes straight into the ASGI scope, as a server could pass them, so
    that even the bytes no HTTP client library would send are tried."""
    response_headers = call_raw(example.app, [(b"x-request-id", sent)])
    echoed = response_headers[b"x-request-id"].decode()
    assert NEW_ID.fullmatch(echoed)
    entries = log()
    assert len(entries) == 3  # no header can add a line
    assert {e["request_id"] for e in entries} == {echoed}


def call_raw(app, headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """One POST /orders/7/receipt through the ASGI interface; the response's headers."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/orders/7/receipt",
        "raw_path": b"/orders/7/receipt",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    started = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            started.update(message)

    anyio.run(app, scope, receive, send)
    return dict(started["headers"])


def test_the_well_formed_ids_are_exactly_8_to_64_safe_characters(example):
    pattern = example.WELL_FORMED
    assert pattern.fullmatch("a" * 8) and pattern.fullmatch("A-b_c.9" + "z" * 57)
    assert not pattern.fullmatch("a" * 7) and not pattern.fullmatch("a" * 65)
    assert not any(pattern.fullmatch(f"abcdefg{c}") for c in ' "\\{}:,\n\r\t/%')


def test_a_newline_in_the_path_stays_inside_one_json_line(client, log):
    response = client.post("/orders/7%0A%7B%22level%22%3A%22ERROR%22%7D/receipt")
    assert response.status_code == 422
    entries = log()
    assert [e["message"] for e in entries] == ["request received"]
    assert entries[0]["path"] == '/orders/7\n{"level":"ERROR"}/receipt'
    assert entries[0]["level"] == "INFO"


def test_extra_adds_fields_but_never_replaces_the_request_id(example, client, log):
    @example.app.get("/forge")
    def forge():
        example.logger.info("forging", extra={"request_id": "someone-else"})

    client.get("/forge", headers={"X-Request-ID": "the-real-one"})
    forged = next(e for e in log() if e["message"] == "forging")
    assert forged["request_id"] == "the-real-one"
    example.logger.info("outside", extra={"request_id": "someone-else"})
    assert log()[-1]["request_id"] == "-"


def test_values_json_cannot_write_are_logged_as_text(example, log):
    example.logger.info(
        "priced",
        extra={"price": Decimal("9.99"), "tags": {"a"}, "when": datetime(2026, 1, 1)},
    )
    assert log()[-1] | {"time": None} == {
        "time": None,
        "level": "INFO",
        "message": "priced",
        "price": "9.99",
        "tags": "{'a'}",
        "when": "2026-01-01 00:00:00",
        "request_id": "-",
    }


def test_an_unhandled_error_is_logged_once_as_json_with_the_id(example, log):
    @example.app.get("/crash")
    def crash():
        raise RuntimeError("the database is gone")

    client = TestClient(example.app, raise_server_exceptions=False)
    response = client.get("/crash", headers={"X-Request-ID": "incident-42"})
    assert response.status_code == 500
    # Starlette's ServerErrorMiddleware, outside every middleware added, writes the 500:
    # it carries no X-Request-ID (the page says so).
    assert "x-request-id" not in response.headers
    failed = next(e for e in log() if e["message"] == "request failed")
    assert failed["level"] == "ERROR"
    assert failed["request_id"] == "incident-42"
    assert "RuntimeError: the database is gone" in failed["error"]


def test_requests_in_flight_together_keep_their_own_ids(example, log, threads):
    """On a real server: both requests wait at a barrier inside the `def` endpoint, so
    their lines interleave; each line still names its own request."""
    barrier = threading.Barrier(2, timeout=10)

    @example.app.get("/together")
    def together():
        example.logger.info("before the barrier")
        barrier.wait()
        example.logger.info("after the barrier")

    results = {}

    def call(request_id: str, base_url: str) -> None:
        response = httpx2.get(
            f"{base_url}/together", headers={"X-Request-ID": request_id}, timeout=10
        )
        results[request_id] = response.headers["X-Request-ID"]

    with serve(example.app) as base_url:
        callers = [
            threading.Thread(target=call, args=(name, base_url))
            for name in ("request-one", "request-two")
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=10)
    assert results == {"request-one": "request-one", "request-two": "request-two"}
    by_id = {}
    for entry in log():
        by_id.setdefault(entry["request_id"], []).append(entry["message"])
    for messages in by_id.values():
        assert messages == [
            "request received",
            "before the barrier",
            "after the barrier",
        ]
    assert set(by_id) == {"request-one", "request-two"}


def test_the_id_comes_back_on_every_answer(client):
    for method, path, status in [
        ("GET", "/nowhere", 404),
        ("GET", "/orders/7/receipt", 405),
        ("POST", "/orders/seven/receipt", 422),
    ]:
        response = client.request(method, path, headers={"X-Request-ID": "any-answer"})
        assert response.status_code == status
        assert response.headers["X-Request-ID"] == "any-answer"


def test_importing_the_example_twice_still_logs_each_line_once(example):
    again = load_snippet(snippet_for(Path(__file__)))
    assert again.logger is example.logger
    assert again.logger.handlers == [again.handler]


# What the outline gets wrong.


def test_the_outlines_logger_turns_a_decimal_into_a_500(example, capsys):
    client = TestClient(example.naive_app, raise_server_exceptions=False)
    assert client.get("/quotes/book-1").status_code == 200
    assert json.loads(capsys.readouterr().out)["price"] is None
    assert client.get("/quotes/book-1?price=9.99").status_code == 500
    with pytest.raises(TypeError, match="Decimal"):
        TestClient(example.naive_app).get("/quotes/book-1?price=9.99")


def test_the_outlines_8_digit_ids_collide_within_a_days_traffic():
    """32 random bits, 100,000 requests: the birthday bound says 69%; a seeded draw of
    that many ids repeats some."""
    draw = random.Random(61)
    ids = [f"{draw.getrandbits(32):08x}" for _ in range(100_000)]
    assert len(set(ids)) < len(ids)


def test_a_call_next_middleware_carries_the_id_as_far(example):
    """The outline sets its id in `@app.middleware("http")` (BaseHTTPMiddleware): the
    `def` endpoint and the background task see it there too."""
    seen = []
    app = FastAPI()

    @app.middleware("http")
    async def set_id(request, call_next):
        token = example.REQUEST_ID.set("from-call-next")
        try:
            return await call_next(request)
        finally:
            example.REQUEST_ID.reset(token)

    def later():
        seen.append(("background", example.REQUEST_ID.get()))

    @app.get("/")
    def endpoint(tasks: BackgroundTasks):
        seen.append(("endpoint", example.REQUEST_ID.get()))
        tasks.add_task(later)

    TestClient(app).get("/")
    assert seen == [("endpoint", "from-call-next"), ("background", "from-call-next")]


def test_behind_a_queue_the_formatter_no_longer_sees_the_request(example):
    """The caveat on the page: with a QueueHandler in front, the JSON formatter runs in the
    listener's thread, outside every request."""
    stream = io.StringIO()
    target = logging.StreamHandler(stream)
    target.setFormatter(example.JsonFormatter())
    records = queue.Queue()
    listener = logging.handlers.QueueListener(records, target)
    logger = logging.getLogger("queued")
    logger.handlers = [logging.handlers.QueueHandler(records)]
    logger.propagate = False
    listener.start()
    token = example.REQUEST_ID.set("in-a-request")
    try:
        logger.warning("deferred")
    finally:
        example.REQUEST_ID.reset(token)
        listener.stop()
    assert json.loads(stream.getvalue())["request_id"] == "-"
