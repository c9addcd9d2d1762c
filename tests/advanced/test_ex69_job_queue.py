"""What Example 69 claims: a bounded in-process queue refuses with 503 when full, drains on
shutdown, loses what is left past the drain and everything on a crash; the Redis-backed
queue keeps a crashed worker's job and finishes it after the restart."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from conftest import load_snippet, snippet_for
from site_sources import REPO
from transcripts import free_port, wait_for_port

SNIPPET = snippet_for(Path(__file__))
MODULE = "snippets.advanced.ex69_job_queue"


def wait_until(condition, timeout: float = 20) -> None:
    """Poll until condition() holds; the bound only keeps a broken test from hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def status(client: TestClient, job_id: str) -> str:
    return client.get(f"/reports/{job_id}").json()["status"]


def block_renders(example, monkeypatch) -> dict:
    """Make every job wait for an event of the app's own loop: `release` sets it."""
    gate: dict = {}

    async def blocked(report):
        gate.setdefault("event", asyncio.Event())
        await gate["event"].wait()

    monkeypatch.setattr(example, "render", blocked)
    return gate


def test_a_full_queue_answers_503_with_retry_after(monkeypatch):
    example = load_snippet(SNIPPET)
    gate = block_renders(example, monkeypatch)
    with TestClient(example.app) as client:
        running = [
            client.post("/reports", json={"pages": 1}).json()["id"] for _ in "ab"
        ]
        wait_until(lambda: all(status(client, job) == "running" for job in running))
        for _ in range(example.QUEUE_SIZE):
            assert client.post("/reports", json={"pages": 1}).status_code == 202
        refused = client.post("/reports", json={"pages": 1})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        client.portal.call(gate["event"].set)
    assert set(example.jobs.values()) == {"done"}


def test_shutdown_drains_the_queue(monkeypatch):
    """Every job waits until shutdown has begun, so each one that ends "done" was
    finished by the drain."""
    example = load_snippet(SNIPPET)
    shutdown_begun: dict = {}

    async def after_shutdown_begins(report):
        shutdown_begun.setdefault("event", asyncio.Event())
        await shutdown_begun["event"].wait()

    monkeypatch.setattr(example, "render", after_shutdown_begins)
    original = example.app.router.lifespan_context

    @asynccontextmanager
    async def marking(app):
        async with original(app):
            yield
            shutdown_begun.setdefault("event", asyncio.Event()).set()

    example.app.router.lifespan_context = marking
    with TestClient(example.app) as client:
        for _ in range(6):
            client.post("/reports", json={"pages": 1})
        assert "done" not in example.jobs.values()
    assert list(example.jobs.values()) == ["done"] * 6


def test_jobs_left_after_the_drain_are_lost_and_logged(monkeypatch, caplog):
    example = load_snippet(SNIPPET)
    block_renders(example, monkeypatch)  # never released
    monkeypatch.setattr(example, "DRAIN_SECONDS", 0.1)
    with (
        caplog.at_level(logging.WARNING, logger="uvicorn.error"),
        TestClient(example.app) as client,
    ):
        ids = [client.post("/reports", json={"pages": 1}).json()["id"] for _ in "abcd"]
    assert f"stopped with 4 jobs not done, lost: {sorted(ids)}" in caplog.text
    # And while the app is stopped, nothing takes jobs.
    assert (
        TestClient(example.app).post("/reports", json={"pages": 1}).status_code == 503
    )


def test_a_failing_job_is_logged_and_marked_failed(monkeypatch, caplog):
    example = load_snippet(SNIPPET)

    async def broken(report):
        raise ValueError("the template is missing")

    monkeypatch.setattr(example, "render", broken)
    with TestClient(example.app) as client:
        job = client.post("/reports", json={"pages": 1}).json()["id"]
        wait_until(lambda: status(client, job) == "failed")
        assert client.get("/reports/nope").status_code == 404
    assert f"job {job} failed" in caplog.text


# --- Real server processes: a crash, and a stop past the drain ---


