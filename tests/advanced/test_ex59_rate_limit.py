import asyncio
import random
import time

import httpx2
import pytest
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from transcripts import serve


@pytest.fixture
def limiter(example):
    """The example's limiter, emptied, on a clock the test moves."""
    example.limiter.hits.clear()
    clock = {"now": 1000.0}
    example.limiter.clock = lambda: clock["now"]
    yield clock
    example.limiter.hits.clear()
    example.limiter.clock = time.monotonic


def test_three_pass_then_429_with_retry_after(client, limiter):
    assert [client.get("/search").status_code for _ in range(3)] == [200] * 3
    limiter["now"] += 2.5
    response = client.get("/search")
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests"}
    assert response.headers["retry-after"] == "8"  # ceil(10 - 2.5): never too early
    limiter["now"] += 7.5
    assert client.get("/search").status_code == 200


def test_the_429_is_declared(client):
    responses = client.get("/openapi.json").json()["paths"]["/search"]["get"]
    assert set(responses["responses"]) == {"200", "422", "429"}


def test_no_window_anywhere_lets_more_than_the_limit_through(example, limiter):
    """The outline's claim, true for a sliding window: a burst at a window's end and
    another at the next one's start do not add up to twice the limit."""
    rng = random.Random(59)
    passed = []
    for _ in range(2000):
        limiter["now"] += rng.choice([0.01, 0.5, 2.0, 4.9])
        if example.limiter.wait("client") == 0:
            passed.append(limiter["now"])
    for index, start in enumerate(passed):
        within = [t for t in passed[index:] if t < start + example.limiter.window]
        assert len(within) <= example.limiter.limit
    assert len(passed) > 500  # and it does let requests through


def test_a_counter_reset_every_window_lets_twice_the_limit_through_at_the_reset():
    """What the sliding window avoids: a fixed window counted from whole periods."""
    counts: dict[int, int] = {}

    def fixed_window_allows(now: float) -> bool:
        period = int(now // 10)
        counts[period] = counts.get(period, 0) + 1
        return counts[period] <= 3

    burst = [9.7, 9.8, 9.9, 10.0, 10.1, 10.2]
    assert sum(fixed_window_allows(t) for t in burst) == 6  # six within 0.5 s


def test_clients_whose_requests_left_the_window_are_forgotten(example, limiter):
    for number in range(1000):
        assert example.limiter.wait(f"203.0.113.{number}") == 0
    assert len(example.limiter.hits) == 1000
    limiter["now"] += 10
    example.limiter.wait("198.51.100.1")
    assert list(example.limiter.hits) == ["198.51.100.1"]


def test_fifty_requests_at_once_on_a_real_server_let_exactly_three_through(example):
    example.limiter.hits.clear()

    async def fifty_at_once(url: str) -> list[int]:
        async with httpx2.AsyncClient(base_url=url) as http:
            responses = await asyncio.gather(*(http.get("/search") for _ in range(50)))
        return sorted(response.status_code for response in responses)

    with serve(example.app) as url:
        statuses = asyncio.run(fifty_at_once(url))
    assert statuses == [200] * 3 + [429] * 47


def behind(example, trusted: str, client: str) -> TestClient:
    """The app behind uvicorn's proxy-header handling, as `--forwarded-allow-ips`
    configures it, reached from the address `client`."""
    app = ProxyHeadersMiddleware(example.app, trusted_hosts=trusted)
    return TestClient(app, client=(client, 50000))


def statuses(client: TestClient, forwarded_for: list[str]) -> list[int]:
    return [
        client.get("/search", headers={"X-Forwarded-For": value}).status_code
        for value in forwarded_for
    ]


SPOOFED = [f"192.0.2.{n}" for n in range(6)]  # a new address on every request


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_key(example, limiter):
    client = behind(example, "127.0.0.1,::1", client="198.51.100.1")
    assert statuses(client, SPOOFED) == [200] * 3 + [429] * 3
    assert list(example.limiter.hits) == ["198.51.100.1"]


def test_behind_a_trusted_proxy_the_key_is_the_address_the_proxy_saw(example, limiter):
    """The proxy appends the address it saw; whatever the client wrote comes first."""
    proxy = behind(example, "127.0.0.1,::1", client="127.0.0.1")
    appended = [f"{spoofed}, 198.51.100.1" for spoofed in SPOOFED]
    assert statuses(proxy, appended) == [200] * 3 + [429] * 3
    assert list(example.limiter.hits) == ["198.51.100.1"]


def test_trusting_every_sender_lets_a_client_choose_its_key(example, limiter):
    client = behind(example, "*", client="198.51.100.1")
    assert statuses(client, SPOOFED) == [200] * 6  # never limited
    assert len(example.limiter.hits) == 6


def test_without_proxy_headers_every_client_shares_the_proxys_limit(example, limiter):
    proxy = TestClient(example.app, client=("127.0.0.1", 50000))
    for _ in range(3):
        assert proxy.get("/search").status_code == 200
    # Another client, arriving through the same proxy: already limited.
    assert (
        proxy.get("/search", headers={"X-Forwarded-For": "198.51.100.2"}).status_code
        == 429
    )
