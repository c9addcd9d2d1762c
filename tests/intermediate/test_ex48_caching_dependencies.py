"""What Example 48 claims beyond its prints: what each cache keeps, and for how long."""

import asyncio
import contextlib
import threading
import time
from types import SimpleNamespace
from typing import Annotated

import httpx2
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from conftest import load_snippet
from site_sources import SNIPPETS

SNIPPET = SNIPPETS / "intermediate" / "ex48_caching_dependencies.py"


@pytest.fixture
def example():
    """A fresh import for every test: the caches live in the module."""
    return load_snippet(SNIPPET)


@pytest.fixture
def client(example):
    with TestClient(example.app) as test_client:
        yield test_client


def test_a_rate_and_a_declared_404(client):
    assert client.get("/rates/GBP").json() == {"from": "EUR", "to": "GBP", "rate": 0.85}
    response = client.get("/rates/JPY")
    assert response.status_code == 404
    assert response.json() == {"detail": "No rate for JPY"}
    operation = client.get("/openapi.json").json()["paths"]["/rates/{currency}"]["get"]
    assert set(operation["responses"]) == {"200", "404", "422"}


def test_rates_are_loaded_once_per_ttl(client, example):
    for _ in range(5):
        client.get("/rates/USD")
    assert example.service_calls == 1
    example.expires = time.monotonic() - 1  # the minute is up
    client.get("/rates/USD")
    client.get("/rates/USD")
    assert example.service_calls == 2


def test_the_ttl_comes_from_the_settings(client, example):
    before = time.monotonic()
    client.get("/rates/USD")
    assert before + 60 <= example.expires <= time.monotonic() + 60


def test_fastapi_runs_a_dependency_once_per_request_however_often_it_is_asked_for(
    example,
):
    calls = []

    def counted_settings():
        calls.append(1)
        return example.Settings()

    example.app.dependency_overrides[example.get_settings] = counted_settings
    client = TestClient(example.app)
    client.get("/rates/USD")  # asked for by get_rates and by read_rate
    assert len(calls) == 1
    client.get("/rates/USD")
    assert len(calls) == 2  # and again for the next request: the cache is per request


def test_use_cache_false_runs_it_every_time_it_is_asked_for(example):
    calls = []

    def counted():
        calls.append(1)

    app = FastAPI()

    Uncached = Annotated[None, Depends(counted, use_cache=False)]

    @app.get("/")
    def twice(a: Uncached, b: Uncached):
        return None

    TestClient(app).get("/")
    assert len(calls) == 2


def test_settings_are_built_once_per_process_and_are_read_only(client, example):
    for _ in range(3):
        client.get("/rates/USD")
    assert example.get_settings.cache_info().misses == 1
    settings = example.get_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.base_currency = "USD"


def test_a_fresh_process_builds_its_own_settings_and_rates(client, example):
    """What `--workers 2` or a reload of `fastapi dev` does: new import, new caches."""
    client.get("/rates/USD")
    other = load_snippet(SNIPPET)
    TestClient(other.app).get("/rates/USD")
    assert example.service_calls == other.service_calls == 1
    assert other.get_settings() is not example.get_settings()


def concurrent_requests(app, count: int) -> list[int]:
    async def send():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://x") as c:
            responses = await asyncio.gather(
                *(c.get("/rates/USD") for _ in range(count))
            )
        return [response.status_code for response in responses]

    return asyncio.run(send())


def test_concurrent_requests_on_a_cold_cache_share_one_load(example):
    assert concurrent_requests(example.app, 20) == [200] * 20
    assert example.service_calls == 1


def test_without_the_lock_every_concurrent_request_loads(example, monkeypatch):
    monkeypatch.setattr(example, "lock", contextlib.nullcontext())
    concurrent_requests(example.app, 20)
    assert example.service_calls == 20


# The outline's functools.cache, on dependencies of other kinds (naive_app).


@pytest.fixture
def naive(example):
    return TestClient(example.naive_app, raise_server_exceptions=False)