@contextmanager
def server(app_name: str, **environment: str):
    """uvicorn serving one of the example's apps, as its own process from the repository
    root; yields (base URL, process). The test decides how it ends."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            f"{MODULE}:{app_name}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def http_status(url: str) -> str | None:
    code, body = call(url)
    return body["status"] if code == 200 else None


def test_a_crash_loses_the_in_process_queue():
    with server("app") as (url, process):
        _, job = call(f"{url}/reports", {"pages": 100})
        _, queued = call(f"{url}/reports", {"pages": 1})
        wait_until(lambda: http_status(f"{url}/reports/{job['id']}") == "running")
        process.kill()  # SIGKILL: no shutdown, no drain, as in a crash or an OOM kill
        process.wait(timeout=10)
    with server("app") as (url, _):
        for lost in (job, queued):
            code, body = call(f"{url}/reports/{lost['id']}")
            assert (code, body) == (404, {"detail": "No such job"})


def test_a_stop_past_the_drain_names_the_jobs_it_loses():
    with server("app", DRAIN_SECONDS="0.3") as (url, process):
        ids = [call(f"{url}/reports", {"pages": 500})[1]["id"] for _ in range(3)]
        process.send_signal(signal.SIGTERM)  # what docker stop sends
        output, _ = process.communicate(timeout=30)
    assert f"stopped with 3 jobs not done, lost: {sorted(ids)}" in output
    assert "Application shutdown complete" in output


# --- The durable queue on Redis ---


@pytest.fixture
def durable(redis_url, monkeypatch):
    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WORKER_NAME", "test-worker")
    return load_snippet(SNIPPET)


def test_the_durable_queue_runs_jobs_and_reports_them(durable):
    with TestClient(durable.durable_app) as client:
        job = client.post("/reports", json={"pages": 1}).json()["id"]
        wait_until(lambda: status(client, job) == "done")
        assert client.get("/reports/nope").status_code == 404
        assert client.post("/reports", json={"pages": 0}).status_code == 422


def test_the_durable_queue_refuses_when_full(durable, monkeypatch):
    gate = block_renders(durable, monkeypatch)
    with TestClient(durable.durable_app) as client:
        running = [
            client.post("/reports", json={"pages": 1}).json()["id"] for _ in "ab"
        ]
        wait_until(lambda: all(status(client, job) == "running" for job in running))
        for _ in range(durable.QUEUE_SIZE):
            assert client.post("/reports", json={"pages": 1}).status_code == 202
        refused = client.post("/reports", json={"pages": 1})
        assert (refused.status_code, refused.headers["retry-after"]) == (503, "5")
        client.portal.call(gate["event"].set)
        wait_until(
            lambda: client.get("/reports/" + running[0]).json()["status"] == "done"
        )


def test_a_job_left_running_is_put_back_at_start(durable, redis_url):
    """What a crashed worker leaves in its list is queued again when it starts."""
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    store.hset("report:left", "status", "running")
    store.lpush(durable.RUNNING, json.dumps({"id": "left", "pages": 1}))
    with TestClient(durable.durable_app) as client:
        wait_until(lambda: status(client, "left") == "done")
    assert store.llen(durable.RUNNING) == 0


def test_a_crashed_workers_job_is_finished_after_the_restart(redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    environment = {"REDIS_URL": redis_url, "WORKER_NAME": "crashing-worker"}
    with server("durable_app", **environment) as (url, process):
        _, job = call(f"{url}/reports", {"pages": 100})
        wait_until(lambda: http_status(f"{url}/reports/{job['id']}") == "running")
        process.kill()
        process.wait(timeout=10)
    # The job is still in the worker's own list, and its status says running.
    assert store.lrange("reports:running:crashing-worker", 0, -1) == [
        json.dumps({"id": job["id"], "pages": 100})
    ]
    with server("durable_app", **environment) as (url, _):
        wait_until(lambda: http_status(f"{url}/reports/{job['id']}") == "done")
    assert store.llen("reports:running:crashing-worker") == 0
