"""What Example 72 claims beyond its prints, in memory and on a real Redis: copies of a
request in flight at once charge once (a barrier on a real server proves the overlap), a
retry gets the stored answer, another body a 422, keys are per client and expire, a failed
charge releases its key; two servers share Redis and not memory; and the outline's
middleware charges twice, leaks one client's payment to another and ignores a new body."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import anyio.to_thread
import httpx2
import pytest
import redis
from fastapi.testclient import TestClient

from conftest import load_snippet, snippet_for
from transcripts import serve

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"
ALICE = {"X-API-Key": "alice-demo-key", "Idempotency-Key": KEY}
BOB = {"X-API-Key": "bob-demo-key", "Idempotency-Key": KEY}
ORDER = {"amount": "25.00", "currency": "EUR"}


def load(monkeypatch, redis_url: str | None) -> ModuleType:
    """The example as a fresh server process would import it."""
    if redis_url:
        monkeypatch.setenv("REDIS_URL", redis_url)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    return load_snippet(snippet_for(Path(__file__)))


@pytest.fixture(params=["memory", "redis"])
def redis_or_not(request) -> str | None:
    """None for the records in memory; the URL of a fresh Redis database otherwise."""
    if request.param == "memory":
        return None
    url = request.getfixturevalue("redis_url")
    with redis.Redis.from_url(url) as connection:
        connection.flushdb()
    return url


@pytest.fixture
def example(monkeypatch, redis_or_not) -> ModuleType:
    return load(monkeypatch, redis_or_not)


@pytest.fixture
def client(example) -> Iterator[TestClient]:
    with TestClient(example.app) as test_client:
        yield test_client


def pay(client, headers=ALICE, order=ORDER):
    return client.post("/payments", json=order, headers=headers)


class Barrier:
    """A charge_card that waits, once inside, until the test opens it: it holds the first
    request in flight for as long as the test needs."""

    def __init__(self, real):
        self.real = real
        self.inside = 0  # requests that have reached the charge
        self.entered = threading.Event()
        self.opened = threading.Event()

    async def __call__(self, *arguments):
        self.inside += 1
        self.entered.set()
        await anyio.to_thread.run_sync(self.opened.wait, 10)
        return await self.real(*arguments)


def test_a_retry_gets_the_stored_answer(client, example):
    first, retry = pay(client), pay(client)
    assert first.status_code == retry.status_code == 201
    assert (
        retry.json()
        == first.json()
        == {
            "id": "pay_000001",
            "amount": "25.00",
            "currency": "EUR",
            "status": "succeeded",
        }
    )
    assert (
        retry.headers["location"] == first.headers["location"] == "/payments/pay_000001"
    )
    assert retry.headers["content-type"] == first.headers["content-type"]
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(example.CHARGES) == 1


def test_another_body_under_the_same_key_is_refused(client, example):
    pay(client)
    for order in [{**ORDER, "amount": "30.00"}, {**ORDER, "currency": "USD"}]:
        response = pay(client, order=order)
        assert response.status_code == 422
        assert response.json() == {
            "detail": "This Idempotency-Key was used for another body"
        }
    assert len(example.CHARGES) == 1
    assert pay(client).status_code == 201  # the first body is still answered


def test_keys_belong_to_a_client(client, example):
    alices, bobs = pay(client), pay(client, BOB)
    assert bobs.status_code == 201
    assert bobs.json()["id"] != alices.json()["id"]
    assert "idempotent-replayed" not in bobs.headers
    assert [charge["client"] for charge in example.CHARGES] == ["alice", "bob"]
    # And bob with another body under the same key is not refused for alice's body.
    assert pay(client, BOB, {**ORDER, "amount": "1.00"}).status_code == 422


def test_the_quoted_key_of_the_draft_is_the_same_key(client, example):
    pay(client)
    quoted = pay(client, {**ALICE, "Idempotency-Key": f'"{KEY}"'})
    assert quoted.headers["idempotent-replayed"] == "true"
    assert len(example.CHARGES) == 1


@pytest.mark.parametrize(
    ("key", "status"),
    [
        (None, 400),
        ("", 422),
        ("short", 422),
        ("a" * 15, 422),
        ("a" * 65, 422),
        ("8e03978e 40d5 43e8", 422),
        ("8e03978e_40d5_43e8_bc93", 422),
        ("../../../../etc/passwd-xx", 422),
        ("8e03978e-40d5-43e8-bc93:x", 422),
    ],
)
def test_a_missing_or_malformed_key_charges_nothing(client, example, key, status):
    headers = {"X-API-Key": "alice-demo-key"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = pay(client, headers)
    assert response.status_code == status
    assert len(example.CHARGES) == 0


def test_a_bad_api_key_comes_first(client, example):
    response = pay(client, {**ALICE, "X-API-Key": "mallory"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"
    assert pay(client, {"Idempotency-Key": KEY}).status_code == 401
    assert len(example.CHARGES) == 0


def test_a_body_with_nan_is_a_422_without_the_input(client):
    response = client.post(
        "/payments",
        content=b'{"amount": NaN, "currency": "EUR"}',
        headers={**ALICE, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "NaN" not in response.text


def test_a_failed_charge_releases_the_key(example, monkeypatch):
    real, calls = example.charge_card, []

    async def fails_once(*arguments):
        calls.append(arguments)
        if len(calls) == 1:
            raise ConnectionError("the provider refused the connection")
        return await real(*arguments)

    monkeypatch.setattr(example, "charge_card", fails_once)
    with TestClient(example.app, raise_server_exceptions=False) as client:
        assert pay(client).status_code == 500
        retry = pay(client)
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert len(calls) == 2 and len(example.CHARGES) == 1


def test_records_are_forgotten_after_keep_for(
    example, client, monkeypatch, redis_or_not
):
    pay(client)
    if redis_or_not:
        with redis.Redis.from_url(redis_or_not) as connection:
            name = f"idempotency:alice:{KEY}"
            assert example.KEEP_FOR - 5 < connection.ttl(name) <= example.KEEP_FOR
            assert connection.pexpire(name, 1)  # as if the 24 hours had passed
            while connection.exists(name):
                time.sleep(0.001)
    else:
        later = example.time.monotonic() + example.KEEP_FOR + 1
        monkeypatch.setattr(example.time, "monotonic", lambda: later)
    again = pay(client)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert len(example.CHARGES) == 2


def test_memory_drops_expired_records_as_new_ones_come(monkeypatch):
    example = load(monkeypatch, None)
    with TestClient(example.app) as client:
        for number in range(3):
            key = f"{KEY[:-1]}{number}"
            pay(client, {**ALICE, "Idempotency-Key": key})
        assert len(example.store.records) == 3
        later = example.time.monotonic() + example.KEEP_FOR + 1
        monkeypatch.setattr(example.time, "monotonic", lambda: later)
        pay(client, {**ALICE, "Idempotency-Key": "f" * 16})
        assert list(example.store.records) == ["alice:" + "f" * 16]


# Real concurrency, on a real server


def post(base_url: str, headers=ALICE) -> httpx2.Response:
    with httpx2.Client(base_url=base_url, timeout=20) as http:
        return http.post("/payments", json=ORDER, headers=headers)


def test_a_copy_in_flight_is_a_409_and_one_charge(example, monkeypatch):
    barrier = Barrier(example.charge_card)
    monkeypatch.setattr(example, "charge_card", barrier)
    with serve(example.app) as base_url, ThreadPoolExecutor() as pool:
        first = pool.submit(post, base_url)
        assert barrier.entered.wait(10)  # the first request is inside the charge
        second = post(base_url)
        assert second.status_code == 409
        assert second.json() == {
            "detail": "A request with this Idempotency-Key is running"
        }
        barrier.opened.set()
        assert first.result().status_code == 201
        retry = post(base_url)
    assert retry.status_code == 201
    assert retry.json() == first.result().json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(example.CHARGES) == 1


def test_twenty_copies_at_once_charge_once(example, monkeypatch):
    barrier = Barrier(example.charge_card)
    monkeypatch.setattr(example, "charge_card", barrier)
    with serve(example.app) as base_url, ThreadPoolExecutor(20) as pool:
        answers = [pool.submit(post, base_url) for _ in range(20)]
        # The one inside the charge waits there until the nineteen others have their
        # answer: all twenty were in flight together.
        assert barrier.entered.wait(10)
        while sum(answer.done() for answer in answers) < 19:
            time.sleep(0.01)
        barrier.opened.set()
        statuses = sorted(answer.result().status_code for answer in answers)
    assert barrier.inside == 1
    assert statuses == [201] + [409] * 19
    assert len(example.CHARGES) == 1


def test_two_servers_need_a_shared_store(monkeypatch, redis_or_not):
    """Two copies of the module, each served by its own uvicorn: two workers, sharing
    nothing but Redis when REDIS_URL is set."""
    workers = [load(monkeypatch, redis_or_not) for _ in range(2)]
    barriers = [Barrier(worker.charge_card) for worker in workers]
    for worker, barrier in zip(workers, barriers, strict=True):
        monkeypatch.setattr(worker, "charge_card", barrier)
    with (
        serve(workers[0].app) as first_url,
        serve(workers[1].app) as second_url,
        ThreadPoolExecutor() as pool,
    ):
        first = pool.submit(post, first_url)
        assert barriers[0].entered.wait(10)
        second = pool.submit(post, second_url)
        if redis_or_not:
            assert second.result().status_code == 409
        else:
            assert barriers[1].entered.wait(10)  # the second worker charges too
        for barrier in barriers:
            barrier.opened.set()
        assert first.result().status_code == 201
    charges = sum(len(worker.CHARGES) for worker in workers)
    assert charges == (1 if redis_or_not else 2)


# The outline's middleware


def test_the_outlines_middleware_charges_twice_for_copies_in_flight(
    monkeypatch,
):
    example = load(monkeypatch, None)
    barrier = Barrier(example.charge_card)
    monkeypatch.setattr(example, "charge_card", barrier)
    with serve(example.naive_app) as base_url, ThreadPoolExecutor() as pool:
        first = pool.submit(post, base_url)
        assert barrier.entered.wait(10)
        second = pool.submit(post, base_url)
        while barrier.inside < 2:  # the copy found nothing stored, and charges too
            time.sleep(0.01)
        barrier.opened.set()
        assert first.result().status_code == second.result().status_code == 201
    assert len(example.CHARGES) == 2


def test_the_outlines_middleware_shares_keys_and_ignores_the_body(monkeypatch):
    example = load(monkeypatch, None)
    client = TestClient(example.naive_app)
    alices = pay(client)
    bobs = pay(client, BOB)
    assert bobs.json() == alices.json()  # alice's payment id and amount, for bob
    assert bobs.headers["x-idempotent-replayed"] == "true"
    larger = pay(client, order={**ORDER, "amount": "99.00"})
    assert larger.status_code == 201
    assert larger.json()["amount"] == "25.00"
    assert len(example.CHARGES) == 1  # bob and the new amount were never charged


def test_the_outlines_middleware_lets_a_request_without_a_key_through(monkeypatch):
    example = load(monkeypatch, None)
    client = TestClient(example.naive_app)
    no_key = {"X-API-Key": "alice-demo-key"}
    assert [pay(client, no_key).status_code for _ in range(2)] == [201, 201]
    assert len(example.CHARGES) == 2  # without a key, every retry is a new payment
