"""What Example 74 claims beyond its prints, on a real uvicorn server: a client that drops
the stream and reconnects the way a browser's EventSource does gets every step once and
stops at the 204; a client that hangs up cancels the generator where it waits, not at
its next event; FastAPI pings an idle stream and the hand-written one does not; data cannot forge
an event. And the outline's hand-written stream: no ids, so a reconnect starts over, and
its end makes a browser replay it forever."""

import asyncio
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import fastapi.routing
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import ValidationError

from transcripts import serve

PATH = "/builds/42/events"


@dataclass
class Event:
    type: str = "message"
    data: list[str] = field(default_factory=list)
    id: str | None = None


def parse(lines) -> list:
    """Events and comments from text/event-stream lines, as the HTML standard's parser
    reads them (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""
    found: list = []
    event = Event()
    for line in lines:
        if line == "":
            if event.data or event.id is not None:
                found.append(event)
            event = Event()
        elif line.startswith(":"):
            found.append(("comment", line[1:].strip()))
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event.type = value
            elif name == "data":
                event.data.append(value)
            elif name == "id":
                event.id = value
    return found


def read_events(lines, stop_after: int | None = None) -> list[Event]:
    """Read events from the lines of a streamed response, up to `stop_after` of them.
    (An iterator of lines that is dropped unfinished closes the connection.)"""
    events: list[Event] = []
    pending: list[str] = []
    for line in lines:
        pending.append(line)
        if line == "":
            events.extend(e for e in parse(pending) if isinstance(e, Event))
            pending = []
            if stop_after is not None and len(events) >= stop_after:
                break
    return events


class ReconnectingClient:
    """What a browser's EventSource does: remember the last id, and on every end of the
    stream reconnect with it as Last-Event-ID, until the server answers 204."""

    def __init__(self, url: str, max_connections: int = 10):
        self.url = url
        self.max_connections = max_connections
        self.last_id: str | None = None
        self.statuses: list[int] = []
        self.steps: list[str] = []

    def run(self, drop_after_first: int | None = None) -> None:
        with httpx2.Client(timeout=10) as client:
            while len(self.statuses) < self.max_connections:
                headers = {"Last-Event-ID": self.last_id} if self.last_id else {}
                with client.stream("GET", self.url, headers=headers) as response:
                    self.statuses.append(response.status_code)
                    if response.status_code == 204:
                        return
                    # The first connection may drop early, as a network would.
                    stop = drop_after_first if len(self.statuses) == 1 else None
                    for event in read_events(response.iter_lines(), stop_after=stop):
                        self.steps.extend(event.data)
                        if event.id is not None:
                            self.last_id = event.id


@pytest.fixture
def slow_build(example, monkeypatch):
    """Step 1 is done already; step 2 is a minute away."""
    monkeypatch.setattr(example, "SECONDS_PER_STEP", 60)
    monkeypatch.setattr(example, "started", time.monotonic() - 60)


@pytest.fixture
def finished_build(example, monkeypatch):
    """Every step is done already: a stream replays them all at once."""
    monkeypatch.setattr(example, "started", time.monotonic() - 60)


def test_a_browser_that_loses_the_stream_gets_every_step_once(example, finished_build):
    with serve(example.app) as url:
        browser = ReconnectingClient(url + PATH)
        browser.run(drop_after_first=1)
    assert browser.steps == [
        '{"step": "build"}',
        '{"step": "test"}',
        '{"step": "deploy"}',
    ]
    # Dropped after step 1, reconnected with Last-Event-ID 1, then with 3: a 204.
    assert browser.statuses == [200, 200, 204]


def test_the_hand_written_stream_starts_over_and_never_ends_for_a_browser(
    example, finished_build
):
    with serve(example.naive_app) as url:
        browser = ReconnectingClient(url + PATH, max_connections=3)
        browser.run(drop_after_first=1)
    # No ids, so no Last-Event-ID: each connection starts from the first step, and the
    # end of the stream is only a reason to reconnect (here cut at three connections).
    assert browser.last_id is None
    assert browser.statuses == [200, 200, 200]
    assert browser.steps.count('{"step": "build"}') == 3


def test_a_client_that_hangs_up_cancels_the_generator_where_it_waits(
    example, slow_build, monkeypatch
):
    cancelled = threading.Event()

    async def sleep(seconds):
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            cancelled.set()  # then it goes on up through the generator, closing it
            raise

    monkeypatch.setattr(example, "asyncio", SimpleNamespace(sleep=sleep))
    with serve(example.app) as url, httpx2.Client(timeout=10) as client:
        with client.stream("GET", url + PATH) as response:
            lines = response.iter_lines()  # kept: dropping it would hang up
            assert read_events(lines, stop_after=1)[0].id == "1"
            assert not cancelled.is_set()
        # Hung up while the generator waits a minute for step 2: cancelled now.
        assert cancelled.wait(timeout=5)


def test_fastapi_pings_an_idle_stream(example, slow_build, monkeypatch):
    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.05)  # 15 s by default
    with (
        serve(example.app) as url,
        httpx2.Client(timeout=10) as client,
        client.stream("GET", url + PATH) as response,
    ):
        lines = response.iter_lines()
        assert [next(lines) for _ in range(4)][2:] == ["id: 1", ""]
        assert [next(lines), next(lines)] == [": ping", ""]


def test_the_hand_written_heartbeat_only_follows_events(example, slow_build):
    timeout = httpx2.Timeout(10, read=0.5)
    with (
        serve(example.naive_app) as url,
        httpx2.Client(timeout=timeout) as client,
        client.stream("GET", url + PATH) as response,
    ):
        lines = response.iter_lines()
        seen = [next(lines) for _ in range(5)]
        assert seen == [
            "event: step",
            'data: {"step": "build"}',
            "",
            ": heartbeat",
            "",
        ]
        # Step 2 is a minute away, and in the meantime nothing is sent at all.
        with pytest.raises(httpx2.ReadTimeout):
            next(lines)


def test_the_stream_is_chunked_with_fastapis_headers(example, finished_build):
    with (
        serve(example.app) as url,
        httpx2.Client(timeout=10) as client,
        client.stream("GET", url + PATH) as response,
    ):
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        assert response.headers["transfer-encoding"] == "chunked"
        events = read_events(response.iter_lines())
    assert [(e.type, e.id) for e in events] == [
        ("step", "1"),
        ("step", "2"),
        ("step", "3"),
    ]


def test_a_client_that_has_everything_gets_204_with_no_body(client):
    response = client.get(PATH, headers={"Last-Event-ID": "3"})
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize("value", ["-1", "4", "x", "1.5"])
def test_an_id_this_stream_never_sent_is_refused(client, value):
    response = client.get(PATH, headers={"Last-Event-ID": value})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "last-event-id"]


def test_the_hand_written_stream_ignores_last_event_id(example):
    from fastapi.testclient import TestClient

    response = TestClient(example.naive_app).get(PATH, headers={"Last-Event-ID": "2"})
    events = [e for e in parse(response.text.splitlines()) if isinstance(e, Event)]
    assert [e.data for e in events] == [
        ['{"step": "build"}'],
        ['{"step": "test"}'],
        ['{"step": "deploy"}'],
    ]
    assert all(e.id is None for e in events)


def test_data_with_line_breaks_stays_one_event():
    from fastapi.testclient import TestClient

    notes = FastAPI()

    @notes.get("/notes", response_class=EventSourceResponse)
    async def stream_notes():
        yield ServerSentEvent(raw_data="one\n\nevent: forged\ndata: evil", event="note")
        yield "one\n\nevent: forged"  # a plain string is JSON-encoded: one line

    text = TestClient(notes).get("/notes").text
    events = [e for e in parse(text.splitlines()) if isinstance(e, Event)]
    assert [(e.type, "\n".join(e.data)) for e in events] == [
        ("note", "one\n\nevent: forged\ndata: evil"),
        ("message", '"one\\n\\nevent: forged"'),
    ]


@pytest.mark.parametrize("field_name", ["event", "id"])
def test_event_names_and_ids_cannot_hold_a_line_break(field_name):
    with pytest.raises(ValidationError):
        ServerSentEvent(data=1, **{field_name: "a\nevent: forged"})


def test_a_hand_written_event_with_a_line_break_in_its_text_is_two_events():
    text = "event: step\ndata: one\n\nevent: forged\ndata: evil\n\n"  # f"data: {text}"
    events = [e for e in parse(text.splitlines()) if isinstance(e, Event)]
    assert [e.type for e in events] == ["step", "forged"]
