# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:store]
import os
import time
from contextlib import asynccontextmanager

KEEP_FOR = 24 * 3600  # seconds a key is remembered: tell your clients


class MemoryStore:
    """Idempotency records in this process's memory: right for one worker only."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}  # oldest first: dicts keep their order

    @asynccontextmanager
    async def lifespan(self, app):
        yield  # nothing to open or close

    async def reserve(self, key: str, fingerprint: str) -> dict | None:
        """Claim the key for this request (None), or return what it already holds."""
        now = time.monotonic()
        while self.records:  # forget expired records, the oldest first
            oldest = next(iter(self.records))
            if self.records[oldest]["expires"] > now:
                break
            del self.records[oldest]
        if key in self.records:
            return self.records[key]
        # No await since the look-up: no other request can claim it in between.
        record = {"fingerprint": fingerprint, "response": None}
        self.records[key] = {**record, "expires": now + KEEP_FOR}
        return None

    async def finish(self, key: str, fingerprint: str, response: dict) -> None:
        self.records[key]["response"] = response

    async def release(self, key: str) -> None:
        del self.records[key]


@asynccontextmanager
async def released_on_failure(key: str):
    """A charge that failed charged nothing: free its key for the retry (store is
    this MemoryStore, or the RedisStore below)."""
    try:
        yield
    except Exception:
        await store.release(key)
        raise


# --8<-- [end:store]


# --8<-- [start:redis_store]
import json

from redis.asyncio import Redis


class RedisStore:
    """The same records in Redis, shared by every worker and every server."""

    def __init__(self, url: str) -> None:
        self.url = url

    @asynccontextmanager
    async def lifespan(self, app):
        self.redis = Redis.from_url(self.url)  # opened in the server's event loop
        try:
            yield
        finally:
            await self.redis.aclose()

    async def reserve(self, key: str, fingerprint: str) -> dict | None:
        record = json.dumps({"fingerprint": fingerprint, "response": None})
        # SET NX GET (Redis 7.0 or later): claim the key, or read what holds it,
        # in one atomic command; EX: Redis forgets it after KEEP_FOR seconds.
        held = await self.redis.set(
            f"idempotency:{key}", record, nx=True, get=True, ex=KEEP_FOR
        )
        return None if held is None else json.loads(held)

    async def finish(self, key: str, fingerprint: str, response: dict) -> None:
        record = json.dumps({"fingerprint": fingerprint, "response": response})
        await self.redis.set(f"idempotency:{key}", record, xx=True, keepttl=True)

    async def release(self, key: str) -> None:
        await self.redis.delete(f"idempotency:{key}")


# REDIS_URL (read when the module is imported) switches the same app to Redis.
REDIS_URL = os.environ.get("REDIS_URL")
store = RedisStore(REDIS_URL) if REDIS_URL else MemoryStore()
# --8<-- [end:redis_store]


# --8<-- [start:clients]
import hashlib
from typing import Annotated

from fastapi import HTTPException, Security
from fastapi.security import APIKeyHeader

api_key_header = APIKeyHeader(name="X-API-Key")
# Demo data: SHA-256 digests of the keys "alice-demo-key" and "bob-demo-key"
# (Example 71 makes real ones).
CLIENTS = {
    "0572c17ed012b3efdf9df98db1718f225887132739b8da945d81ac5a7d1fea45": "alice",
    "3a1f6bae21de4f036f2aba80fce463677f1070f8bf81f0f475604cccd8e2d7f3": "bob",
}


def current_client(key: Annotated[str, Security(api_key_header)]) -> str:
    client = CLIENTS.get(hashlib.sha256(key.encode()).hexdigest())
    if client is None:
        raise HTTPException(401, "Invalid API key", {"WWW-Authenticate": "APIKey"})
    return client


# --8<-- [end:clients]


# --8<-- [start:provider]
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class Payment(BaseModel):
    amount: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)]
    currency: Literal["EUR", "USD"]


CHARGES: list[dict] = []  # what the card network saw: one entry per real charge


async def charge_card(client: str, amount: str, currency: str) -> dict:
    """Stands in for a payment provider's API: every call is a charge."""
    charge = {"id": f"pay_{len(CHARGES) + 1:06d}", "amount": amount}
    CHARGES.append({**charge, "client": client, "currency": currency})
    return {**charge, "currency": currency, "status": "succeeded"}


# --8<-- [end:provider]


# --8<-- [start:key_header]
from fastapi import Header

ANSWERS = {
    400: {"description": "No Idempotency-Key header"},
    401: {"description": "No valid API key"},
    409: {"description": "The first request with this key is still running"},
    422: {"description": "Invalid input, or this key was used for another request"},
}
# A UUID, or any 16 to 64 letters, digits and dashes, bare or quoted as the IETF
# draft writes it: "8e03978e-40d5-43e8-bc93-6894a57f9324".
KEY_FORMAT = r'^"?[A-Za-z0-9-]{16,64}"?$'


def idempotency_key(
    key: Annotated[
        str | None, Header(alias="Idempotency-Key", pattern=KEY_FORMAT)
    ] = None,
) -> str:
    if key is None:  # the draft's answer to a missing key: 400, not a 422
        raise HTTPException(400, "This operation requires an Idempotency-Key header")
    return key.strip('"')