def test_cache_on_a_dependency_keeps_one_entry_per_value_a_client_sends(naive, example):
    for number in range(500):
        assert naive.get(f"/words/w{number}").status_code == 200
    info = example.describe.cache_info()
    assert info.maxsize is None and info.currsize == 500  # and it never shrinks


def test_fastapi_still_reads_the_parameters_through_the_cache_wrapper(example):
    operation = example.naive_app.openapi()["paths"]["/words/{word}"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["word"]


def test_cache_on_an_async_dependency_fails_from_the_second_request(example):
    client = TestClient(example.naive_app)
    assert client.get("/profile").json() == {"name": "Ada"}
    with pytest.raises(RuntimeError, match="cannot reuse already awaited coroutine"):
        client.get("/profile")


def test_cache_on_a_yield_dependency_fails_from_the_second_request(example):
    client = TestClient(example.naive_app)
    assert client.get("/connection").json() == {"connected": True}
    with pytest.raises(RuntimeError, match="didn't yield"):
        client.get("/connection")


def test_a_cached_object_mutated_by_one_request_is_changed_for_all(naive):
    assert naive.put("/preferences?theme=dark").json() == {"theme": "dark"}
    # Another user, who never chose: the same dict.
    assert naive.put("/preferences?theme=dark").json() == {"theme": "dark"}
    assert naive.put("/preferences?theme=light").json() == {"theme": "light"}


def test_the_wall_clock_cache_serves_a_fresh_entry_from_the_cache(naive, example):
    first = naive.get("/items/3").json()
    assert naive.get("/items/3").json() == first
    assert example.item_cache.get(3) is example.item_cache.values[3]


def test_the_wall_clock_cache_never_drops_entries_nobody_asks_for_again(naive, example):
    for item_id in range(300):
        naive.get(f"/items/{item_id}")
    example.item_cache.ttl = -1  # every entry has expired...
    assert len(example.item_cache.values) == 300  # ...and every one is still there


class DeleteTogether(dict):
    """A dict whose first two deletions interleave as two threads of a real server can:
    both threads have seen the key; the first deletes it, and the second tries to before
    the first can store a fresh entry."""

    def __init__(self, *args):
        super().__init__(*args)
        self.both_arrived = threading.Barrier(2, timeout=10)
        self.first_deleted = threading.Event()
        self.second_tried = threading.Event()
        self.arrivals = 0
        self.counting = threading.Lock()

    def __delitem__(self, key):
        with self.counting:
            self.arrivals += 1
            arrival = self.arrivals
        if arrival > 2:
            return super().__delitem__(key)
        first = arrival == 1
        self.both_arrived.wait()
        if first:
            super().__delitem__(key)
            self.first_deleted.set()
            self.second_tried.wait(timeout=10)
        else:
            self.first_deleted.wait(timeout=10)
            try:
                super().__delitem__(key)
            finally:
                self.second_tried.set()


def test_the_wall_clock_cache_fails_when_two_threads_expire_one_entry(example):
    """Both requests find the entry expired; the second `del` raises KeyError, and that
    client gets a 500."""
    client = TestClient(example.naive_app, raise_server_exceptions=False)
    assert client.get("/items/7").status_code == 200
    example.item_cache.values = DeleteTogether(example.item_cache.values)
    example.time = SimpleNamespace(time=lambda: float("inf"))  # long after the TTL
    statuses = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(client.get("/items/7").status_code)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(statuses) == [200, 500]


def test_a_client_cycling_through_one_value_more_than_maxsize_empties_an_lru_cache():
    """lru_cache(maxsize=128) bounds the memory, and a client that sends 129 values in
    turn evicts each entry just before it would have been used: no hit at all."""
    from functools import lru_cache

    @lru_cache(maxsize=128)
    def describe(word: str) -> int:
        return len(word)

    for _ in range(3):
        for number in range(129):
            describe(f"w{number}")
    info = describe.cache_info()
    assert (info.hits, info.currsize) == (0, 128)
