"""What Example 43 claims beyond its prints: pieces arrive while the rest is still
being made (on a real server), a failed check after the first byte truncates the body,
a client that leaves stops the generator, and the download's memory does not grow
with its size."""

import queue
import threading
import tracemalloc
from collections.abc import AsyncIterable
from types import SimpleNamespace

import anyio
import anyio.to_thread
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.responses import Response, StreamingResponse
from fastapi.testclient import TestClient

from transcripts import serve


@pytest.fixture
def released(example, monkeypatch) -> queue.Queue:
    """Each quarter's "query" waits until the test puts a token in this queue, so the
    test decides when the app may make the next line: no clocks involved."""
    tokens: queue.Queue = queue.Queue()

    async def sleep(seconds):
        await anyio.to_thread.run_sync(tokens.get)

    monkeypatch.setattr(example, "asyncio", SimpleNamespace(sleep=sleep))
    return tokens


def test_each_line_reaches_a_real_client_while_the_next_is_not_made_yet(
    example, released
):
    with (
        serve(example.app) as url,
        httpx2.Client(timeout=10) as client,
        client.stream("GET", f"{url}/sales/2025") as response,
    ):
        assert response.headers["content-type"] == "application/jsonl"
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        lines = response.iter_lines()
        for quarter in range(1, 5):
            released.put(quarter)  # let the app make exactly one more line
            line = next(lines)
            assert line.startswith(f'{{"quarter":{quarter},')
            # The app is now waiting for the next token: the line came alone.
            assert released.empty()
        assert list(lines) == []


def test_quarters_are_exact_decimals_written_as_strings(client, released):
    for quarter in range(4):
        released.put(quarter)
    response = client.get("/sales/2025")
    assert response.text.splitlines() == [
        '{"quarter":1,"total":"1200.50"}',
        '{"quarter":2,"total":"980.00"}',
        '{"quarter":3,"total":"1430.25"}',
        '{"quarter":4,"total":"1610.00"}',
    ]


