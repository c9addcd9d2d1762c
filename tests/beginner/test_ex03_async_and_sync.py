import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from transcripts import serve


@pytest.fixture
def sleeps_at_once(example, monkeypatch):
    """Count how many time.sleep calls are in progress at the same moment."""
    real_sleep = time.sleep
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def counting_sleep(seconds):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            real_sleep(seconds)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(example.time, "sleep", counting_sleep)
    return state


def send_at_once(base_url: str, path: str, count: int = 4) -> None:
    def get(_):
        with urllib.request.urlopen(base_url + path, timeout=10) as response:
            assert response.status == 200

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(get, range(count)))


def test_def_handlers_block_in_parallel_worker_threads(example, sleeps_at_once):
    with serve(example.app) as base_url:
        send_at_once(base_url, "/sync")
    assert sleeps_at_once["peak"] > 1


def test_a_blocking_call_in_async_def_serialises_every_request(example, sleeps_at_once):
    with serve(example.app) as base_url:
        send_at_once(base_url, "/async-blocking")
    assert sleeps_at_once["peak"] == 1


def test_async_handlers_run_on_the_loop_and_def_handlers_do_not(client):
    assert client.get("/async").json()["ran_on"] == "event loop"
    assert client.get("/sync").json()["ran_on"] == "worker thread"
    assert client.get("/cpu").json() == {
        "result": 499999500000,
        "ran_on": "worker thread",
    }
