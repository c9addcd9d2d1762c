"""What Example 64 claims beyond its prints, with real Gunicorn and Uvicorn processes: a
request in flight when SIGTERM arrives completes (while new connections are refused), one
that outlasts graceful_timeout is cut; each worker keeps its own in-memory state, which a
max_requests restart throws away; `timeout` kills a worker whose event loop is stuck, not a
slow request; forwarded_allow_ips decides whose X-Forwarded-For is believed; every name in
the config is a Gunicorn setting and reaches Uvicorn. And what the outline gets wrong."""

import contextlib
import inspect
import os
import shutil
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
import uvicorn_worker._workers
from gunicorn.config import Config
from gunicorn.glogging import Logger
from real_servers import server, wait_for_log, wait_until

from conftest import load_snippet
from site_sources import REPO

MODULE = "snippets.advanced.ex64_production_server"
SNIPPET = "snippets/advanced/ex64_production_server.py"
CONF = "snippets/advanced/ex64_gunicorn_conf.py"
GUNICORN = ["gunicorn", f"{MODULE}:app", "-c", CONF]

# The example's app, with routes that only the tests need.
WRAPPER = """
import asyncio
import pathlib
import time

from snippets.advanced.ex64_production_server import app

FLAGS = pathlib.Path(__file__).parent


@app.get("/hold")
async def hold():
    (FLAGS / "held").touch()
    while not (FLAGS / "release").exists():
        await asyncio.sleep(0.02)
    return {"held": "released"}


@app.get("/stuck")
async def stuck(seconds: float = 8):
    time.sleep(seconds)  # blocks the event loop: Gunicorn's heartbeat stops
    return {"stuck": seconds}


@app.get("/sleepy")
async def sleepy():
    await asyncio.sleep(4)  # longer than the timeout, and the loop stays free
    return {"slept": 4}
"""


@pytest.fixture
def wrapped(tmp_path) -> Path:
    (tmp_path / "wrapped.py").write_text(WRAPPER)
    return tmp_path


def visit(base_url: str, **headers) -> dict:
    """One GET /visit on a connection of its own, so that any worker may take it."""
    response = httpx2.get(
        f"{base_url}/visit", headers={"Connection": "close", **headers}, timeout=10
    )
    assert response.status_code == 200
    return response.json()


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def hold_and_sigterm(running, flags: Path, pool: ThreadPoolExecutor):
    """Start GET /hold, wait until the route is running, and send SIGTERM to the
    server's main process; return the request, still waiting for its answer."""
    held = pool.submit(httpx2.get, f"{running.base_url}/hold", timeout=60)
    wait_until((flags / "held").exists, what="the request to reach the route")
    os.kill(running.process.pid, signal.SIGTERM)
    return held


# Graceful shutdown.


def test_gunicorn_finishes_a_request_in_flight_when_sigterm_arrives(wrapped):
    argv = ["gunicorn", "wrapped:app", "-c", CONF, "--pythonpath", str(wrapped)]
    with server(argv) as running, ThreadPoolExecutor() as pool:
        held = hold_and_sigterm(running, wrapped, pool)
        # Gunicorn closes the listening socket at once: a load balancer moves on.
        wait_until(lambda: refuses_connections(running.port), what="refusals")
        assert not held.done()  # no longer accepting, still answering
        (wrapped / "release").touch()
        assert held.result().json() == {"held": "released"}
        assert running.process.wait(timeout=30) == 0


def test_fastapi_run_with_workers_finishes_it_too(wrapped):
    argv = ["fastapi", "run", str(wrapped / "wrapped.py"), "--workers", "2"]
    with (
        server(argv, env={"PYTHONPATH": str(REPO)}) as running,
        ThreadPoolExecutor() as pool,
    ):
        held = hold_and_sigterm(running, wrapped, pool)
        wait_for_log(running, "Shutting down", 2)  # both workers are stopping
        # Uvicorn's supervisor keeps the listening socket open until it exits: a new
        # connection still succeeds, and waits in the queue with nobody to answer it.
        assert not refuses_connections(running.port)
        assert not held.done()
        (wrapped / "release").touch()
        assert held.result().json() == {"held": "released"}
        assert running.process.wait(timeout=30) == 0


def test_a_request_that_outlasts_graceful_timeout_is_cut(wrapped):
    argv = ["gunicorn", "wrapped:app", "-c", CONF, "--pythonpath", str(wrapped)]
    argv += ["--graceful-timeout", "1"]
    with server(argv) as running, ThreadPoolExecutor() as pool:
        held = hold_and_sigterm(running, wrapped, pool)  # never released
        with pytest.raises(httpx2.HTTPError):
            held.result()
        running.process.wait(timeout=30)
        # The idle worker finished; the busy one was killed before it could.
        assert running.output().count("Finished server process") == 1


