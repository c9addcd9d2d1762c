"""What Example 78 claims beyond its prints: every hop-by-hop header dropped in each
direction, X-Forwarded-* written by the gateway, bodies streamed both ways on real servers,
502/503/504, no open proxy, one shared client owned by the lifespan."""

import asyncio
import gzip
import hashlib
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from transcripts import free_port, serve


def recorder() -> tuple[FastAPI, list[dict]]:
    """An upstream that records every request it gets and answers with what it saw."""
    seen: list[dict] = []
    upstream = FastAPI()

    @upstream.get("/{path:path}")
    @upstream.post("/{path:path}")
    async def record(request: Request):
        body = await request.body()
        seen.append(
            {
                "raw_path": request.scope["raw_path"],
                "query": request.scope["query_string"],
                "headers": request.headers,
                "port": request.client.port,
                "body": body,
            }
        )
        return {"bytes": len(body)}

    return upstream, seen


@contextmanager
def gateway_to(example, monkeypatch, upstream) -> Iterator[TestClient]:
    """The example's app, its lifespan running, with CATALOG_URL set to `upstream`
    served by uvicorn on loopback."""
    with serve(upstream) as url:
        monkeypatch.setenv("CATALOG_URL", url)
        with TestClient(example.app) as client:
            yield client


@pytest.fixture(scope="module")
def recording() -> Iterator[tuple[str, list[dict]]]:
    """One recording catalog for the module's tests (a server costs 0.15 s to stop)."""
    upstream, seen = recorder()
    with serve(upstream) as url:
        yield url, seen


@pytest.fixture
def recorded(recording, monkeypatch) -> list[dict]:
    """CATALOG_URL set to the recording catalog, and what it records from now on."""
    url, seen = recording
    seen.clear()
    monkeypatch.setenv("CATALOG_URL", url)
    return seen


@pytest.fixture
def through(example, recorded) -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client


# ------------------------------------------------------------------ headers


REQUEST_HOP_BY_HOP = [
    ("Keep-Alive", "timeout=5"),
    ("TE", "trailers"),
    ("Trailer", "Expires"),
    ("Upgrade", "websocket"),
    ("Proxy-Authorization", "Basic c2VjcmV0OnNlY3JldA=="),
    ("Proxy-Authenticate", "Basic"),
]


@pytest.mark.parametrize(("name", "value"), REQUEST_HOP_BY_HOP)
def test_a_hop_by_hop_request_header_never_reaches_the_catalog(
    through, recorded, name, value
):
    assert through.get("/catalog/x", headers={name: value}).status_code == 200
    assert name.lower() not in recorded[0]["headers"]


def test_the_clients_connection_header_and_what_it_names_are_dropped(through, recorded):
    sent = {"Connection": "close, X-Trace", "X-Trace": "1", "X-Kept": "1"}
    through.get("/catalog/x", headers=sent)
    headers = recorded[0]["headers"]
    assert "x-trace" not in headers and headers["x-kept"] == "1"
    # The catalog sees the gateway's own Connection header, for its own connection.
    assert headers.getlist("connection") == ["keep-alive"]


def test_a_chunked_request_is_framed_again_by_the_gateway(through, recorded):
    """Transfer-Encoding describes one connection's framing: the client's is dropped and
    httpx2 frames the body it sends itself (chunked, once)."""
    response = through.post(
        "/catalog/upload",
        headers={"Transfer-Encoding": "chunked"},
        content=iter([b"abc", b"def"]),
    )
    assert response.json() == {"bytes": 6}
    assert recorded[0]["headers"].getlist("transfer-encoding") == ["chunked"]
    assert recorded[0]["body"] == b"abcdef"


def test_a_request_with_a_length_keeps_it(through, recorded):
    through.post("/catalog/upload", content=b"x" * 1000)
    assert recorded[0]["headers"]["content-length"] == "1000"
    assert "transfer-encoding" not in recorded[0]["headers"]


def test_a_get_without_a_body_stays_without_one(through, recorded):
    through.get("/catalog/x")
    assert "transfer-encoding" not in recorded[0]["headers"]
    assert "content-length" not in recorded[0]["headers"]


RESPONSE_HOP_BY_HOP = [
    (b"keep-alive", b"timeout=5"),
    (b"proxy-authenticate", b"Basic"),
    (b"trailer", b"Expires"),
    (b"upgrade", b"h2c"),
    (b"te", b"trailers"),
    (b"connection", b"x-named"),
    (b"x-named", b"1"),  # named by the Connection header above
]


