"""What Example 29 claims beyond its prints."""

import itertools
import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException
from fastapi.exceptions import DependencyScopeError
from fastapi.testclient import TestClient

from transcripts import serve


@pytest.fixture
def events(example, monkeypatch):
    """A fresh event list, and connection numbers from 1, for each test."""
    fresh: list[str] = []
    monkeypatch.setattr(example, "events", fresh)
    monkeypatch.setattr(example, "connection_numbers", itertools.count(1))
    return fresh


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class HeldAppend(list):
    """An event list whose append of one event (or the first that starts with it) waits
    until the test releases it."""

    def __init__(self, held: str):
        super().__init__()
        self.held = held
        self.reached, self.release = threading.Event(), threading.Event()

    def append(self, event):
        if event.startswith(self.held) and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(timeout=10)
        super().append(event)


def test_one_request_opens_one_shared_connection_and_one_of_its_own(client, events):
    assert client.get("/report").json() == [
        "users on connection 1",
        "orders on connection 1",
        "audit on connection 2",
    ]
    assert [e for e in events if e.startswith("open")] == [
        "open connection 1",
        "open connection 2",
    ]
    assert events.count("begin on connection 1") == 1  # the transaction, once


def test_nothing_is_cached_between_requests(client, events):
    first = client.get("/report").json()
    second = client.get("/report").json()
    assert first[0] == "users on connection 1"
    assert second[0] == "users on connection 3"
    assert events.count("open connection 1") == events.count("open connection 3") == 1


def test_cleanups_run_in_reverse_order_of_setup(client, events):
    client.get("/report")
    assert events == [
        "open connection 1",
        "begin on connection 1",
        "open connection 2",
        "handler",
        "commit on connection 1",
        "response sent",
        "close connection 2",
        "close connection 1",
    ]


def test_a_real_client_has_the_whole_response_while_the_cleanup_still_waits(
    example, monkeypatch
):
    held = HeldAppend("close connection")
    monkeypatch.setattr(example, "events", held)
    with serve(example.app) as base_url:
        status, body = get(base_url + "/report")
        assert status == 200 and body.startswith(b'["users on connection')
        assert held.reached.wait(timeout=10)
        assert not any(e.startswith("close") for e in held)  # cleanup under way
        held.release.set()
        for _ in range(1000):
            if sum(e.startswith("close") for e in held) == 2:
                break
            threading.Event().wait(0.01)
    assert held[-3] == "response sent"
    assert [e.split()[0] for e in held[-2:]] == ["close", "close"]


def test_a_function_scope_commit_holds_the_response_until_it_is_done(
    example, monkeypatch
):
    held = HeldAppend("commit on connection")
    monkeypatch.setattr(example, "events", held)
    with serve(example.app) as base_url, ThreadPoolExecutor(1) as pool:
        answer = pool.submit(get, base_url + "/report")
        assert held.reached.wait(timeout=10)
        assert not answer.done()  # no response while the commit is held
        assert "response sent" not in held
        held.release.set()
        assert answer.result(timeout=10)[0] == 200


def failing_commit_app(example, scope: str | None) -> FastAPI:
    """The example's connection under a transaction whose commit fails."""

    def failing_transaction(
        connection: Annotated[int, Depends(example.get_connection)],
    ):
        yield connection
        raise ConnectionError("commit failed")

    app = FastAPI()

    @app.get("/write")
    def write(
        transaction: Annotated[int, Depends(failing_transaction, scope=scope)],
    ):
        return "written"

    return app


def test_a_failing_commit_is_a_500_with_function_scope_and_a_200_without(
    example, events
):
    function_scope = TestClient(
        failing_commit_app(example, "function"), raise_server_exceptions=False
    )
    assert function_scope.get("/write").status_code == 500
    assert events[-1].startswith("close connection")  # closed all the same

    errors, logged = [], threading.Event()
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = lambda record: (errors.append(record), logged.set())
    with serve(failing_commit_app(example, None)) as base_url:
        logging.getLogger("uvicorn.error").addHandler(handler)
        try:
            assert get(base_url + "/write") == (200, b'"written"')
            assert logged.wait(timeout=10)  # the failure reaches only the log
        finally:
            logging.getLogger("uvicorn.error").removeHandler(handler)
    assert isinstance(errors[0].exc_info[1], ConnectionError)


