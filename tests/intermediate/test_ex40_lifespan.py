"""What Example 40 claims beyond its prints: the state lives for one run, the connection is
closed at shutdown and after a failed startup, on_event's fate, and the timeline of a real
uvicorn process (no port before startup, requests in flight finish before shutdown, a failed
startup exits)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
import warnings
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from transcripts import free_port


def test_each_run_of_the_app_has_its_own_database(example):
    for _ in range(2):
        with TestClient(example.app) as client:
            assert [client.post("/visits").json() for _ in range(3)] == [
                {"visits": 1},
                {"visits": 2},
                {"visits": 3},
            ]


def test_every_request_gets_the_same_connection_and_shutdown_closes_it(example):
    seen = []

    def spy(request: Request):
        seen.append(request.state.db)
        return request.state.db

    example.app.dependency_overrides[example.get_db] = spy
    try:
        with TestClient(example.app) as client:
            client.post("/visits")
            client.post("/visits")
    finally:
        example.app.dependency_overrides.clear()
    assert seen[0] is seen[1]
    with pytest.raises(ValueError, match="no active connection"):
        asyncio.run(seen[0].execute("SELECT 1"))


def test_a_failure_after_opening_still_closes_the_connection(example, monkeypatch):
    opened = []
    real_connect = example.aiosqlite.connect

    def connect(*args, **kwargs):
        opened.append(connection := real_connect(*args, **kwargs))
        return connection

    async def failing_execute(self, sql, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(example.aiosqlite, "connect", connect)
    monkeypatch.setattr(example.aiosqlite.Connection, "execute", failing_execute)
    with pytest.raises(RuntimeError, match="disk full"), TestClient(example.app):
        pass  # pragma: no cover - startup fails first
    monkeypatch.undo()
    with pytest.raises(ValueError, match="no active connection"):
        asyncio.run(opened[0].execute("SELECT 1"))


def test_the_outline_lifespan_leaves_the_first_resource_open(example):
    example.model.open = False
    with pytest.raises(ConnectionError), TestClient(example.naive_app):
        pass  # pragma: no cover - startup fails first
    assert example.model.open


def test_the_outline_lifespan_closes_both_when_both_open(example, monkeypatch):
    monkeypatch.setattr(example.pool, "fails", False)
    example.model.open = False
    with TestClient(example.naive_app):
        assert example.model.open and example.pool.open
    assert not example.model.open and not example.pool.open


def test_on_event_is_deprecated_and_ignored_beside_a_lifespan(example):
    ran = []
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        FastAPI().on_event("startup")(lambda: ran.append("plain"))
    mixed = FastAPI(lifespan=example.lifespan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        mixed.on_event("startup")(lambda: ran.append("mixed"))
    with TestClient(mixed) as client:
        assert client.post("/visits").status_code == 404  # a different app, no routes
    assert ran == []


def test_app_state_outlives_a_run_and_the_yielded_state_does_not():
    @asynccontextmanager
    async def on_app_state(app):
        app.state.runs = getattr(app.state, "runs", 0) + 1
        yield

    @asynccontextmanager
    async def yielded(app):
        yield {"runs": 1}

    for lifespan, expected in [(on_app_state, [1, 2]), (yielded, [1, 1])]:
        probe = FastAPI(lifespan=lifespan)

        @probe.get("/runs")
        async def runs(request: Request, yielded_state=lifespan is yielded):
            return request.state.runs if yielded_state else request.app.state.runs

        seen = []
        for _ in range(2):
            with TestClient(probe) as client:
                seen.append(client.get("/runs").json())
        assert seen == expected
    assert probe.state._state == {}  # the yielded state was never stored on the app


# ---------------------------------------------------------------- a real uvicorn process

PROBE = textwrap.dedent(
    """
    import asyncio
    import os
    from contextlib import asynccontextmanager

    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app):
        print("startup begins", flush=True)
        await asyncio.sleep(float(os.environ["STARTUP_SECONDS"]))
        if os.environ.get("STARTUP_FAILS"):
            raise ConnectionError("the database is unreachable")
        print("startup done", flush=True)
        yield
        print("shutdown", flush=True)


    app = FastAPI(lifespan=lifespan)


    @app.get("/slow")
    async def slow():
        print("request started", flush=True)
        await asyncio.sleep(1)
        print("request finished", flush=True)
        return "done"
    """
)


class Server:
    """uvicorn serving the probe app, as its own process, with its output collected."""

    def __init__(self, folder, **environment):
        (folder / "probe.py").write_text(PROBE)
        self.port = free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "probe:app", "--port", str(self.port)],
            cwd=folder,
            env={**os.environ, **environment},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"no {text!r} in {self.lines}"
            time.sleep(0.02)

    def port_is_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        self.process.stdout.close()

    def ours(self) -> list[str]:
        """The probe's own lines, without uvicorn's log."""
        return [line for line in self.lines if not line.startswith(("INFO", "ERROR"))]


def test_no_port_before_startup_and_requests_in_flight_finish_before_shutdown(
    tmp_path,
):
    server = Server(tmp_path, STARTUP_SECONDS="0.5")
    answers = []
    try:
        server.wait_for("startup begins")
        assert not server.port_is_open()  # no request can arrive during startup
        server.wait_for("Uvicorn running on")
        url = f"http://127.0.0.1:{server.port}/slow"
        request = threading.Thread(
            target=lambda: answers.append(
                urllib.request.urlopen(url, timeout=20).read()
            )
        )
        request.start()
        server.wait_for("request started")
        server.process.send_signal(signal.SIGTERM)
        request.join(timeout=20)
    finally:
        server.stop()
    assert answers == [b'"done"']
    assert server.ours() == [
        "startup begins",
        "startup done",
        "request started",
        "request finished",
        "shutdown",
    ]
    assert server.process.returncode == -signal.SIGTERM  # uvicorn re-raises the signal


def test_a_failed_startup_never_opens_the_port_and_exits_with_an_error(tmp_path):
    server = Server(tmp_path, STARTUP_SECONDS="0", STARTUP_FAILS="1")
    try:
        server.process.wait(timeout=20)
    finally:
        server.stop()
    assert server.process.returncode == 3
    assert "ERROR:    Application startup failed. Exiting." in server.lines
    assert "startup done" not in server.lines
    assert any("the database is unreachable" in line for line in server.lines)
