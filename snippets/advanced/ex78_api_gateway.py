# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:failures]
import httpx2
from fastapi import HTTPException

FAILURES = {  # declared on the route, so that clients and /docs know them
    502: {"description": "The catalog is unreachable"},
    503: {"description": "Every connection to the catalog is busy"},
    504: {"description": "The catalog did not answer in time"},
}


def failure(error: httpx2.TransportError) -> HTTPException:
    if isinstance(error, httpx2.PoolTimeout):  # our own limit: retry in a moment
        return HTTPException(503, "Gateway busy", {"Retry-After": "1"})
    if isinstance(error, httpx2.TimeoutException):  # to connect, read or write
        return HTTPException(504, "The catalog did not answer in time")
    return HTTPException(502, "The catalog is unreachable")  # refused, reset, not HTTP


# --8<-- [end:failures]


# --8<-- [start:app]
from contextlib import asynccontextmanager
from urllib.parse import quote

import httpx2
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

TIMEOUTS = httpx2.Timeout(1.0)  # seconds: to connect, per read or write, for a slot
LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=20)


@asynccontextmanager
async def lifespan(app: FastAPI):  # one client for the app's life, connections kept
    async with (
        catalog_address() as url,  # CATALOG_URL, or a stand-in (collapsed below)
        httpx2.AsyncClient(timeout=TIMEOUTS, limits=LIMITS, trust_env=False) as client,
    ):
        app.state.catalog = client, httpx2.URL(url)
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/catalog/{path:path}", responses=FAILURES)  # 502, 503, 504 (below)
@app.post("/catalog/{path:path}", responses=FAILURES)
async def catalog(path: str, request: Request) -> StreamingResponse:
    client, base = request.app.state.catalog
    query = str(request.query_params).encode()
    url = base.copy_with(path=quote("/" + path), query=query)  # always on base
    headers = headers_to_send(request)  # hop-by-hop headers dropped (below)
    body = request.stream() if has_body(request) else None  # passed on as it arrives
    sent = client.build_request(request.method, url, headers=headers, content=body)
    try:
        reply = await client.send(sent, stream=True)  # returns once headers are in
    except httpx2.TransportError as error:  # timeouts included
        raise failure(error) from None
    raw = reply.aiter_raw()  # the bytes as they come, compressed or not
    kept = end_to_end(reply.headers.raw, drop={"date", "server"})  # uvicorn's own
    done = BackgroundTask(reply.aclose)  # then the connection goes back to the pool
    return StreamingResponse(raw, reply.status_code, kept, background=done)


# --8<-- [end:app]


# --8<-- [start:headers]
from starlette.datastructures import Headers

# Headers about one connection, not the message (RFC 9110, 7.6.1): never passed on.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization"}
HOP_BY_HOP |= {"te", "trailer", "transfer-encoding", "upgrade"}
FORWARDED = {"forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"}


def end_to_end(raw: list[tuple[bytes, bytes]], drop: set[str]) -> Headers:
    """The headers minus hop-by-hop ones, any that Connection names, and drop."""
    headers = Headers(raw=[(name.lower(), value) for name, value in raw])
    listed = ",".join(headers.getlist("connection")).lower().split(",")
    drop = drop | HOP_BY_HOP | {name.strip() for name in listed}
    return Headers(raw=[(k, v) for k, v in headers.raw if k.decode() not in drop])


def headers_to_send(request: Request) -> list[tuple[str, str]]:
    # Host: httpx2 writes the catalog's. X-Forwarded-*: a client's own are dropped and
    # the gateway writes what it saw (behind a proxy you trust, uvicorn's
    # --forwarded-allow-ips makes request.client that proxy's client).
    kept = end_to_end(request.headers.raw, drop={"host"} | FORWARDED).items()
    return [
        *kept,
        ("x-forwarded-for", request.client.host if request.client else "unknown"),
        ("x-forwarded-host", request.headers.get("host", "")),
        ("x-forwarded-proto", request.url.scheme),
    ]


def has_body(request: Request) -> bool:
    # Without one of these, HTTP/1.1 says there is no body: a GET stays bodiless.
    return "content-length" in request.headers or "transfer-encoding" in request.headers


# --8<-- [end:headers]


# --8<-- [start:stand_in]
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@asynccontextmanager
async def catalog_address():
    """The catalog's address: CATALOG_URL, or else the stand-in below, served on a free
    loopback port for as long as the app runs."""
    if url := os.environ.get("CATALOG_URL"):
        yield url
    else:
        with serve_in_a_thread(stand_in) as url:
            yield url