# Workers and the app's memory.


def test_each_worker_counts_in_its_own_memory():
    """Visits until both workers have answered some: each counts its own, from 1, and
    neither count is the number of visits."""
    with server(GUNICORN) as running:
        answers = [visit(running.base_url) for _ in range(10)]
        while len({answer["worker"] for answer in answers}) < 2 and len(answers) < 400:
            answers.append(visit(running.base_url))
    by_worker: dict[int, list[int]] = {}
    for answer in answers:
        by_worker.setdefault(answer["worker"], []).append(answer["visits"])
    assert len(by_worker) == 2  # both workers answered
    for counts in by_worker.values():
        assert counts == list(range(1, len(counts) + 1))  # each its own count
    assert max(answer["visits"] for answer in answers) < len(answers)


def test_max_requests_restarts_a_worker_and_forgets_its_memory():
    argv = [*GUNICORN, "--workers", "1", "--max-requests", "3"]
    argv += ["--max-requests-jitter", "0"]
    with server(argv, workers=1) as running:
        answers = []
        for number in range(7):
            if number and number % 3 == 0:  # a new worker has to start first
                wait_for_log(running, "Application startup complete", number // 3 + 1)
            answers.append(visit(running.base_url))
    assert [answer["visits"] for answer in answers] == [1, 2, 3, 1, 2, 3, 1]
    workers = [answer["worker"] for answer in answers]
    assert len(set(workers[0:3])) == len(set(workers[3:6])) == 1
    assert len({workers[0], workers[3], workers[6]}) == 3


def test_timeout_kills_a_stuck_worker_and_spares_a_slow_request(wrapped):
    """With Uvicorn workers, `timeout` is a heartbeat: the event loop tells Gunicorn it
    lives. A request that awaits for longer than the timeout is fine; one that blocks the
    loop gets its worker killed and replaced."""
    argv = ["gunicorn", "wrapped:app", "-c", CONF, "--pythonpath", str(wrapped)]
    argv += ["--workers", "1", "--timeout", "2"]
    with server(argv, workers=1) as running:
        before = visit(running.base_url)["worker"]
        slept = httpx2.get(f"{running.base_url}/sleepy", timeout=30)
        assert slept.json() == {"slept": 4}
        assert visit(running.base_url)["worker"] == before
        with pytest.raises(httpx2.HTTPError):
            httpx2.get(f"{running.base_url}/stuck", timeout=30)
        wait_for_log(running, "WORKER TIMEOUT")
        wait_for_log(running, "Application startup complete", 2)
        assert visit(running.base_url)["worker"] != before


def test_uvicorns_manager_replaces_a_frozen_worker():
    with server(["fastapi", "run", SNIPPET, "--workers", "2"]) as running:
        frozen = visit(running.base_url)["worker"]
        os.kill(frozen, signal.SIGSTOP)
        try:
            wait_for_log(running, f"Child process [{frozen}] died")
            wait_for_log(running, "Application startup complete", 3)
        finally:
            with contextlib.suppress(ProcessLookupError):  # killed by Uvicorn already
                os.kill(frozen, signal.SIGKILL)


def test_uvicorns_manager_does_not_notice_a_blocked_event_loop(wrapped):
    argv = ["uvicorn", "wrapped:app", "--app-dir", str(wrapped), "--workers", "2"]
    argv += ["--timeout-worker-healthcheck", "1"]
    with server(argv, env={"PYTHONPATH": str(REPO)}) as running:
        stuck = httpx2.get(
            f"{running.base_url}/stuck?seconds=3",
            headers={"Connection": "close"},
            timeout=30,
        )
        assert stuck.json() == {"stuck": 3.0}
        visit(running.base_url)
        assert "died" not in running.output()
        assert running.output().count("Application startup complete") == 2


# Whose X-Forwarded-For is believed.


def test_forwarded_for_is_taken_only_from_the_trusted_proxy():
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    with server([*GUNICORN, "--workers", "1"], workers=1) as running:
        # Here the "proxy" is curl on 127.0.0.1, the address the config trusts.
        assert visit(running.base_url, **forwarded)["client"] == "203.0.113.7"
        assert visit(running.base_url)["client"] == "127.0.0.1"
    argv = [*GUNICORN, "--workers", "1", "--forwarded-allow-ips", "10.0.0.2"]
    with server(argv, workers=1) as running:
        # From an address that is not the proxy's, the header is ignored.
        assert visit(running.base_url, **forwarded)["client"] == "127.0.0.1"


# The config file itself.


def gunicorn_config() -> Config:
    """The config file read the way Gunicorn reads it: every setting it names, set
    through Gunicorn's own validators."""
    config = Config()
    conf = load_snippet(REPO / CONF)
    for name, value in vars(conf).items():
        if not name.startswith("__"):
            config.set(name, value)
    return config


def test_every_name_in_the_config_is_a_gunicorn_setting():
    """Gunicorn ignores a name it does not know, so a typo (graceful_timout) would be
    lost without a word; every name here is one of its settings."""
    conf = load_snippet(REPO / CONF)
    names = {name for name in vars(conf) if not name.startswith("__")}
    assert names <= set(Config().settings)
    config = gunicorn_config()
    assert (config.workers, config.timeout, config.graceful_timeout) == (2, 30, 20)
    assert (config.keepalive, config.max_requests, config.max_requests_jitter) == (
        5,
        1000,
        100,
    )
    assert config.forwarded_allow_ips == ["127.0.0.1"]


def test_each_setting_reaches_uvicorn_in_the_worker():
    """What uvicorn-worker hands to Uvicorn: the keep-alive, the proxy it trusts, a
    request limit between 1000 and 1100, and a heartbeat every half timeout."""
    config = gunicorn_config()
    worker = config.worker_class(
        0, os.getpid(), [], None, config.timeout / 2, config, Logger(config)
    )
    assert worker.config.timeout_keep_alive == 5
    assert worker.config.forwarded_allow_ips == ["127.0.0.1"]
    assert 1000 <= worker.config.limit_max_requests <= 1100
    assert worker.config.timeout_notify == 15
    worker.tmp.close()  # the heartbeat file every worker keeps


def test_gunicorns_graceful_timeout_is_the_only_limit_on_a_uvicorn_worker():
    """uvicorn-worker sets no graceful timeout of Uvicorn's: after SIGTERM, Uvicorn waits
    for every request, and Gunicorn's SIGKILL after graceful_timeout ends the wait."""
    source = inspect.getsource(uvicorn_worker._workers)
    assert "timeout_graceful_shutdown" not in source
    assert "worker_connections" not in source


# Which server the pinned versions recommend.


def test_uvicorns_own_gunicorn_worker_is_deprecated():
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::DeprecationWarning",
            "-c",
            "import uvicorn.workers",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Please use `uvicorn-worker` package instead" in result.stderr


def test_fastapi_run_has_workers_and_uvicorn_has_the_rest():
    def options(*command: str) -> str:
        program = str(Path(sys.executable).parent / command[0])
        env = {**os.environ, "COLUMNS": "200"}
        return subprocess.run(
            [program, *command[1:], "--help"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout

    fastapi_run = options("fastapi", "run")
    assert "--workers" in fastapi_run
    for missing in ("--timeout-graceful-shutdown", "--limit-max-requests"):
        assert missing not in fastapi_run
    uvicorn = options("uvicorn")
    for present in (
        "--workers",
        "--timeout-graceful-shutdown",
        "--limit-max-requests-jitter",
        "--timeout-keep-alive",
        "--timeout-worker-healthcheck",
        "--forwarded-allow-ips",
    ):
        assert present in uvicorn


# What the outline gets wrong.


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset not installed")
def test_cpu_count_counts_cpus_the_process_may_not_use():
    """The outline's `multiprocessing.cpu_count() * 2 + 1`: pinned to one CPU (as a
    container limit or taskset pins it), cpu_count() still counts every CPU."""
    code = "import multiprocessing, os; print(multiprocessing.cpu_count(), len(os.sched_getaffinity(0)))"
    result = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    total, usable = map(int, result.stdout.split())
    assert usable == 1
    assert total == os.cpu_count()


def test_the_outlines_shell_arithmetic_is_not_shell():
    """`gunicorn main:app -w $(nproc*2+1)`: bash runs a command named `nproc*2+1`."""
    wrong = subprocess.run(
        ["bash", "-c", 'echo "[$(nproc*2+1)]"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert wrong.stdout == "[]\n"
    assert "command not found" in wrong.stderr
    right = subprocess.run(
        ["bash", "-c", "echo $(( $(nproc) * 2 + 1 ))"],
        capture_output=True,
        text=True,
        check=True,
    )
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True)
    assert int(right.stdout) == 2 * int(nproc.stdout) + 1


def test_gunicorn_has_an_asgi_worker_of_its_own():
    from gunicorn.workers import SUPPORTED_WORKERS

    assert SUPPORTED_WORKERS["asgi"] == "gunicorn.workers.gasgi.ASGIWorker"


def test_worker_connections_does_not_apply_to_uvicorn_workers():
    [setting] = [
        s for s in Config().settings.values() if s.name == "worker_connections"
    ]
    assert "only affects the ``gthread`` and ``gevent`` worker types" in setting.desc