# --8<-- [end:key_header]


# --8<-- [start:app]
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

app = FastAPI(lifespan=store.lifespan)  # store: in this process's memory (below)


@app.post("/payments", status_code=201, responses=ANSWERS)
async def create_payment(
    payment: Payment,
    client: Annotated[str, Depends(current_client)],
    key: Annotated[str, Depends(idempotency_key)],
):
    scoped = f"{client}:{key}"  # per client: bob's key never finds alice's payment
    fingerprint = hashlib.sha256(payment.model_dump_json().encode()).hexdigest()
    held = await store.reserve(scoped, fingerprint)  # None: this request goes ahead
    if held is not None:  # seen before: refuse, or answer as the first time
        if held["fingerprint"] != fingerprint:
            raise HTTPException(422, "This Idempotency-Key was used for another body")
        if held["response"] is None:
            raise HTTPException(409, "A request with this Idempotency-Key is running")
        replayed = JSONResponse(**held["response"])
        replayed.headers["Idempotent-Replayed"] = "true"
        return replayed
    async with released_on_failure(scoped):  # then the client may simply retry
        charge = await charge_card(client, str(payment.amount), payment.currency)
    location = {"Location": f"/payments/{charge['id']}"}
    response = {"content": charge, "status_code": 201, "headers": location}
    await store.finish(scoped, fingerprint, response)
    return JSONResponse(**response)


# --8<-- [end:app]


# --8<-- [start:errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors]


# --8<-- [start:naive]
# The outline's middleware: look, run, then store; keyed by the key and the path.
from fastapi import Response

naive_app = FastAPI()
NAIVE_STORE: dict[str, dict] = {}


@naive_app.middleware("http")
async def naive_idempotency(request: Request, call_next):
    key = request.headers.get("Idempotency-Key")
    if not key or request.method != "POST":
        return await call_next(request)
    store_key = f"{key}:{request.url.path}"
    if store_key in NAIVE_STORE:  # checked here, stored only after the work below
        replay = {"X-Idempotent-Replayed": "true"}
        return JSONResponse(**NAIVE_STORE[store_key], headers=replay)
    response = await call_next(request)
    body = b"".join([chunk async for chunk in response.body_iterator])
    if 200 <= response.status_code < 300:
        content = json.loads(body)
        NAIVE_STORE[store_key] = {"content": content, "status_code": 201}
    return Response(body, response.status_code, headers=dict(response.headers))


@naive_app.post("/payments", status_code=201)
async def naive_payment(
    payment: Payment, client: Annotated[str, Depends(current_client)]
):
    return await charge_card(client, str(payment.amount), payment.currency)


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    key = "8e03978e-40d5-43e8-bc93-6894a57f9324"  # made up by the client, per payment
    headers = {"X-API-Key": "alice-demo-key", "Idempotency-Key": key}
    order = {"amount": "25.00", "currency": "EUR"}
    first = client.post("/payments", json=order, headers=headers)
    retry = client.post("/payments", json=order, headers=headers)  # a lost answer
    print(retry.status_code, retry.json() == first.json(), len(CHARGES))  # one charge
    #> 201 True 1
    other = client.post("/payments", json={**order, "amount": "30.00"}, headers=headers)
    print(other.status_code, other.json()["detail"])
    #> 422 This Idempotency-Key was used for another body
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The replay is marked as one, with the first answer's Location.
    print(retry.headers["idempotent-replayed"], retry.headers["location"])
    #> true /payments/pay_000001
    print(first.headers["location"])
    #> /payments/pay_000001

    # bob may use the same key: keys belong to a client, and his payment is his.
    bob = {**headers, "X-API-Key": "bob-demo-key"}
    print(client.post("/payments", json=order, headers=bob).json()["id"])
    #> pay_000002
    # The key as the IETF draft writes it, in quotes: the same key.
    quoted = {**headers, "Idempotency-Key": f'"{key}"'}
    response = client.post("/payments", json=order, headers=quoted)
    print(response.json()["id"], response.headers["idempotent-replayed"])
    #> pay_000001 true
    # No key, a key too short: refused before anything happens.
    no_key = {"X-API-Key": "alice-demo-key"}
    print(client.post("/payments", json=order, headers=no_key).status_code)
    #> 400
    short = {**headers, "Idempotency-Key": "abc"}
    print(client.post("/payments", json=order, headers=short).status_code)
    #> 422
    print(len(CHARGES))
    #> 2

    # The outline's middleware, one request after another: bob reuses alice's key
    # and gets her payment back, and a new amount under an old key is ignored.
    naive = TestClient(naive_app)
    key = {"Idempotency-Key": "0f8c6f3e-8b2d-4c1e-9a57-2d5b7e4f1a90"}
    alices = naive.post("/payments", json=order, headers={**no_key, **key})
    bobs = naive.post("/payments", json=order, headers={**bob, **key})
    print(bobs.json() == alices.json(), bobs.headers["x-idempotent-replayed"])
    #> True true
    larger = naive.post(
        "/payments", json={**order, "amount": "99.00"}, headers={**no_key, **key}
    )
    print(larger.json()["amount"])
    #> 25.00
    # --8<-- [end:more]