stand_in = FastAPI()  # a catalog service, as small as it can be
ITEMS = {1: {"id": 1, "name": "Teapot"}, 2: {"id": 2, "name": "Kettle"}}


@stand_in.get("/items/{item_id}")
async def item(item_id: int) -> dict:
    if item_id not in ITEMS:
        raise HTTPException(404, "No such item")
    return ITEMS[item_id]


@stand_in.get("/slow")
async def slow(request: Request) -> dict:
    # No answer until the caller hangs up: longer than any gateway waits.
    while (await request.receive())["type"] != "http.disconnect":
        pass
    return {}


@stand_in.get("/{anything:path}")
@stand_in.post("/{anything:path}")
async def echo(request: Request) -> dict:
    """What reached the catalog: its own address, the path, the headers."""
    return {
        "host": request.url.hostname,
        "path": request.url.path,
        "headers": dict(request.headers),
    }


@contextmanager
def serve_in_a_thread(asgi_app) -> Iterator[str]:
    """Serve an app with uvicorn on a free loopback port, in a thread; yield its URL."""
    # log_config=None: leave the logging of the server that runs the gateway alone.
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # a moment: uvicorn starts in milliseconds
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


# --8<-- [end:stand_in]


# --8<-- [start:naive]
# The outline's shape, with a lifespan (its on_event fails here: see above).
@asynccontextmanager
async def naive_lifespan(app: FastAPI):
    async with catalog_address() as url, httpx2.AsyncClient(base_url=url) as client:
        app.state.client = client
        yield


naive_app = FastAPI(lifespan=naive_lifespan)


@naive_app.get("/catalog/{path:path}")
@naive_app.post("/catalog/{path:path}")
async def naive_catalog(path: str, request: Request):
    headers = {k: v for k, v in request.headers.items() if k != "host"}
    body = await request.body()  # the whole body in memory before anything is sent
    response = await request.app.state.client.request(
        request.method, path, headers=headers, content=body
    )
    return response.json()  # the catalog's status and headers are lost


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    with TestClient(app) as client:  # the lifespan starts the stand-in catalog
        sent = {"Connection": "X-Trace", "X-Trace": "1", "X-Forwarded-For": "6.6.6.6"}
        seen = client.get("/catalog/", headers=sent).json()["headers"]
        print(seen.get("x-trace"), seen["x-forwarded-for"])  # TestClient's address
        #> None testclient
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import os
    import socket
    import warnings

    with TestClient(app) as client:
        print(client.get("/catalog/items/1").json())
        #> {'id': 1, 'name': 'Teapot'}
        # An absolute URL where the path goes: still a path, on the catalog.
        seen = client.get("/catalog/http://evil.example/").json()
        print(seen["host"], seen["path"])
        #> 127.0.0.1 /http://evil.example/
        print(client.get("/catalog/items/9").status_code)  # the catalog's own answer
        #> 404
        print(client.get("/catalog/slow").status_code)  # silent for over a second
        #> 504

    # The outline's @app.on_event("startup"), as the pinned FastAPI answers it:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FastAPI().on_event("startup")
    print(caught[0].category.__name__, str(caught[0].message).split(".")[0].strip())
    #> DeprecationWarning on_event is deprecated, use lifespan event handlers instead

    # Nothing listens where the catalog should be (a port free a moment ago): 502.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        os.environ["CATALOG_URL"] = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with TestClient(app) as client:
        print(client.get("/catalog/items/1").json())
        #> {'detail': 'The catalog is unreachable'}
    del os.environ["CATALOG_URL"]

    # A service on the same network that no client should reach.
    internal, visits = FastAPI(), []

    @internal.get("/secrets")
    async def secrets() -> dict:
        visits.append("a visit")
        return {"password": "hunter2"}

    with serve_in_a_thread(internal) as elsewhere:
        with TestClient(naive_app) as naive:
            # The outline's shape: an absolute URL as the path goes where it says.
            print(naive.get(f"/catalog/{elsewhere}/secrets").json())
            #> {'password': 'hunter2'}
            # And the catalog's 404 comes back as a 200.
            print(naive.get("/catalog/items/9").status_code)
            #> 200
        with TestClient(app) as client:  # this gateway: a path on the catalog
            client.get(f"/catalog/{elsewhere}/secrets")
    print(len(visits))  # the outline's gateway's visit, and no other
    #> 1
    # --8<-- [end:more]
