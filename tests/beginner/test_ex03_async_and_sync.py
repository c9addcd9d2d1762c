import asyncio
import json
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from transcripts import free_port, serve


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


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        return response.status


def send_at_once(base_url: str, path: str, count: int = 4) -> None:
    with ThreadPoolExecutor(count) as pool:
        assert set(pool.map(get, [base_url + path] * count)) == {200}


def test_def_handlers_block_in_parallel_worker_threads(example, sleeps_at_once):
    with serve(example.app) as base_url:
        send_at_once(base_url, "/sync")
    assert sleeps_at_once["peak"] > 1


def test_a_blocking_call_in_async_def_serialises_every_request(example, sleeps_at_once):
    with serve(example.naive_app) as base_url:
        send_at_once(base_url, "/async-blocking")
    assert sleeps_at_once["peak"] == 1


def test_while_an_async_handler_awaits_the_loop_serves_other_requests(
    example, monkeypatch
):
    """Four requests to /async all wait in their asyncio.sleep at the same moment."""
    real_sleep = asyncio.sleep
    state = {"now": 0, "peak": 0}

    async def counting_sleep(seconds):
        if sys._getframe(1).f_code is not example.async_handler.__code__:
            return await real_sleep(seconds)  # uvicorn's own sleeps are not counted
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        try:
            await real_sleep(0.5)
        finally:
            state["now"] -= 1

    monkeypatch.setattr(example.asyncio, "sleep", counting_sleep)
    with serve(example.app) as base_url:
        send_at_once(base_url, "/async")
    assert state["peak"] == 4


def test_a_blocking_call_in_async_def_stalls_every_route(example, monkeypatch):
    """While /async-blocking is in its time.sleep, even FastAPI's own /openapi.json is
    not served; it is, once the sleep ends."""
    gate, blocking = threading.Event(), threading.Event()

    def gated_sleep(seconds):
        blocking.set()
        gate.wait(timeout=60)

    with serve(example.naive_app) as base_url:
        monkeypatch.setattr(example.time, "sleep", gated_sleep)
        with ThreadPoolExecutor(2) as pool:
            blocked = pool.submit(get, base_url + "/async-blocking")
            assert blocking.wait(timeout=60)
            other = pool.submit(get, base_url + "/openapi.json")
            threading.Event().wait(0.5)  # time enough to serve it, were the loop free
            served_while_blocked = other.done()
            gate.set()
            assert (blocked.result(), other.result()) == (200, 200)
    assert not served_while_blocked


def test_async_handlers_run_on_the_loop_and_def_handlers_do_not(example, client):
    assert client.get("/async").json()["ran_on"] == "event loop"
    assert client.get("/sync").json()["ran_on"] == "worker thread"
    assert client.get("/cpu").json() == {
        "fibonacci_27": 196418,
        "ran_on": "worker thread",
    }
    assert "/async-blocking" not in client.get("/openapi.json").json()["paths"]


def test_at_most_40_def_handlers_run_at_once_and_the_41st_waits(example, monkeypatch):
    """The page: the pool holds 40 threads, so the 41st request waits for a free one.
    Each /sync request holds its thread until the gate opens; 45 are sent at once."""
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    gate, forty_inside = threading.Event(), threading.Event()

    def gated_sleep(seconds):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            if state["now"] == 40:
                forty_inside.set()
        try:
            gate.wait(timeout=60)
        finally:
            with lock:
                state["now"] -= 1

    with serve(example.app) as base_url:
        monkeypatch.setattr(example.time, "sleep", gated_sleep)
        with ThreadPoolExecutor(45) as pool:
            answers = [pool.submit(get, base_url + "/sync") for _ in range(45)]
            assert forty_inside.wait(timeout=60)
            threading.Event().wait(0.5)  # a 41st thread, if there were one, gets in now
            inside_while_full = state["now"]
            gate.set()
            statuses = [answer.result() for answer in answers]
    assert inside_while_full == 40
    assert state["peak"] == 40
    assert statuses == [200] * 45  # the other five were served once threads came free


