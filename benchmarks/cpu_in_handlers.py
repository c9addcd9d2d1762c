"""How CPU-bound work in a `def` handler slows every other request (Example 3).

    python benchmarks/cpu_in_handlers.py              # 200 light requests per row
    python benchmarks/cpu_in_handlers.py --requests 500

Starts Example 3 for real, uvicorn serving snippets/beginner/ex03_async_and_sync.py on a free
loopback port in its own process, and times a light request (FastAPI's own GET
/openapi.json) while nothing else runs, then while GET /cpu (pure-Python computation in a
`def` handler, on a worker thread) keeps running from other clients.

Prints figures; it asserts nothing (timings are not tests). What the tests check instead,
with no clock: tests/beginner/test_ex03_async_and_sync.py (the loop takes turns with the
computing thread, and waits for the GIL between turns). Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SNIPPET = REPO / "snippets" / "beginner" / "ex03_async_and_sync.py"
LIGHT = "/openapi.json"
HEAVY = "/cpu"

# A client in a process of its own, so that its threads never compete with the
# measurements for this process's GIL: it keeps `count` GET /cpu requests running at once.
# It stops when its stdin closes, and prints how many it completed and how many failed.
HAMMER = """
import http.client, sys, threading
port, count = int(sys.argv[1]), int(sys.argv[2])
stop, done, failed = threading.Event(), [], []

def hammer():
    while not stop.is_set():
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/cpu")
            status = connection.getresponse().status
            connection.close()
            (done if status == 200 else failed).append(status)
        except OSError as error:
            failed.append(repr(error))

threads = [threading.Thread(target=hammer) for _ in range(count)]
for thread in threads:
    thread.start()
print("running", flush=True)
sys.stdin.read()
stop.set()
for thread in threads:
    thread.join()
print(len(done), failed[:3], flush=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> float:
    """One request on a new connection, as curl sends it; its latency in seconds."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return elapsed


@contextmanager
def example_server() -> Iterator[int]:
    """uvicorn serving Example 3's `app` in a process of its own; yields its port."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"{SNIPPET.stem}:app",
            "--app-dir",
            str(SNIPPET.parent),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(port, LIGHT)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def cpu_load(port: int, count: int) -> Iterator[None]:
    if count == 0:
        yield
        return
    hammer = subprocess.Popen(
        [sys.executable, "-c", HAMMER, str(port), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        hammer.stdout.readline()
        time.sleep(0.3)  # every hammering client has its request under way
        yield
    except BaseException:
        hammer.kill()
        raise
    completed, failures = hammer.communicate(timeout=120)[0].split(" ", 1)
    if failures.strip() != "[]":
        raise RuntimeError(f"GET {HEAVY} failed under load: {failures}")
    if int(completed) < count:
        raise RuntimeError(f"only {completed} GET {HEAVY} completed under load")


def milliseconds(latencies: list[float]) -> tuple[float, float, float]:
    """Mean, median and 90th percentile, in milliseconds."""
    ordered = sorted(latencies)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (
        statistics.mean(ordered) * 1000,
        statistics.median(ordered) * 1000,
        p90 * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=200, help="light requests per row"
    )
    parser.add_argument(
        "--load",
        type=int,
        nargs="+",
        default=[1, 4],
        help="how many GET /cpu to keep running at once, one row each",
    )
    arguments = parser.parse_args()

    print(
        f"{SNIPPET.relative_to(REPO)} served by uvicorn; Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms"
    )
    with example_server() as port:
        for _ in range(20):  # warm-up: the schema is built on the first request
            get(port, LIGHT)
        alone = milliseconds([get(port, HEAVY) for _ in range(20)])[1]
        print(f"one GET {HEAVY} alone takes {alone:.1f} ms (median of 20)")
        print(
            f"\nGET {LIGHT} latency, {arguments.requests} requests one after another, "
            "each on a new connection"
        )
        print(
            f"{'':<32}{'mean ms':>9}{'median ms':>11}{'p90 ms':>9}{'mean vs idle':>14}"
        )
        idle = None
        for count in [0, *arguments.load]:
            with cpu_load(port, count):
                latencies = [get(port, LIGHT) for _ in range(arguments.requests)]
            mean, median, p90 = milliseconds(latencies)
            idle = idle or mean
            label = "idle" if count == 0 else f"while {count} GET {HEAVY} run at once"
            print(
                f"{label:<32}{mean:>9.2f}{median:>11.2f}{p90:>9.2f}{mean / idle:>13.1f}x"
            )


if __name__ == "__main__":
    main()
