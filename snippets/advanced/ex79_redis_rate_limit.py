# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:lifespan]
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from redis.asyncio import Redis

LUA = Path(__file__).parent / "ex79_redis_rate_limit" / "sliding_window.lua"
SLIDING_WINDOW = LUA.read_text()  # KEYS[1]: the client; ARGV: limit, window, a new id


@asynccontextmanager
async def lifespan(app: FastAPI):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # Half a second at most per call: when Redis is down, answer at once (below).
    redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    async with redis:
        app.state.window = redis.register_script(SLIDING_WINDOW)  # run by EVALSHA
        yield


# --8<-- [end:lifespan]


# --8<-- [start:app]
import math
import secrets

from fastapi import Depends, FastAPI, HTTPException, Request
from redis.exceptions import RedisError

LIMIT, WINDOW_MS = 3, 10_000  # at most 3 requests in any 10 seconds, per client


async def rate_limit(request: Request) -> None:
    key = f"rate-limit:{request.client.host if request.client else 'unknown'}"
    try:
        wait_ms = await request.app.state.window(
            keys=[key], args=[LIMIT, WINDOW_MS, secrets.token_hex(8)]
        )
    except RedisError:  # fail closed: without a count, nothing passes
        raise HTTPException(
            503, "Rate limit unavailable", {"Retry-After": "1"}
        ) from None
    if wait_ms:
        retry_after = str(math.ceil(wait_ms / 1000))
        raise HTTPException(429, "Too many requests", {"Retry-After": retry_after})


app = FastAPI(lifespan=lifespan)  # opens Redis, loads the script (collapsed above)
ANSWERS = {429: {"description": "Too many requests"}, 503: {"description": "No Redis"}}


@app.get("/search", dependencies=[Depends(rate_limit)], responses=ANSWERS)
async def search(q: str = "") -> dict[str, str | list[str]]:
    return {"q": q, "results": []}


# --8<-- [end:app]


# --8<-- [start:servers]
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    while process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{process.args[0]} did not start")


@contextmanager
def throwaway_redis() -> Iterator[str]:
    """A redis-server of its own (apt install redis-server) on a free loopback port,
    keeping nothing on disk; yields its URL."""
    port, folder = free_port(), tempfile.mkdtemp()
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port)]
    command += ["--bind", "127.0.0.1", "--save", "", "--dir", folder]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_for(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder)


@contextmanager
def two_servers() -> Iterator[list[str]]:
    """This file served by two `fastapi run` processes on two loopback ports, sharing
    the REDIS_URL of the environment; yields their URLs."""
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "fastapi", "run", __file__, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # each server and its children, stopped together
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_for(port, server)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()


def statuses_at_once(urls: list[str]) -> dict[int, int]:
    """GET /search from each URL, each in a thread of its own, all sent together: how
    many requests got each status."""
    with httpx2.Client() as client, ThreadPoolExecutor(len(urls)) as threads:
        answers = threads.map(lambda url: client.get(url + "/search"), urls)
        return dict(sorted(Counter(answer.status_code for answer in answers).items()))


# --8<-- [end:servers]


# --8<-- [start:naive]
async def naive_allow(redis, key: str) -> bool:
    """A fixed-window counter read, then written: two separate commands."""
    count = int(await redis.get(key) or 0)
    if count >= LIMIT:
        return False
    # Another request, in this process or another, may have read the same count.
    await redis.set(key, count + 1, px=WINDOW_MS)
    return True


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    with throwaway_redis() as url:  # a Redis of the demo's own (collapsed below)
        os.environ["REDIS_URL"] = url
        # Two server processes, one Redis: ten requests at once, five to each.
        with two_servers() as urls:
            print(statuses_at_once(urls * 5))
            #> {200: 3, 429: 7}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import asyncio
    from importlib.metadata import metadata

    from fastapi.testclient import TestClient
    from redis.asyncio import Redis

    with throwaway_redis() as url:  # one client, one request at a time
        os.environ["REDIS_URL"] = url
        with TestClient(app) as client:
            print([client.get("/search").status_code for _ in range(4)])
            #> [200, 200, 200, 429]
            print(client.get("/search").headers["retry-after"])  # seconds, rounded up
            #> 10

    class ReadTogether:
        """A Redis client whose GET answers only once every caller has read: the worst
        interleaving of concurrent requests, made certain instead of likely."""

        def __init__(self, redis: Redis, callers: int) -> None:
            self.redis, self.barrier = redis, asyncio.Barrier(callers)

        async def get(self, key: str):
            value = await self.redis.get(key)
            await self.barrier.wait()
            return value

        async def set(self, *args, **kwargs):
            return await self.redis.set(*args, **kwargs)

    async def ten_at_once(url: str) -> tuple[int, int]:
        """How many of ten concurrent requests each version lets through."""
        async with Redis.from_url(url) as redis:
            together = ReadTogether(redis, 10)
            naive = [naive_allow(together, "naive:client") for _ in range(10)]
            window = redis.register_script(SLIDING_WINDOW)
            arguments = [[LIMIT, WINDOW_MS, secrets.token_hex(8)] for _ in range(10)]
            atomic = [window(["atomic:client"], args) for args in arguments]
            passed = await asyncio.gather(*naive), await asyncio.gather(*atomic)
        return sum(passed[0]), passed[1].count(0)

    with throwaway_redis() as url:
        print(asyncio.run(ten_at_once(url)))  # (read then written, the Lua script)
        #> (10, 3)

    # No Redis at REDIS_URL (a port where nothing listens): refused at once, with 503.
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    with TestClient(app) as client:
        down = client.get("/search")
        print(down.status_code, down.headers["retry-after"], down.json())
        #> 503 1 {'detail': 'Rate limit unavailable'}

    # The outline's `pip install redis[asyncio]`: the package has no such extra.
    print("asyncio" in metadata("redis").get_all("Provides-Extra"))
    #> False
    # --8<-- [end:more]
