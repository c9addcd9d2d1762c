"""What Example 79 claims beyond its prints, against real Redis servers (tests/servers.py):
one limit shared by two server processes, atomic under concurrency where a read-then-write
counter is not, a sliding window with bounded memory, and a 503 when Redis is down."""

import asyncio
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import metadata

import pytest
import redis
from fastapi.testclient import TestClient
from redis.asyncio import Redis

from servers import redis_server

DATABASE = 7  # the example's tests keep to one database of the session's Redis


@pytest.fixture
def redis_db(redis_url, monkeypatch) -> Iterator[redis.Redis]:
    """An empty Redis database, named in REDIS_URL for the example's lifespan."""
    url = redis_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    monkeypatch.setenv("REDIS_URL", url)
    with redis.Redis.from_url(url, decode_responses=True) as connection:
        connection.flushdb()
        yield connection


@pytest.fixture
def limited(example, redis_db) -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client


def redis_now_ms(connection: redis.Redis) -> int:
    seconds, microseconds = connection.time()
    return seconds * 1000 + microseconds // 1000


def test_three_pass_then_429_with_retry_after(limited):
    assert [limited.get("/search").status_code for _ in range(3)] == [200] * 3
    refused = limited.get("/search")
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests"}
    assert refused.headers["retry-after"] in {"9", "10"}  # whole seconds, rounded up


def test_429_and_503_are_declared(limited):
    operation = limited.get("/openapi.json").json()["paths"]["/search"]["get"]
    assert set(operation["responses"]) == {"200", "422", "429", "503"}


def test_two_server_processes_share_one_limit(example, redis_db):
    """Two `fastapi run` processes on two ports, one Redis: of twenty requests sent at
    once, ten to each process, exactly three pass, whichever process answered them."""
    with example.two_servers() as urls:
        statuses = example.statuses_at_once(urls * 10)
    assert statuses == {200: 3, 429: 17}
    assert redis_db.zcard("rate-limit:127.0.0.1") == 3


def test_each_client_has_its_own_limit(example, redis_db):
    with TestClient(example.app, client=("198.51.100.1", 50000)) as first:
        assert [first.get("/search").status_code for _ in range(4)][-1] == 429
    with TestClient(example.app, client=("198.51.100.2", 50000)) as second:
        assert second.get("/search").status_code == 200
    assert redis_db.zcard("rate-limit:198.51.100.1") == 3


def test_requests_older_than_the_window_no_longer_count(limited, redis_db):
    now = redis_now_ms(redis_db)
    key = "rate-limit:testclient"
    redis_db.zadd(key, {"old-1": now - 10_500, "old-2": now - 10_001})
    redis_db.zadd(key, {"recent": now - 9_000})
    assert [limited.get("/search").status_code for _ in range(3)] == [200, 200, 429]
    assert "old-1" not in redis_db.zrange(key, 0, -1)


def test_retry_after_counts_to_when_the_oldest_request_leaves(limited, redis_db):
    now = redis_now_ms(redis_db)
    times = {"a": now - 9_400, "b": now - 5_000, "c": now - 1_000}
    redis_db.zadd("rate-limit:testclient", times)
    refused = limited.get("/search")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"  # 0.6 s, rounded up: never too early


def test_refused_requests_are_not_counted_and_the_key_expires(limited, redis_db):
    """A client that keeps sending costs three entries, not one per request, and its
    set disappears a window after its last counted request."""
    for _ in range(50):
        limited.get("/search")
    key = "rate-limit:testclient"
    assert redis_db.zcard(key) == 3
    assert 0 < redis_db.pttl(key) <= 10_000


def test_the_script_runs_by_its_sha_and_is_loaded_again_after_a_flush(
    example, limited, redis_db
):
    sha = example.app.state.window.sha
    limited.get("/search")
    assert redis_db.script_exists(sha) == [True]
    redis_db.script_flush()  # as after a Redis restart: EVALSHA gets NOSCRIPT
    assert limited.get("/search").status_code == 200
    assert redis_db.script_exists(sha) == [True]