def hop_by_hop_answerer() -> FastAPI:
    upstream = FastAPI()

    @upstream.get("/answer")
    async def answer():
        response = Response("ok", media_type="text/plain")
        response.raw_headers += [*RESPONSE_HOP_BY_HOP, (b"x-kept", b"1")]
        response.raw_headers += [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
        return response

    @upstream.get("/streamed")
    async def streamed():
        return StreamingResponse(iter([b"one ", b"two"]), media_type="text/plain")

    return upstream


@pytest.fixture(scope="module")
def answerer() -> Iterator[str]:
    with serve(hop_by_hop_answerer()) as url:
        yield url


@pytest.fixture
def answers(example, monkeypatch, answerer):
    monkeypatch.setenv("CATALOG_URL", answerer)
    with TestClient(example.app) as client:
        yield client


@pytest.mark.parametrize(("name", "value"), RESPONSE_HOP_BY_HOP, ids=lambda v: str(v))
def test_a_hop_by_hop_response_header_never_reaches_the_client(answers, name, value):
    response = answers.get("/catalog/answer")
    assert name.decode() not in response.headers
    assert response.text == "ok"


def test_end_to_end_response_headers_pass_repeated_ones_included(answers):
    response = answers.get("/catalog/answer")
    assert response.headers["x-kept"] == "1"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_the_catalogs_transfer_encoding_is_not_copied(answers):
    response = answers.get("/catalog/streamed")
    assert response.text == "one two"
    assert "transfer-encoding" not in response.headers  # the app's own headers


def test_one_date_and_one_server_header_on_a_real_server(
    example, monkeypatch, answerer
):
    """uvicorn writes its own Date and Server; the catalog's are not added to them."""
    monkeypatch.setenv("CATALOG_URL", answerer)
    with serve(example.app) as gateway:
        response = httpx2.get(gateway + "/catalog/answer")
    assert response.headers.get_list("server") == ["uvicorn"]
    assert len(response.headers.get_list("date")) == 1
    assert "keep-alive" not in response.headers and "x-named" not in response.headers


SPOOFED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Host": "admin.internal",
    "X-Forwarded-Proto": "https",
    "Forwarded": "for=203.0.113.9;host=admin.internal",
}


def test_x_forwarded_headers_are_written_by_the_gateway_never_by_the_client(
    example, recorded, recording
):
    with TestClient(example.app, client=("198.51.100.7", 50000)) as client:
        client.get("/catalog/x", headers=SPOOFED)
    headers = recorded[0]["headers"]
    catalog_url = recording[0]
    assert headers.getlist("x-forwarded-for") == ["198.51.100.7"]  # who connected
    assert headers.getlist("x-forwarded-host") == ["testserver"]
    assert headers.getlist("x-forwarded-proto") == ["http"]
    assert "forwarded" not in headers
    # The catalog gets its own Host, not the one the client wrote.
    assert headers["host"] == catalog_url.removeprefix("http://")


