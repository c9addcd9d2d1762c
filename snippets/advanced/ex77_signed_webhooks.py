# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
import asyncio
import hashlib
import hmac
import json
import random
import time
from contextlib import suppress

import httpx2


class DeliveryFailed(Exception): ...


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    # The time is signed with the body: an old delivery cannot pass for a new one.
    mac = hmac.new(secret, b"%d." % timestamp + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


async def deliver(
    client: httpx2.AsyncClient,
    url: str,
    secret: bytes,
    event: dict,
    attempts: int = 5,
    sleep=asyncio.sleep,  # the tests and the demo pass their own sleep and random
    jitter=random.random,
) -> int:
    body = json.dumps(event).encode()  # the very bytes that are signed and sent
    for attempt in range(1, attempts + 1):
        signature = sign(secret, int(time.time()), body)  # signed afresh each time
        headers = {"Content-Type": "application/json", "Webhook-Signature": signature}
        with suppress(httpx2.TransportError, TimeoutError):  # refused, reset, too slow
            if 200 <= await post_to_public_address(client, url, body, headers) < 300:
                return attempt  # the number of attempts it took
        if attempt < attempts:
            cap = 2.0 ** (attempt - 1)  # 1 s, 2 s, 4 s, 8 s
            await sleep(cap / 2 + jitter() * cap / 2)  # anywhere in the upper half
    raise DeliveryFailed(f"no 2xx from {url} in {attempts} attempts")


# --8<-- [end:app]


# --8<-- [start:receiver]
SECRET = b"whsec_demo-only"  # given by the sender when the endpoint was registered
TOLERANCE = 300  # seconds allowed between the signed time and now


def verify(header: str, body: bytes, now: float) -> bool:
    fields = dict(part.partition("=")[::2] for part in header.split(","))
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE:  # too old, or from the future: a replay
        return False
    expected = sign(SECRET, timestamp, body).partition(",v1=")[2]
    return hmac.compare_digest(expected, fields.get("v1", ""))  # constant time


from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError

app = FastAPI()  # the customer's service, which receives the webhooks
processed: dict[str, dict] = {}  # event id -> data; in a database: a unique key


class Event(BaseModel):
    id: str = Field(max_length=100)  # the same in every retry of one event
    type: str
    data: dict


@app.post("/webhooks", responses={400: {"description": "Bad or stale signature"}})
async def receive_webhook(
    request: Request,
    webhook_signature: Annotated[str, Header(max_length=200)],
) -> dict[str, str]:
    body = await request.body()  # the raw bytes, exactly as they were signed
    if not verify(webhook_signature, body, time.time()):
        raise HTTPException(400, "Bad or stale signature")
    try:
        event = Event.model_validate_json(body)
    except ValidationError:
        raise HTTPException(400, "Not an event") from None
    if event.id in processed:
        return {"status": "duplicate"}  # a retry of what was done: 2xx, so it stops
    processed[event.id] = event.data
    return {"status": "processed"}


# --8<-- [end:receiver]


# --8<-- [start:guard]
import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Empty in production. The demo and the tests add loopback, where their receivers run.
ALLOWED_NETWORKS: tuple[Network, ...] = ()
TIMEOUT = 10  # seconds for a whole delivery attempt, not per read


class TargetRefused(Exception):
    pass


def refused(address: Address) -> bool:
    if any(address in network for network in ALLOWED_NETWORKS):
        return False
    if address.version == 6 and (embedded := address.ipv4_mapped or address.sixtofour):
        address = embedded  # ::ffff:127.0.0.1 and 2002:7f00:1:: are 127.0.0.1
    return not address.is_global or address.is_multicast or address.is_reserved


async def resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in found]


async def post_to_public_address(
    client: httpx2.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> int:
    try:
        target = httpx2.URL(url)
    except httpx2.InvalidURL:
        raise TargetRefused(f"{url!r} is not a valid URL") from None
    if target.scheme not in ("http", "https"):
        raise TargetRefused(f"{target.scheme}: is not http or https")
    port = target.port or (443 if target.scheme == "https" else 80)
    addresses = [
        ipaddress.ip_address(found) for found in await resolve(target.host, port)
    ]
    if not addresses or any(refused(address) for address in addresses):
        raise TargetRefused(f"{target.host} is not a public address")
    # Connect to the address just checked: asking DNS again could get another answer
    # (DNS rebinding). The Host header and TLS (SNI and the certificate) keep the name.
    pinned = target.copy_with(host=str(addresses[0]))
    tls = {"sni_hostname": target.host} if target.scheme == "https" else {}
    headers = {**headers, "Host": target.netloc.decode()}
    async with (
        asyncio.timeout(TIMEOUT),
        client.stream(
            "POST", pinned, content=body, headers=headers, extensions=tls
        ) as response,  # a redirect is an answer, never followed: see the client
    ):
        return response.status_code  # the body is never read: it may be huge


def new_client() -> httpx2.AsyncClient:
    # No proxy from the environment (it would connect for us, to anything), and no
    # redirects: a 3xx to an internal address would skip the check.
    return httpx2.AsyncClient(trust_env=False, follow_redirects=False)


# --8<-- [end:guard]


# --8<-- [start:registry]
import secrets

from pydantic import AfterValidator, AnyHttpUrl


def public(url: AnyHttpUrl) -> AnyHttpUrl:
    # Pydantic writes 2130706433, 0x7f000001 and 0177.0.0.1 as 127.0.0.1. A name is
    # checked at every delivery instead, where it is resolved: its answer can change.
    host = url.host.strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        raise ValueError("localhost is not a public address")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if refused(address):
        raise ValueError(f"{address} is not a public address")
    return url


class NewEndpoint(BaseModel):
    url: Annotated[AnyHttpUrl, AfterValidator(public)]  # http and https only


class Endpoint(BaseModel):
    id: str
    url: str
    secret: str  # shown once, here; the sender keeps it to sign


registry = FastAPI()  # the sender's own API, where customers register their URLs
endpoints: dict[str, Endpoint] = {}


@registry.post(
    "/webhook-endpoints",
    status_code=201,
    responses={400: {"description": "Unreadable body"}},
)
def register_endpoint(new: NewEndpoint) -> Endpoint:
    endpoint = Endpoint(
        id=secrets.token_hex(8),
        url=str(new.url),
        secret="whsec_" + secrets.token_urlsafe(32),
    )
    endpoints[endpoint.id] = endpoint
    return endpoint


# --8<-- [end:registry]


# --8<-- [start:json_safe_errors]
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@registry.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:json_safe_errors]