def test_ruff_flags_the_blocking_call_that_the_noqa_comment_silences(example):
    path = Path(example.__file__)
    result = subprocess.run(
        [
            find_ruff_bin(),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "ASYNC251",
            "--ignore-noqa",
            "--output-format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    (line,) = [
        number
        for number, text in enumerate(path.read_text().splitlines(), start=1)
        if "noqa: ASYNC251" in text
    ]
    findings = [text for text in result.stdout.splitlines() if "ASYNC251" in text]
    assert len(findings) == 1 and f"{path.name}:{line}:" in findings[0], result.stdout


# What CPU-bound work in a `def` handler does to every other request, shown without
# measuring time. A server in its own process (its GIL is not the test's) runs /cpu as a
# long computation: the example's handler REPEATS times over, or one call into C code.
# Light requests (FastAPI's own GET /openapi.json) are sent one after another until /cpu
# answers, and the server notes how far the computation had got when each one reached the
# app: repetitions done, or numbers left to add. GET /events answers those notes.
# benchmarks/cpu_in_handlers.py measures the times.
REPEATS = 20
NUMBERS = 30_000_000
INSTRUMENTED_SERVER = f"""
import importlib.util
import sys

import uvicorn
from starlette.responses import JSONResponse

path, switch_interval, work, port = sys.argv[1:]
spec = importlib.util.spec_from_file_location("example", path)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)
progress, seen = {{"done": 0, "numbers": iter(range({NUMBERS}))}}, []
(route,) = [r for r in example.app.routes if getattr(r, "path", "") == "/cpu"]
handler = route.dependant.call


def long_computation():
    print("cpu started", flush=True)
    if work == "builtin sum":
        sum(progress["numbers"])  # one call into C code
    else:
        for _ in range({REPEATS}):
            handler()
            progress["done"] += 1
    return {{}}


route.dependant.call = long_computation


async def recording(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/events":
        await JSONResponse(seen)(scope, receive, send)
        return
    if scope["type"] == "http" and scope["path"] == "/openapi.json":
        if work == "builtin sum":
            seen.append(progress["numbers"].__length_hint__())
        else:
            seen.append(progress["done"])
    await example.app(scope, receive, send)


sys.setswitchinterval(float(switch_interval))
uvicorn.run(recording, host="127.0.0.1", port=int(port), log_level="warning")
"""


@contextmanager
def instrumented_server(example, switch_interval: float, work: str):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            INSTRUMENTED_SERVER,
            example.__file__,
            str(switch_interval),
            work,
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "the server did not start"
                threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.communicate(timeout=60)


def progress_seen_by_light_requests(
    example, switch_interval: float, work: str
) -> list[int]:
    with instrumented_server(example, switch_interval, work) as (base_url, process):
        with ThreadPoolExecutor(1) as pool:
            cpu = pool.submit(get, base_url + "/cpu")
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready and process.stdout.readline() == "cpu started\n"
            while not cpu.done():
                assert get(base_url + "/openapi.json") == 200
            assert cpu.result() == 200
        with urllib.request.urlopen(base_url + "/events", timeout=60) as response:
            return json.load(response)


def test_the_loop_takes_turns_with_a_def_handler_computing_in_python(example):
    """Not frozen: light requests are served while the computation goes on."""
    seen = progress_seen_by_light_requests(
        example, sys.getswitchinterval(), "example's handler"
    )
    assert any(0 < done < REPEATS for done in seen), seen


def test_the_loop_waits_for_the_gil_which_a_computing_thread_hands_over_on_a_timer(
    example,
):
    """The same requests, with Python's switch interval longer than the computation: the
    loop serves nothing while the computing thread holds the GIL (a request may slip in
    before it starts). So at the default interval, 5 ms, each turn can wait that long."""
    seen = progress_seen_by_light_requests(example, 1000, "example's handler")
    assert set(seen) <= {0, REPEATS}, seen


def test_one_long_call_into_c_code_freezes_the_loop_until_it_returns(example):
    """The outline's sum(range(...)) is one call into C code, which never hands the GIL
    over on the timer: even at the default interval, no light request is served while it
    adds, only before it starts or once every number has been added."""
    seen = progress_seen_by_light_requests(
        example, sys.getswitchinterval(), "builtin sum"
    )
    assert set(seen) <= {0, NUMBERS}, seen
