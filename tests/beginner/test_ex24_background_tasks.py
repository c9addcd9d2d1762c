import asyncio
import json
import logging
import threading
import urllib.request

import pytest
from fastapi.testclient import TestClient

from transcripts import serve

ANN = {"username": "ann", "email": "ann@example.com"}


@pytest.fixture(autouse=True)
def empty_stores(example, monkeypatch):
    monkeypatch.setattr(example, "outbox", [])
    monkeypatch.setattr(example, "activity", [])


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_a_real_server_answers_before_the_task_has_finished(example, monkeypatch):
    release, finished = threading.Event(), threading.Event()

    def held_email(email, username):
        release.wait(timeout=5)  # the task cannot finish until the test says so
        finished.set()

    monkeypatch.setattr(example, "send_welcome_email", held_email)
    with serve(example.app) as base_url:
        status, body = post_json(base_url + "/register", ANN)
        # The client holds the complete response while the task is still waiting.
        assert (status, body) == (201, {"message": "User ann registered"})
        assert not finished.is_set()
        release.set()
        assert finished.wait(timeout=5)


def test_test_client_returns_only_after_the_tasks_have_run(client, example):
    assert client.post("/register", json=ANN).status_code == 201
    assert example.outbox == ["to ann@example.com: Welcome, ann!"]
    assert example.activity == ["signup ann"]


def where_am_i() -> str:
    """Which thread runs the caller: the event loop's, or a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "worker thread"
    return "event loop"


def test_a_def_task_runs_on_a_worker_thread_and_an_async_one_on_the_loop(
    client, example, monkeypatch
):
    seen = {}
    real_email, real_record = example.send_welcome_email, example.record_signup

    def email(email, username):
        seen["send_welcome_email"] = where_am_i()
        real_email(email, username)

    async def record(username):
        seen["record_signup"] = where_am_i()
        await real_record(username)

    monkeypatch.setattr(example, "send_welcome_email", email)
    monkeypatch.setattr(example, "record_signup", record)
    assert client.post("/register", json=ANN).status_code == 201
    assert seen == {
        "send_welcome_email": "worker thread",
        "record_signup": "event loop",
    }


def test_tasks_run_one_after_the_other_in_the_order_they_were_added(
    client, example, monkeypatch
):
    order = []
    monkeypatch.setattr(
        example, "send_welcome_email", lambda email, name: order.append("email")
    )

    async def record(username):
        order.append("record")

    monkeypatch.setattr(example, "record_signup", record)
    client.post("/register", json=ANN)
    assert order == ["email", "record"]


def test_an_invalid_body_is_refused_and_schedules_nothing(client, example):
    response = client.post(
        "/register", json={"username": "ann", "email": "not-an-email"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert example.outbox == [] and example.activity == []


def test_a_failing_task_reaches_a_real_client_as_success_and_the_log_as_an_error(
    example,
):
    errors, logged = [], threading.Event()

    def record(log_record):
        errors.append(log_record)
        logged.set()

    with serve(
        example.failing_app
    ) as base_url:  # serve() configures uvicorn's loggers first
        handler = logging.Handler(level=logging.ERROR)
        handler.emit = record
        logging.getLogger("uvicorn.error").addHandler(handler)
        try:
            status, body = post_json(base_url + "/register-lead", ANN)
            # The task fails after the response has been sent, so the log line comes later.
            assert logged.wait(timeout=5)
        finally:
            logging.getLogger("uvicorn.error").removeHandler(handler)
    assert (status, body) == (201, {"message": "Lead ann registered"})
    assert [record.getMessage() for record in errors] == [
        "Exception in ASGI application\n"
    ]
    assert isinstance(errors[0].exc_info[1], ConnectionError)
    assert example.outbox == []  # the task queued after the failing one never ran


def test_a_failing_task_is_raised_by_the_default_test_client(example):
    with pytest.raises(ConnectionError, match="CRM is unreachable"):
        TestClient(example.failing_app).post("/register-lead", json=ANN)


def test_the_failing_route_lives_on_its_own_app_not_on_the_served_one(client):
    assert client.post("/register-lead", json=ANN).status_code == 404


JSON = {"content-type": "application/json"}


def test_a_bare_nan_in_the_body_is_a_422_not_a_500(client, example):
    body = b'{"username": NaN, "email": "ann@example.com"}'
    response = client.post("/register", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_type",
            "loc": ["body", "username"],
            "msg": "Input should be a valid string",
        }
    ]
    assert example.outbox == [] and example.activity == []


@pytest.mark.parametrize(
    "body, headers",
    [
        (b'{"username": "ann", "email": 1e400}', JSON),
        (b"\xff\xfe", {}),  # undecodable bytes, and no JSON content type
        (b'{"username": "ann"}', {"content-type": "text/plain"}),
    ],
    ids=["1e400", "undecodable-without-content-type", "text-plain"],
)
def test_bodies_fastapis_own_422_cannot_write_get_a_422(client, body, headers):
    """Without the short handler each of these is a 500: FastAPI's own 422 would echo
    the input, and JSON cannot write inf or raw bytes."""
    response = client.post("/register", content=body, headers=headers)
    assert response.status_code == 422
    assert all(set(e) == {"type", "loc", "msg"} for e in response.json()["detail"])


def test_without_the_handler_those_bodies_would_be_a_500():
    from fastapi import BackgroundTasks, FastAPI
    from pydantic import BaseModel

    class Registration(BaseModel):
        username: str

    app = FastAPI()

    @app.post("/register")
    def register(user: Registration, background_tasks: BackgroundTasks):
        return {}

    client = TestClient(app, raise_server_exceptions=False)
    for body, headers in [
        (b'{"username": NaN}', JSON),
        (b"\xff\xfe", {}),
    ]:
        assert (
            client.post("/register", content=body, headers=headers).status_code == 500
        )


def test_a_body_that_is_not_utf8_is_a_documented_400(client):
    latin1 = '{"username": "Jos\xe9", "email": "jose@example.com"}'.encode("latin-1")
    response = client.post("/register", content=latin1, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    schema = client.get("/openapi.json").json()
    assert sorted(schema["paths"]["/register"]["post"]["responses"]) == [
        "201",
        "400",
        "422",
    ]


def test_add_task_only_queues_the_call():
    from fastapi import BackgroundTasks

    calls = []
    tasks = BackgroundTasks()
    tasks.add_task(calls.append, "ran")
    assert calls == []