def test_a_stopped_redis_is_a_503_with_retry_after_and_nothing_passes(
    example, monkeypatch, tmp_path
):
    """Fail closed: a Redis server of this test's own, stopped while the app runs."""
    with redis_server(tmp_path / "redis") as url:
        monkeypatch.setenv("REDIS_URL", url)
        client = TestClient(example.app)
        client.__enter__()
        assert client.get("/search").status_code == 200
    try:
        down = [client.get("/search") for _ in range(5)]
    finally:
        client.__exit__(None, None, None)
    assert {response.status_code for response in down} == {503}
    assert down[0].headers["retry-after"] == "1"
    assert down[0].json() == {"detail": "Rate limit unavailable"}


def test_a_redis_that_never_answers_is_a_503_not_a_hang(example, monkeypatch):
    """A listening socket that never replies: the 0.5 s socket timeout ends the wait
    (redis-py's own default is 5 s, for every request)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
        with TestClient(example.app) as client:
            assert client.get("/search").status_code == 503


def test_a_key_of_the_wrong_type_is_a_503_too(limited, redis_db):
    redis_db.set("rate-limit:testclient", "not a sorted set")
    assert limited.get("/search").status_code == 503


class ReadTogether:
    """Every caller's GET returns only once all have read: the interleaving that loses
    updates, made certain."""

    def __init__(self, client: Redis, callers: int) -> None:
        self.client, self.barrier = client, asyncio.Barrier(callers)

    async def get(self, key):
        value = await self.client.get(key)
        await self.barrier.wait()
        return value

    async def set(self, *args, **kwargs):
        return await self.client.set(*args, **kwargs)


def test_read_then_write_lets_every_concurrent_request_through(example, redis_db):
    url = redis_db.connection_pool.connection_kwargs
    address = f"redis://{url['host']}:{url['port']}/{DATABASE}"

    async def race() -> tuple[list[bool], list[int]]:
        async with Redis.from_url(address) as client:
            together = ReadTogether(client, 10)
            naive = await asyncio.gather(
                *(example.naive_allow(together, "naive") for _ in range(10))
            )
            window = client.register_script(example.SLIDING_WINDOW)
            arguments = [[3, 10_000, secrets.token_hex(8)] for _ in range(10)]
            atomic = await asyncio.gather(*(window(["atomic"], a) for a in arguments))
            return naive, atomic

    naive, atomic = asyncio.run(race())
    assert naive == [True] * 10  # a limit of three, and all ten passed
    assert redis_db.get("naive") == "1"  # each wrote "one more than I read"
    assert atomic.count(0) == 3


def test_read_then_write_is_right_one_request_at_a_time(example, redis_db):
    url = redis_db.connection_pool.connection_kwargs

    async def one_by_one() -> list[bool]:
        address = f"redis://{url['host']}:{url['port']}/{DATABASE}"
        async with Redis.from_url(address) as client:
            return [await example.naive_allow(client, "naive") for _ in range(5)]

    assert asyncio.run(one_by_one()) == [True, True, True, False, False]


def test_the_outlines_redis_asyncio_extra_does_not_exist():
    """`pip install redis[asyncio]`: pip installs redis and warns that it has no such
    extra; redis.asyncio comes with redis itself (since 4.2)."""
    assert "asyncio" not in metadata("redis").get_all("Provides-Extra")


def test_the_outlines_retry_after_from_the_keys_ttl_is_up_to_twice_too_long(redis_db):
    """A fixed window of W seconds keyed by the window's number, with EXPIRE 2W on the
    first request and Retry-After taken from TTL: the counter starts again at the next
    window, at most W seconds away, but TTL says about 2W."""
    window = 60
    now = redis_db.time()[0]
    key = f"fixed:{now // window}"
    redis_db.incr(key)
    redis_db.expire(key, window * 2)
    next_window_in = window - now % window
    assert redis_db.ttl(key) == 2 * window > next_window_in


def test_a_server_that_exits_at_once_is_reported(example):
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    with pytest.raises(RuntimeError, match="did not start"):
        example.wait_for(example.free_port(), exited)