def test_behind_a_trusted_proxy_the_client_is_the_one_that_proxy_saw(example, recorded):
    """uvicorn reads X-Forwarded-For from the addresses in --forwarded-allow-ips (by
    default 127.0.0.1 and ::1: so curl on the same machine is trusted); request.client
    is then the proxy's client, and the gateway forwards that address alone."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    behind = ProxyHeadersMiddleware(example.app, trusted_hosts="127.0.0.1")
    with TestClient(behind, client=("127.0.0.1", 50000)) as proxy:
        proxy.get("/catalog/x", headers={"X-Forwarded-For": "198.51.100.7"})
    with TestClient(behind, client=("192.0.2.1", 50000)) as untrusted:
        untrusted.get("/catalog/x", headers={"X-Forwarded-For": "198.51.100.7"})
    assert recorded[0]["headers"].getlist("x-forwarded-for") == ["198.51.100.7"]
    assert recorded[1]["headers"].getlist("x-forwarded-for") == ["192.0.2.1"]


def test_end_to_end_request_headers_pass(through, recorded):
    sent = {"Authorization": "Bearer t", "Cookie": "a=1", "Accept": "text/csv"}
    through.get("/catalog/x", headers=sent)
    for name, value in sent.items():
        assert recorded[0]["headers"][name] == value


def test_the_query_string_is_passed_on(through, recorded):
    through.get("/catalog/search", params={"q": "tea pot", "page": "2"})
    assert recorded[0]["raw_path"] == b"/search"
    assert recorded[0]["query"] == b"q=tea+pot&page=2"


def test_compressed_bytes_pass_as_they_were_sent(example, monkeypatch):
    """aiter_raw: the bytes are not decompressed, so Content-Length and
    Content-Encoding stay true."""
    packed = gzip.compress(b"tea " * 1000)
    upstream = FastAPI()

    @upstream.get("/packed")
    async def packed_answer():
        return Response(packed, headers={"Content-Encoding": "gzip"})

    with serve(upstream) as url:
        monkeypatch.setenv("CATALOG_URL", url)
        with (
            serve(example.app) as gateway,
            httpx2.stream("GET", gateway + "/catalog/packed") as response,
        ):
            raw = b"".join(response.iter_raw())
    assert raw == packed
    assert response.headers["content-length"] == str(len(packed))


# ------------------------------------------------------------------ streaming


def test_a_request_body_reaches_the_catalog_piece_by_piece(example, monkeypatch):
    """The client makes its second piece only once the first has reached the catalog:
    a gateway that read the whole body first would never pass that first piece on."""
    reached = threading.Event()
    upstream = FastAPI()

    @upstream.post("/upload")
    async def upload(request: Request):
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size:
                reached.set()
        return {"bytes": size}

    async def upload_in_two_pieces(url: str) -> tuple[bool, dict]:
        in_time = []

        async def body():
            yield b"a" * 10_000
            in_time.append(await asyncio.to_thread(reached.wait, 5))
            yield b"b" * 10_000

        async with httpx2.AsyncClient() as client:
            response = await client.post(url, content=body())
        return in_time[0], response.json()

    with serve(upstream) as catalog_url:
        monkeypatch.setenv("CATALOG_URL", catalog_url)
        with serve(example.app) as gateway:
            arrived, answer = asyncio.run(
                upload_in_two_pieces(gateway + "/catalog/upload")
            )
    assert arrived
    assert answer == {"bytes": 20_000}


def test_the_outlines_gateway_holds_the_whole_body_first(example, monkeypatch):
    reached = threading.Event()
    upstream = FastAPI()

    @upstream.post("/upload")
    async def upload(request: Request):
        async for chunk in request.stream():
            if chunk:
                reached.set()
        return {}

    async def first_piece_arrives_alone(url: str) -> bool:
        in_time = []

        async def body():
            yield b"a" * 10_000
            in_time.append(await asyncio.to_thread(reached.wait, 0.5))
            yield b"b" * 10_000

        async with httpx2.AsyncClient() as client:
            await client.post(url, content=body())
        return in_time[0]

    with serve(upstream) as catalog_url:
        monkeypatch.setenv("CATALOG_URL", catalog_url)
        with serve(example.naive_app) as naive:
            assert not asyncio.run(first_piece_arrives_alone(naive + "/catalog/upload"))


def test_a_response_reaches_the_client_piece_by_piece(example, monkeypatch):
    """The catalog sends its second piece only once the client has the first."""
    received = threading.Event()
    in_time = []
    upstream = FastAPI()

    @upstream.get("/download")
    async def download():
        async def pieces():
            yield b"first piece "
            in_time.append(await asyncio.to_thread(received.wait, 5))
            yield b"second piece"

        return StreamingResponse(pieces(), media_type="text/plain")

    with serve(upstream) as catalog_url:
        monkeypatch.setenv("CATALOG_URL", catalog_url)
        with (
            serve(example.app) as gateway,
            httpx2.stream("GET", gateway + "/catalog/download") as response,
        ):
            pieces = response.iter_raw()
            first = next(pieces)
            received.set()
            rest = b"".join(pieces)
    assert in_time == [True]
    assert (first, rest) == (b"first piece ", b"second piece")


def test_ten_megabytes_pass_each_way_unchanged(example, monkeypatch):
    payload = bytes(range(256)) * 40_000  # 10 MB

    def pieces():
        for start in range(0, len(payload), 65_536):
            yield payload[start : start + 65_536]

    upstream = FastAPI()

    @upstream.post("/upload")
    async def upload(request: Request):
        digest = hashlib.sha256()
        async for chunk in request.stream():
            digest.update(chunk)
        return {"sha256": digest.hexdigest()}

    @upstream.get("/download")
    async def download():
        return StreamingResponse(pieces(), media_type="application/octet-stream")

    with serve(upstream) as catalog_url:
        monkeypatch.setenv("CATALOG_URL", catalog_url)
        with serve(example.app) as gateway:
            uploaded = httpx2.post(gateway + "/catalog/upload", content=pieces())
            downloaded = httpx2.get(gateway + "/catalog/download")
    assert uploaded.json() == {"sha256": hashlib.sha256(payload).hexdigest()}
    assert downloaded.content == payload


# ------------------------------------------------------------------ failures


def test_a_silent_catalog_is_a_504_and_a_missing_one_a_502(example, monkeypatch):
    monkeypatch.setattr(example, "TIMEOUTS", httpx2.Timeout(0.3))
    with TestClient(example.app) as client:  # the stand-in catalog
        assert client.get("/catalog/slow").json() == {
            "detail": "The catalog did not answer in time"
        }
    monkeypatch.setenv("CATALOG_URL", f"http://127.0.0.1:{free_port()}")
    with TestClient(example.app) as client:
        response = client.get("/catalog/items/1")
    assert response.status_code == 502


def test_502_503_and_504_are_declared(client):
    for method in ("get", "post"):
        operation = client.get("/openapi.json").json()["paths"]["/catalog/{path}"]
        assert {"502", "503", "504"} <= set(operation[method]["responses"])


def test_every_connection_busy_is_a_503_with_retry_after(example, monkeypatch):
    """One connection in the pool, held by a slow request: the next waits for a slot for
    pool= seconds, then gets 503 (the gateway is the bottleneck, not the catalog)."""
    monkeypatch.setattr(example, "LIMITS", httpx2.Limits(max_connections=1))
    monkeypatch.setattr(example, "TIMEOUTS", httpx2.Timeout(0.6, pool=0.1))

    async def two_at_once(url: str) -> list[httpx2.Response]:
        async with httpx2.AsyncClient(timeout=5) as client:
            slow = asyncio.create_task(client.get(url + "/catalog/slow"))
            await asyncio.sleep(0.2)  # the slow one holds the connection by now
            busy = await client.get(url + "/catalog/items/1")
            return [await slow, busy]

    with serve(example.app) as gateway:  # the stand-in catalog
        slow, busy = asyncio.run(two_at_once(gateway))
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert slow.status_code == 504


def test_the_read_timeout_bounds_each_wait_not_the_whole_response(example, monkeypatch):
    """A catalog that sends a piece every 0.05 s is never cut off by a 0.2 s timeout,
    however long it takes in all: a limit on the whole response needs asyncio.timeout."""
    monkeypatch.setattr(example, "TIMEOUTS", httpx2.Timeout(0.2))
    upstream = FastAPI()

    @upstream.get("/trickle")
    async def trickle():
        async def pieces():
            for number in range(8):  # 0.4 s in all, twice the timeout
                await asyncio.sleep(0.05)
                yield f"{number}".encode()

        return StreamingResponse(pieces(), media_type="text/plain")

    with gateway_to(example, monkeypatch, upstream) as client:
        assert client.get("/catalog/trickle").text == "01234567"


def test_a_timeout_after_the_headers_cuts_the_response_visibly(example, monkeypatch):
    """Once the status line has gone out, a 504 is no longer possible: the gateway lets
    the error end the connection, so the client sees an incomplete response, never a
    short one that looks complete."""
    monkeypatch.setattr(example, "TIMEOUTS", httpx2.Timeout(0.3))
    upstream = FastAPI()

    @upstream.get("/stall")
    async def stall(request: Request):
        async def pieces():
            yield b"first piece"
            while (await request.receive())["type"] != "http.disconnect":
                pass
            yield b"never sent"  # pragma: no cover

        return StreamingResponse(pieces(), media_type="text/plain")

    with serve(upstream) as catalog_url:
        monkeypatch.setenv("CATALOG_URL", catalog_url)
        with (
            serve(example.app) as gateway,
            pytest.raises(httpx2.RemoteProtocolError, match="incomplete"),
        ):
            httpx2.get(gateway + "/catalog/stall")


# ------------------------------------------------------------------ no open proxy


@pytest.fixture(scope="module")
def other_service() -> Iterator[tuple[str, list[str]]]:
    visits: list[str] = []
    other = FastAPI()

    @other.get("/{path:path}")
    async def visit(path: str):
        visits.append(path)
        return {"reached": "elsewhere"}

    with serve(other) as url:
        yield url, visits


@pytest.fixture
def elsewhere(other_service) -> tuple[str, list[str]]:
    """A second service on loopback that no request through the gateway may reach."""
    other_service[1].clear()
    return other_service


@pytest.mark.parametrize(
    "path",
    [
        "/catalog/{elsewhere}/secrets",
        "/catalog//{host}/secrets",
        "/catalog/@{host}/secrets",
        "/catalog/%2F%2F{host}/secrets",
        "/catalog/..%2F..%2F{host}",
    ],
)
def test_no_path_sends_the_gateway_anywhere_but_its_catalog(
    example, recorded, elsewhere, path
):
    url, visits = elsewhere
    target = path.format(elsewhere=url, host=url.removeprefix("http://"))
    with serve(example.app) as gateway:
        response = httpx2.get(gateway + target)
    assert response.status_code == 200
    assert len(recorded) == 1  # the catalog got it, as a path
    assert visits == []


def test_an_absolute_url_in_the_request_line_goes_to_the_catalog(
    example, recorded, elsewhere
):
    """`GET http://other/... HTTP/1.1` (the absolute form, meant for proxies): uvicorn
    keeps the path only, and the gateway forwards it to its catalog."""
    url, visits = elsewhere
    with serve(example.app) as gateway:
        port = int(gateway.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(
                f"GET {url}/catalog/secrets HTTP/1.1\r\nHost: x\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            answer = b""
            while chunk := connection.recv(65_536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert [request["raw_path"] for request in recorded] == [b"/secrets"]
    assert visits == []


def test_the_outlines_gateway_is_an_open_proxy(example, monkeypatch, elsewhere):
    url, visits = elsewhere
    with TestClient(example.naive_app) as naive:  # its catalog: the stand-in
        assert naive.get(f"/catalog/{url}/secrets").json() == {"reached": "elsewhere"}
    assert visits == ["secrets"]


def test_proxy_variables_in_the_environment_are_ignored(
    example, monkeypatch, recorded, recording, elsewhere
):
    """trust_env=False: HTTP_PROXY (and .netrc) cannot reroute the gateway's requests."""
    url, visits = elsewhere
    monkeypatch.setenv("HTTP_PROXY", url)
    with TestClient(example.app) as client:
        client.get("/catalog/x")
    assert (len(recorded), visits) == (1, [])
    # httpx2's default (trust_env=True) would have sent it through that "proxy".
    httpx2.get(recording[0] + "/x")
    assert (len(recorded), visits) == (1, ["x"])


