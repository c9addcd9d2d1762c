"""What Example 68 claims about GZipMiddleware in the pinned Starlette: the threshold,
Accept-Encoding and Vary, the responses it leaves alone, streams, and BREACH."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from fastapi import FastAPI, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.testclient import TestClient

TOKEN = "5f0c1e9a7b3d42e8a6c1f0b9d8e7a6c5"


@pytest.fixture
def sized(example):
    """The example's app with a route that answers exactly `size` bytes."""

    @example.app.get("/bytes/{size}")
    def exactly(size: int):
        return PlainTextResponse("x" * size)

    return TestClient(example.app)


@pytest.mark.parametrize(("size", "encoding"), [(999, None), (1000, "gzip")])
def test_the_threshold_is_minimum_size(sized, size, encoding):
    response = sized.get(f"/bytes/{size}", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == encoding
    assert response.text == "x" * size


@pytest.mark.parametrize(
    ("accept_encoding", "encoding"),
    [
        ("", None),
        ("identity", None),
        ("br", None),
        ("gzip", "gzip"),
        ("br, gzip;q=0.5", "gzip"),
        ("x-gzip", "gzip"),  # any value that contains "gzip"...
        ("gzip;q=0", "gzip"),  # ...even one that refuses it: Starlette ignores q
    ],
)
def test_accept_encoding_decides_and_vary_says_so(sized, accept_encoding, encoding):
    response = sized.get("/bytes/5000", headers={"Accept-Encoding": accept_encoding})
    assert response.headers.get("content-encoding") == encoding
    # Compressed or not, a large response says it depends on Accept-Encoding, so a
    # shared cache never gives gzip to a client that did not ask for it.
    assert response.headers["vary"] == "Accept-Encoding"


def test_a_small_response_has_no_vary(sized):
    response = sized.get("/bytes/10", headers={"Accept-Encoding": "gzip"})
    assert "vary" not in response.headers  # never compressed: nothing varies


def test_images_events_and_encoded_bodies_pass_through(example, client):
    for path in ("/photo.jpg", "/events"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in response.headers, path
    assert client.get("/photo.jpg").content == example.PHOTO

    @example.app.get("/already.gz")
    def already():
        body = gzip.compress(json.dumps(example.PRODUCTS).encode())
        return Response(body, headers={"Content-Encoding": "gzip"})

    response = TestClient(example.app).get("/already.gz")
    assert response.headers["content-encoding"] == "gzip"  # once, not twice
    assert response.json() == example.PRODUCTS


def test_a_stream_is_compressed_chunk_by_chunk_and_flushed(client):
    with client.stream("GET", "/export", headers={"Accept-Encoding": "gzip"}) as stream:
        assert stream.headers["content-encoding"] == "gzip"
        first = next(stream.iter_raw())
    # The first chunk decodes on its own: the client can use it before the end.
    line = zlib.decompressobj(31).decompress(first).decode().splitlines()[0]
    assert json.loads(line)["id"] == 1


def test_small_flushed_chunks_compress_worse_than_large_ones(example, client):
    @example.app.get("/export-by-line")
    def by_line():
        lines = (json.dumps(product) + "\n" for product in example.PRODUCTS)
        return StreamingResponse(lines, media_type="application/x-ndjson")

    whole = client.get("/products", params={"limit": 1000}).num_bytes_downloaded
    by_hundred = client.get("/export").num_bytes_downloaded
    one_per_line = client.get("/export-by-line").num_bytes_downloaded
    assert by_hundred < 1.1 * whole  # ten flushes: about one body's size
    assert one_per_line > 2 * whole  # a thousand flushes: more than twice


def test_the_outlines_figures(client):
    """The outline: "1000-item JSON ~150KB => ~15KB", "500KB => 50KB" for 500 items.
    Its own item shape, served through the middleware, measures half that for 1,000 items
    and a tenth for 500; the ratio (about 90%) is right."""
    app = FastAPI()
    app.add_middleware(GZipMiddleware, minimum_size=500)

    @app.get("/large/{count}")
    def large(count: int):
        items = [
            {"id": i, "name": f"item-{i:05d}", "description": f"Description for {i}"}
            for i in range(count)
        ]
        return {"items": items, "total": count}

    measured = {}
    with TestClient(app) as outline_client:
        for count in (500, 1000):
            response = outline_client.get(f"/large/{count}")
            measured[count] = (len(response.content), response.num_bytes_downloaded)
    for body, sent in measured.values():
        assert body < 80_000
        assert 0.85 < 1 - sent / body < 0.95
    assert measured[1000][0] < 150_000 / 2 + 5_000
    assert measured[500][0] < 500_000 / 10


def test_the_outlines_already_compressed_route_is_compressed_by_the_middleware():
    """Its /already-compressed returns a dict, which has no Content-Encoding: the
    middleware compresses it like any other response."""
    app = FastAPI()
    app.add_middleware(GZipMiddleware, minimum_size=500)

    @app.get("/already-compressed")
    def already():
        return {"items": [{"id": i} for i in range(200)]}

    response = TestClient(app).get("/already-compressed")
    assert response.headers["content-encoding"] == "gzip"


# --- BREACH ---


def sizes(app: FastAPI, guesses: list[str]) -> list[int]:
    client = TestClient(app)
    return [
        client.get("/account", params={"search": guess}).num_bytes_downloaded
        for guess in guesses
    ]


WRONG = [
    "0" * 32,
    "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "ffffffffeeeeeeeedddddddd99999999",
]


def test_compression_lets_an_attacker_tell_a_right_guess_from_a_wrong_one(
    example, monkeypatch
):
    """The outline's setup, GZip on every response: the body holds the secret and the
    attacker's reflected guess, and a right guess compresses smaller. Repeated guesses,
    made by the victim's browser with its cookies, recover the secret."""
    monkeypatch.setattr(example, "CSRF_TOKEN", TOKEN)
    naive = FastAPI()
    naive.add_middleware(GZipMiddleware, minimum_size=1000)
    naive.get("/account")(example.account)
    right, *wrong = sizes(naive, [TOKEN, *WRONG])
    assert all(right < size for size in wrong)


def test_the_secret_bearing_path_is_never_compressed(example, monkeypatch):
    monkeypatch.setattr(example, "CSRF_TOKEN", TOKEN)
    right, *wrong = sizes(example.account_app, [TOKEN, *WRONG])
    assert all(right == size for size in wrong)  # nothing to learn from the size

    @example.account_app.get("/catalog")
    def catalog():
        return example.PRODUCTS

    response = TestClient(example.account_app).get("/catalog")
    assert response.headers["content-encoding"] == "gzip"  # every other path is