@pytest.mark.parametrize("year", [1999, 2024, 2026, -1, 10**18])
def test_unknown_years_get_a_real_404_before_any_line(client, year):
    response = client.get(f"/sales/{year}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "No sales recorded for that year"}


def test_a_year_that_is_not_a_number_is_a_422(client):
    assert client.get("/sales/last").status_code == 422


def test_the_download_is_csv_sent_one_page_at_a_time(client, example):
    with client.stream("GET", "/catalogue.csv") as response:
        pieces = list(response.iter_text())
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert pieces[0] == "id,name\r\n"
    assert [piece.count("\r\n") for piece in pieces[1:]] == [1000] * 10
    assert pieces[1].startswith("1,Item 1\r\n")
    assert pieces[-1].endswith("10000,Item 10000\r\n")


def test_a_check_after_the_first_line_truncates_a_200_on_a_real_server(example):
    with (
        serve(example.late_check_app) as url,
        httpx2.Client(timeout=10) as client,
        client.stream("GET", f"{url}/sales/1999") as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(lines) == '{"quarter":1,"total":"1200.50"}'
        with pytest.raises(httpx2.RemoteProtocolError):  # the body ends mid-stream
            next(lines)


def test_a_client_that_leaves_stops_an_async_generator():
    """Starlette cancels the response when the client disconnects: the generator's
    `finally` runs, so a cursor or file it holds is closed at once."""
    stopped = threading.Event()

    async def endless() -> AsyncIterable[str]:
        try:
            while True:
                yield "tick\n"
                await anyio.sleep(0.01)
        finally:
            stopped.set()

    app = FastAPI()
    app.get("/ticks", response_class=StreamingResponse)(endless)
    with serve(app) as url, httpx2.Client(timeout=10) as client:
        with client.stream("GET", f"{url}/ticks") as response:
            assert next(response.iter_lines()) == "tick"
        assert stopped.wait(timeout=10)


async def peak_memory_of_a_download(app, path: str) -> tuple[int, int]:
    """(peak bytes traced while the app sends `path`, bytes of body sent). The body is
    thrown away as it is sent, as a server writing it to a socket would."""
    sent = 0

    async def receive():
        await anyio.sleep_forever()  # the client never disconnects

    async def send(message):
        nonlocal sent
        if message["type"] == "http.response.body":
            sent += len(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    tracemalloc.start()
    try:
        await app(scope, receive, send)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, sent


ROWS_SMALL, ROWS_LARGE = 5_000, 50_000


def test_the_downloads_memory_stays_flat_as_it_grows_tenfold(example, monkeypatch):
    buffered_app = FastAPI()  # the same rows, built into one string first

    @buffered_app.get("/catalogue.csv")
    def buffered() -> Response:
        rows = range(1, example.CATALOGUE_ROWS + 1)
        body = "id,name\r\n" + "".join(f"{n},Item {n}\r\n" for n in rows)
        return Response(body, media_type="text/csv")

    anyio.run(peak_memory_of_a_download, example.app, "/catalogue.csv")  # warm-up
    peaks = {}
    for rows in (ROWS_SMALL, ROWS_LARGE):
        monkeypatch.setattr(example, "CATALOGUE_ROWS", rows)
        streamed, size = anyio.run(
            peak_memory_of_a_download, example.app, "/catalogue.csv"
        )
        whole, whole_size = anyio.run(
            peak_memory_of_a_download, buffered_app, "/catalogue.csv"
        )
        assert size == whole_size
        peaks[rows] = (streamed, whole, size)
    (small, small_whole, small_size), (large, large_whole, large_size) = (
        peaks[ROWS_SMALL],
        peaks[ROWS_LARGE],
    )
    assert large_size > 9 * small_size  # about 0.9 MB against 0.08 MB
    # Streamed: the peak is a page or two of rows, whatever the size of the download.
    assert large < 1.5 * small
    assert large < large_whole / 5
    # Built whole: the peak grows with the download, and holds all of it at least.
    assert large_whole > 8 * small_whole
    assert large_whole > large_size


def test_the_schema_documents_each_line_as_a_quarter(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/sales/{year}"]["get"]
    assert operation["responses"]["200"]["content"] == {
        "application/jsonl": {"itemSchema": {"$ref": "#/components/schemas/Quarter"}}
    }
    assert set(operation["responses"]) == {"200", "404", "422"}
    download = schema["paths"]["/catalogue.csv"]["get"]["responses"]["200"]
    assert download["content"] == {"text/csv": {"schema": {"type": "string"}}}


def test_a_yielded_item_that_is_not_a_quarter_stops_the_stream():
    """Each item is validated as it is sent; a bad one ends the body mid-way."""

    async def lines() -> AsyncIterable[dict[str, int]]:
        yield {"quarter": 1}
        yield {"quarter": "first"}  # not an int

    app = FastAPI()
    app.get("/lines")(lines)
    response = TestClient(app, raise_server_exceptions=False).get("/lines")
    assert response.status_code == 200
    assert response.text == '{"quarter":1}\n'


def test_ten_thousand_rows_of_the_outlines_shape_take_nowhere_near_50_mb():
    """The outline says buffering 10,000 rows 'requires 50MB of RAM'. Built whole, its
    own rows (id, value, ISO timestamp) as JSON lines take under 1 MB, with a peak of a
    few MB while the string is built."""
    import json
    from datetime import datetime

    tracemalloc.start()
    try:
        lines = [
            json.dumps(
                {"id": i, "value": f"item-{i}", "timestamp": datetime.now().isoformat()}
            )
            + "\n"
            for i in range(10_000)
        ]
        body = "".join(lines)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(body) < 1_000_000
    assert peak < 5_000_000


def test_the_late_check_lets_a_known_year_through(example):
    response = TestClient(example.late_check_app).get("/sales/2025")
    assert response.text.splitlines() == [
        '{"quarter":1,"total":"1200.50"}',
        '{"quarter":2,"total":"980.00"}',
    ]
