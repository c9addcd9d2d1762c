"""Server commands run for real by the tests of Examples 62-64 (fastapi run, uvicorn,
Gunicorn): each from the repository root, as its own process group, on a free loopback
port, with its output kept, stopped together at the end."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from site_sources import REPO
from transcripts import free_port, wait_for_port


@dataclass
class Running:
    base_url: str
    process: subprocess.Popen
    log: IO[str]

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()


@contextmanager
def server(
    argv: list[str], env: dict[str, str] | None = None, workers: int = 2
) -> Iterator[Running]:
    """Run `argv` (its first word a program of this virtualenv) with a free port added as
    --bind (Gunicorn) or --host/--port; yield once `workers` workers have each logged that
    their application started, since a request sent earlier reaches only those that have."""
    port = free_port()
    if argv[0] == "gunicorn":
        bind = ["--bind", f"127.0.0.1:{port}"]
    else:
        bind = ["--host", "127.0.0.1", "--port", str(port)]
    program = str(Path(sys.executable).parent / argv[0])
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [program, *argv[1:], *bind],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running = Running(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_for_port(port, process, log)
            wait_for_log(running, "Application startup complete", workers)
            yield running
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group, then SIGKILL if a worker still holds a request after
    30 s: a failing test must not leave servers behind."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:  # the test stopped it already
        process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):  # workers it left, if any
        os.killpg(process.pid, signal.SIGKILL)


def wait_for_log(
    running: Running, text: str, count: int = 1, seconds: float = 60
) -> None:
    """Until the server's output holds `text` at least `count` times."""
    deadline = threading.Event()
    timer = threading.Timer(seconds, deadline.set)
    timer.start()
    try:
        while not deadline.is_set():
            if running.output().count(text) >= count:
                return
            if running.process.poll() is not None:
                break
            deadline.wait(0.05)
    finally:
        timer.cancel()
    raise AssertionError(f"{text!r} not seen {count} times:\n{running.output()}")


def wait_until(condition, seconds: float = 30, what: str = "the condition") -> None:
    """Poll `condition()` until it is true."""
    pause = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        pause.wait(0.05)
    raise AssertionError(f"{what} did not happen within {seconds} s")
