import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from conftest import load_snippet
from site_sources import SNIPPETS
from transcripts import serve

SNIPPET = SNIPPETS / "advanced" / "ex57_gather.py"
TRIP = {"origin": "AMS", "destination": "OPO"}


@contextmanager
def serving(app_name: str, upstream: FastAPI, monkeypatch) -> Iterator[TestClient]:
    """The snippet's app_name, its lifespan running, with AIRLINES_URL set to upstream
    served by uvicorn on loopback."""
    with serve(upstream) as url:
        monkeypatch.setenv("AIRLINES_URL", url)
        module = load_snippet(SNIPPET)
        with TestClient(getattr(module, app_name)) as client:
            client.module = module
            yield client


def airlines_that_answer_only_together() -> FastAPI:
    """Each call waits (up to 0.3 s, less than the app's timeout) until three calls are
    in flight at the same moment; a call that waits alone gets a 504. A fare therefore
    proves that the three calls overlapped."""
    upstream = FastAPI()
    calls = {"in_flight": 0}
    together = asyncio.Event()

    @upstream.get("/{airline}/fares")
    async def fare(airline: str):
        calls["in_flight"] += 1
        if calls["in_flight"] == 3:
            together.set()
        try:
            async with asyncio.timeout(0.3):
                await together.wait()
        except TimeoutError:
            raise HTTPException(504, "waited alone") from None
        finally:
            calls["in_flight"] -= 1
        return {"airline": airline, "price": "10.00"}

    return upstream


def test_gather_has_the_three_calls_in_flight_at_once(monkeypatch):
    with serving("app", airlines_that_answer_only_together(), monkeypatch) as client:
        answer = client.get("/fares", params=TRIP).json()
        assert answer["missing"] == []
        assert [fare["airline"] for fare in answer["fares"]] == [
            "northwind",
            "bluesky",
            "slowair",
        ]
        # With AIRLINES_URL set, the stand-in was never started.
        assert client.module.TRAFFIC["peak"] == 0


def test_calls_one_after_another_never_overlap(monkeypatch):
    with serving(
        "sequential_app", airlines_that_answer_only_together(), monkeypatch
    ) as client:
        answer = client.get("/fares", params=TRIP).json()
    assert answer == {"fares": [], "missing": ["northwind", "bluesky", "slowair"]}


def test_the_stand_in_sees_three_calls_at_once_and_one_at_a_time(example):
    example.TRAFFIC["peak"] = 0
    with TestClient(example.app) as client:
        assert client.get("/fares", params=TRIP).json()["missing"] == []
    assert example.TRAFFIC == {"in_flight": 0, "peak": 3}
    example.TRAFFIC["peak"] = 0
    with TestClient(example.sequential_app) as client:
        assert client.get("/fares", params=TRIP).json()["missing"] == []
    assert example.TRAFFIC == {"in_flight": 0, "peak": 1}


def test_the_lifespan_stops_the_stand_in_and_leaves_logging_alone(example):
    levels = {
        name: logging.getLogger(name).level for name in ("uvicorn", "uvicorn.error")
    }
    before = threading.active_count()
    with TestClient(example.app) as client:
        assert threading.active_count() > before
        client.get("/fares", params=TRIP)
    assert threading.active_count() == before
    assert levels == {name: logging.getLogger(name).level for name in levels}


def airlines_with_problems() -> FastAPI:
    upstream = FastAPI()

    @upstream.get("/northwind/fares")
    async def down():
        raise HTTPException(503, "Down")

    @upstream.get("/bluesky/fares")
    async def not_a_fare():
        return {"airline": "bluesky", "price": "cheap"}

    @upstream.get("/slowair/fares")
    async def fine():
        return {"airline": "slowair", "price": "75.00"}

    return upstream


def test_a_failure_or_a_bad_answer_is_that_airlines_loss_and_stays_in_the_log(
    monkeypatch, caplog
):
    with (
        serving("app", airlines_with_problems(), monkeypatch) as client,
        caplog.at_level(logging.WARNING),
    ):
        response = client.get("/fares", params=TRIP)
    assert response.status_code == 200
    assert response.json() == {
        "fares": [{"airline": "slowair", "price": "75.00"}],
        "missing": ["northwind", "bluesky"],
    }
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith("no fare from northwind: HTTPStatusError(")
    assert messages[1].startswith("no fare from bluesky: 1 validation error for Fare")
    assert "127.0.0.1" in messages[0] and "127.0.0.1" not in response.text