# ------------------------------------------------------------------ the client


def test_one_client_reuses_one_connection(through, recorded):
    """Sequential requests through the gateway arrive on one kept-alive connection:
    the catalog sees the same client port each time."""
    for _ in range(5):
        through.get("/catalog/x")
    assert len(recorded) == 5
    assert len({request["port"] for request in recorded}) == 1


def test_the_lifespan_closes_the_client(example):
    with TestClient(example.app):
        shared, _ = example.app.state.catalog
        assert not shared.is_closed
    assert shared.is_closed


def test_on_event_is_deprecated_and_an_error_where_warnings_are(example):
    with pytest.raises(DeprecationWarning, match="on_event is deprecated"):
        FastAPI().on_event("startup")


def test_on_event_handlers_never_run_beside_a_lifespan(example):
    """The outline's on_event, added to an app that has a lifespan (as every app here
    does): FastAPI runs the lifespan and silently skips the handler."""
    ran = []
    both = FastAPI(lifespan=example.naive_lifespan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        both.on_event("startup")(lambda: ran.append("startup"))
    with TestClient(both):
        pass
    assert ran == []
    plain = FastAPI()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        plain.on_event("startup")(lambda: ran.append("startup"))
    with TestClient(plain):
        pass
    assert ran == ["startup"]  # without a lifespan, it does run


def test_the_outlines_gateway_turns_the_catalogs_answers_into_200_or_500(
    example, monkeypatch, answerer
):
    with TestClient(example.naive_app, raise_server_exceptions=False) as naive:
        assert naive.get("/catalog/items/9").status_code == 200  # was a 404
    monkeypatch.setenv("CATALOG_URL", answerer)
    with TestClient(example.naive_app, raise_server_exceptions=False) as naive:
        assert naive.get("/catalog/answer").status_code == 500  # text, not JSON


def test_the_stand_in_that_never_starts_says_so(example, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)
    with (
        pytest.raises(RuntimeError, match="did not start"),
        example.serve_in_a_thread(example.stand_in),
    ):
        pass  # pragma: no cover