def test_when_the_route_fails_the_commit_is_skipped_and_connections_close_first(
    example, events
):
    def audit_log_down():
        raise HTTPException(503, "Audit log unavailable")

    example.app.dependency_overrides[example.audit_log] = audit_log_down
    try:
        response = TestClient(example.app).get("/report")
    finally:
        example.app.dependency_overrides.clear()
    assert response.status_code == 503
    assert events == [
        "open connection 1",
        "begin on connection 1",
        "close connection 1",
        "response sent",
    ]


def test_an_exception_in_the_handler_reaches_the_yield(example, events):
    seen = []

    def watching():
        try:
            yield
        except HTTPException as error:
            seen.append(error.status_code)
            raise

    app = FastAPI()

    @app.get("/missing")
    def missing(_: Annotated[None, Depends(watching)]):
        raise HTTPException(404, "Not found")

    assert TestClient(app).get("/missing").status_code == 404
    assert seen == [404]


def test_default_cleanup_runs_after_background_tasks(example, events):
    app = FastAPI()

    @app.get("/with-task")
    def with_task(
        connection: Annotated[int, Depends(example.get_connection)],
        tasks: BackgroundTasks,
    ):
        tasks.add_task(events.append, "background task")
        return connection

    TestClient(app).get("/with-task")
    assert events == ["open connection 1", "background task", "close connection 1"]


def test_a_request_scope_dependency_cannot_depend_on_a_function_scope_one(example):
    def outer(transaction: example.Transaction):
        yield transaction

    app = FastAPI()
    with pytest.raises(DependencyScopeError, match='"outer" has a scope of "request"'):

        @app.get("/refused")
        def refused(_: Annotated[int, Depends(outer)]):
            return "never declared"


# The outline's version, on naive_app.


def test_naive_teardown_fails_after_a_real_client_got_200(example, events):
    errors, logged = [], threading.Event()
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = lambda record: (errors.append(record), logged.set())
    with serve(example.naive_app) as base_url:
        logging.getLogger("uvicorn.error").addHandler(handler)
        try:
            status, body = get(base_url + "/orders/user/7")
            assert logged.wait(timeout=10)
        finally:
            logging.getLogger("uvicorn.error").removeHandler(handler)
    assert (status, body) == (200, b'{"user_id":7,"same_db":true}')
    assert isinstance(errors[0].exc_info[1], NameError)
    assert "conn_str" in str(errors[0].exc_info[1])
    assert events == ["opened postgresql://localhost/mydb"]  # never "closed"


def test_naive_teardown_error_is_raised_by_the_default_test_client(example, events):
    with pytest.raises(NameError, match="conn_str"):
        TestClient(example.naive_app).get("/orders/user/1")


def test_naive_same_db_is_true_even_for_two_connections(example, events):
    def order_repo_uncached(
        db: Annotated[example.DBConnection, Depends(example.get_db, use_cache=False)],
    ):
        return example.get_order_repo(db)

    naive = example.naive_app
    naive.dependency_overrides[example.get_order_repo] = order_repo_uncached
    try:
        client = TestClient(naive, raise_server_exceptions=False)
        body = client.get("/orders/user/1").json()
    finally:
        naive.dependency_overrides.clear()
    assert events == ["opened postgresql://localhost/mydb"] * 2
    assert body == {"user_id": 1, "same_db": True}


def test_the_app_declares_what_it_answers(example):
    operation = example.app.openapi()["paths"]["/report"]["get"]
    assert set(operation["responses"]) == {"200"}