def airline_that_waits_for(released: threading.Event, arrived: threading.Event):
    """slowair answers only once the test releases it; the others at once."""
    upstream = FastAPI()

    @upstream.get("/{airline}/fares")
    async def fare(airline: str):
        if airline == "slowair":
            arrived.set()
            await asyncio.to_thread(released.wait)
        return {"airline": airline, "price": "10.00"}

    return upstream


def test_the_timeout_answers_without_the_slow_airline(monkeypatch):
    released, arrived = threading.Event(), threading.Event()
    upstream = airline_that_waits_for(released, arrived)
    with serving("app", upstream, monkeypatch) as client:
        try:
            answer = client.get("/fares", params=TRIP).json()
            # slowair was asked, is still held, and the answer is already here.
            assert arrived.is_set() and not released.is_set()
            assert answer["missing"] == ["slowair"]
        finally:
            released.set()  # so that the upstream can stop


def test_return_exceptions_does_not_shorten_the_wait_for_a_slow_call(monkeypatch):
    """The outline: return_exceptions=True shows partial data when a service is slow.
    Without a timeout, the answer waits for the slow call, however long it takes."""
    released, arrived = threading.Event(), threading.Event()
    upstream = airline_that_waits_for(released, arrived)
    with serving("naive_app", upstream, monkeypatch) as client:
        result = {}
        request = threading.Thread(
            target=lambda: result.update(
                answer=client.get("/fares", params=TRIP).json()
            )
        )
        request.start()
        assert arrived.wait(timeout=10)
        request.join(timeout=1)  # twice the app's timeout: the naive one still waits
        assert request.is_alive() and not result
        released.set()
        request.join(timeout=10)
    assert result["answer"]["slowair"] == {"airline": "slowair", "price": "10.00"}


def test_the_outline_way_sends_the_internal_address_to_the_client(example):
    with TestClient(example.naive_app) as client:
        answer = client.get("/fares", params={"origin": "OPO", "destination": "LIS"})
    error = answer.json()["bluesky"]["error"]
    assert "http://127.0.0.1:" in error and "/bluesky/fares?from=OPO&to=LIS" in error


def trickling_airline() -> FastAPI:
    """An answer sent one byte every 0.12 s: no single wait lasts 0.5 s."""
    upstream = FastAPI()

    @upstream.get("/{airline}/fares")
    async def fare(airline: str):
        async def body():
            for _ in range(6):
                yield b" "
                await asyncio.sleep(0.12)
            yield b'{"airline": "slowair", "price": "75.00"}'

        return StreamingResponse(body(), media_type="application/json")

    return upstream


def test_asyncio_timeout_bounds_a_call_that_httpx_timeouts_let_through(example):
    async def both(url: str):
        async with httpx2.AsyncClient(base_url=url, timeout=example.TIMEOUT) as client:
            # httpx alone: every read comes within 0.5 s, so the call takes ~0.7 s.
            response = await client.get("/slowair/fares")
            assert response.json() == {"airline": "slowair", "price": "75.00"}
            with pytest.raises(TimeoutError):
                await example.ask(client, "slowair", {})

    with serve(trickling_airline()) as url:
        asyncio.run(both(url))


def test_the_route_refuses_anything_but_airport_codes(client):
    for trip in [{}, {"origin": "ams", "destination": "OPO"}, {"origin": "AMS"}]:
        assert client.get("/fares", params=trip).status_code == 422
    operation = client.get("/openapi.json").json()["paths"]["/fares"]["get"]
    assert set(operation["responses"]) == {"200", "422"}


def test_a_bad_answer_checked_only_by_the_response_model_would_be_a_500(example):
    """Why `ask` validates each answer: left to the response model, one airline's bad
    price fails the whole response."""
    app = FastAPI()

    @app.get("/fares")
    async def unchecked() -> example.Fares:
        answers = [{"airline": "bluesky", "price": "cheap"}]
        return example.Fares(fares=answers, missing=[])

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/fares").status_code == 500


def test_a_stand_in_that_cannot_start_is_an_error_not_a_hang(example, monkeypatch):
    class NeverStarts:
        """A server whose thread ends without ever starting, as on a failed bind."""

        started = False

        def __init__(self, config):
            pass

        def run(self):
            pass

    monkeypatch.delenv("AIRLINES_URL", raising=False)
    monkeypatch.setattr(example.uvicorn, "Server", NeverStarts)
    with (
        pytest.raises(RuntimeError, match="the stand-in did not start"),
        TestClient(example.app),
    ):
        pass  # pragma: no cover
