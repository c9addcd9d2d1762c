# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:app]
import math
import time
from collections import OrderedDict, deque

from fastapi import Depends, FastAPI, HTTPException, Request


class SlidingWindow:
    """At most `limit` requests per key in any `window` seconds, counted in this
    process's memory."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window, self.clock = limit, window, time.monotonic
        # key -> times of its requests in the window; the least recent key first.
        self.hits: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, key: str) -> float:
        """0 if a request may pass now (and counts it), else seconds until one may."""
        now = self.clock()
        # Forget the keys whose last request has left the window: memory stays bounded
        # by the clients of the last window, however many addresses come and go.
        while self.hits and next(iter(self.hits.values()))[-1] <= now - self.window:
            self.hits.popitem(last=False)
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self.hits.move_to_end(key)
            return 0
        return hits[0] + self.window - now


limiter = SlidingWindow(limit=3, window=10)


async def rate_limit(request: Request) -> None:
    # async, with no await between the check and the count: no other request of this
    # process can run in between, so no lock is needed.
    key = request.client.host if request.client else "unknown"  # see "Which key?"
    if seconds := limiter.wait(key):
        retry_after = str(math.ceil(seconds))
        raise HTTPException(429, "Too many requests", {"Retry-After": retry_after})


app = FastAPI()
TOO_MANY = {429: {"description": "Too many requests; Retry-After says when to retry"}}


@app.get("/search", dependencies=[Depends(rate_limit)], responses=TOO_MANY)
async def search(q: str = "") -> dict[str, str | list[str]]:
    return {"q": q, "results": []}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    now = 1000.0
    limiter.clock = lambda: now  # a clock moved by hand: the same output on any machine

    print([client.get("/search").status_code for _ in range(4)])
    #> [200, 200, 200, 429]
    now += 6  # the three requests are still in the window: 4 s to wait
    print(client.get("/search").headers["retry-after"])
    #> 4
    now += 4  # now they have left it
    print(client.get("/search").status_code)
    #> 200
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import http.client
    import os
    import signal
    import socket
    import subprocess
    import sys

    def passed_with(workers: int) -> int:
        """Serve this file with `fastapi run --workers N` on a free loopback port, and
        count the requests that pass until every worker has refused one."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [
            "fastapi",
            "run",
            __file__,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(
            [sys.executable, "-m", *command, "--workers", str(workers)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the server and its workers, stopped together
        )
        try:
            passed, workers_seen = 0, 0
            # One connection at a time: a kept-alive connection stays with the worker
            # that accepted it, so the requests sent on it until the first 429 are
            # what that worker allows. A worker already used up refuses at once.
            for _ in range(1000):
                if workers_seen == workers:
                    break
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                try:
                    connection.connect()
                except ConnectionRefusedError:  # not listening yet
                    time.sleep(0.1)
                    continue
                here = 0
                while True:
                    connection.request("GET", "/search")
                    response = connection.getresponse()
                    response.read()
                    if response.status == 429:
                        break
                    here += 1
                connection.close()
                passed += here
                workers_seen += here > 0
            return passed
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    # Each worker process has its own limiter: with two, a client gets twice the limit.
    print(passed_with(workers=2))
    #> 6
# --8<-- [end:more]