# --8<-- [start:naive]
# The outline's sender: the body signed is not the body sent, the time is not signed,
# every delay is the same for every delivery, and any URL is fine.
async def naive_deliver(url: str, secret: str, payload: dict, sleep=asyncio.sleep):
    signature = hmac.new(
        secret.encode(), json.dumps(payload, sort_keys=True).encode(), hashlib.sha256
    ).hexdigest()
    headers = {
        "X-Webhook-Signature": f"sha256={signature}",
        "X-Webhook-Timestamp": str(int(time.time())),
    }
    async with httpx2.AsyncClient(timeout=10.0) as client:
        for attempt in range(3):
            try:
                response = await client.post(url, json=payload, headers=headers)
                if 200 <= response.status_code < 300:
                    return True
            except httpx2.RequestError:
                pass
            if attempt < 2:
                await sleep(2**attempt * 1.0)
    return False


# Checked, then connected by name: the second lookup is free to answer differently.
async def check_then_post(client: httpx2.AsyncClient, url: str, body: bytes) -> int:
    target = httpx2.URL(url)
    for found in await resolve(target.host, target.port or 80):
        if refused(ipaddress.ip_address(found)):
            raise TargetRefused(f"{target.host} is not a public address")
    response = await client.post(url, content=body)  # resolves target.host again
    return response.status_code


# --8<-- [end:naive]


# --8<-- [start:helpers]
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio.from_thread
import uvicorn
from starlette.responses import PlainTextResponse


class FailFirst:
    """Wraps an app so that its first `failures` requests get a 500."""

    def __init__(self, app, failures: int):
        self.app, self.failures, self.calls = app, failures, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.calls += 1
            if self.calls <= self.failures:
                response = PlainTextResponse("down for a moment", 500)
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


@contextmanager
def serving(asgi_app) -> Iterator[str]:
    """Run an app with uvicorn on a free loopback port; yield its base URL."""
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


EVENT = {"id": "evt_1", "type": "order.paid", "data": {"order": 42}}


def send_twice(receiver) -> tuple[list[int], list[float]]:
    """Serve the receiver on loopback and deliver one event to it twice.

    Returns the attempts each delivery took, and the delays of the retries.
    """
    global ALLOWED_NETWORKS
    waits = []

    async def sleep(seconds):  # records each delay instead of waiting it out
        waits.append(round(seconds, 2))

    async def twice(url: str) -> list[int]:
        jitter = random.Random(7).random  # seeded, for figures that do not change
        async with new_client() as client:
            return [
                await deliver(client, url, SECRET, EVENT, sleep=sleep, jitter=jitter)
                for _ in range(2)
            ]

    # Loopback, where the receiver runs, is allowed for this demo only, then refused.
    allowed = ALLOWED_NETWORKS
    ALLOWED_NETWORKS = (ipaddress.ip_network("127.0.0.1/32"),)
    try:
        # In an event loop of its own thread, as TestClient runs an app: coverage.py
        # loses track of the caller's next lines when anyio opens a connection there.
        with (
            serving(receiver) as url,
            anyio.from_thread.start_blocking_portal() as portal,
        ):
            return portal.call(twice, url + "/webhooks"), waits
    finally:
        ALLOWED_NETWORKS = allowed


# --8<-- [end:helpers]

# --8<-- [start:demo]
if __name__ == "__main__":
    flaky = FailFirst(app, failures=2)  # the receiver, answering 500 twice at first
    attempts, waits = send_twice(flaky)  # on loopback, allowed for the demo only
    print(attempts, waits)  # attempts per delivery; the delays of the first
    #> [3, 1] [0.66, 1.15]
    print(flaky.calls, processed)  # four requests received, one event processed
    #> 4 {'evt_1': {'order': 42}}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The guard's verdicts: send_twice has taken back its loopback allowance.
    for text in ["8.8.8.8", "127.0.0.1", "169.254.169.254", "100.64.0.1", "ff02::1"]:
        print(text, refused(ipaddress.ip_address(text)))
        #> 8.8.8.8 False
        #> 127.0.0.1 True
        #> 169.254.169.254 True
        #> 100.64.0.1 True
        #> ff02::1 True
    for text in ["::ffff:127.0.0.1", "2002:a00:1::", "2606:4700:4700::1111"]:
        print(text, refused(ipaddress.ip_address(text)))
        #> ::ffff:127.0.0.1 True
        #> 2002:a00:1:: True
        #> 2606:4700:4700::1111 False

    # A signature ten minutes old is refused, though the secret and bytes are right.
    body = json.dumps(EVENT).encode()
    print(verify(sign(SECRET, int(time.time()) - 600, body), body, time.time()))
    #> False
    # And the body is checked byte for byte: the same JSON spelled otherwise fails.
    header = sign(SECRET, int(time.time()), body)
    print(verify(header, json.dumps(EVENT, indent=1).encode(), time.time()))
    #> False
# --8<-- [end:more]
