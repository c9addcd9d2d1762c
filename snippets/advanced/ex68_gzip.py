# --8<-- [start:app]
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.middleware.gzip import GZipMiddleware

app = FastAPI()
# Compress bodies of 1,000 bytes or more, for clients whose Accept-Encoding
# names gzip. Smaller ones gain a few bytes at most: they are sent as they are.
app.add_middleware(GZipMiddleware, minimum_size=1000)

PRODUCTS = [
    {"id": n, "name": f"Product {n}", "category": "tools", "in_stock": n % 3 > 0}
    for n in range(1, 1001)
]


@app.get("/products")
def list_products(limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    return PRODUCTS[:limit]


@app.get("/health")
def health():
    return {"status": "ok"}


# --8<-- [end:app]


# --8<-- [start:streams]
import json
import random

from fastapi import Response
from fastapi.responses import StreamingResponse

# Stands in for a JPEG: random bytes, as incompressible as a compressed image.
PHOTO = random.Random(68).randbytes(20_000)


def only(media_type: str) -> dict:  # declares what each route answers
    return {
        "response_class": Response,
        "responses": {200: {"content": {media_type: {}}}},
    }


@app.get("/photo.jpg", **only("image/jpeg"))
def photo():
    return Response(PHOTO, media_type="image/jpeg")  # never gzipped: excluded type


@app.get("/export", **only("application/x-ndjson"))
def export():  # compressed as it streams, each chunk flushed at once
    def chunks():  # 100 products per chunk, as pages read from a database
        for start in range(0, len(PRODUCTS), 100):
            page = PRODUCTS[start : start + 100]
            yield "".join(json.dumps(product) + "\n" for product in page)

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


@app.get("/events", **only("text/event-stream"))
def events():  # never gzipped: text/event-stream is an excluded type
    ticks = (f"data: {n}\n\n" for n in range(3))
    return StreamingResponse(ticks, media_type="text/event-stream")


# --8<-- [end:streams]


# --8<-- [start:breach]
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send


class GZipExceptPaths:
    """GZipMiddleware everywhere but the listed paths, whose responses carry a secret
    next to what the client sent (BREACH: the compressed size leaks the secret)."""

    def __init__(self, app: ASGIApp, paths: set[str], **options) -> None:
        self.app, self.paths = app, paths
        self.gzip = GZipMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plain = scope["type"] == "http" and scope["path"] in self.paths
        await (self.app if plain else self.gzip)(scope, receive, send)


account_app = FastAPI()
account_app.add_middleware(GZipExceptPaths, paths={"/account"}, minimum_size=1000)
CSRF_TOKEN = secrets.token_hex(16)  # in a real app: one per session, from its cookie


@account_app.get("/account")
def account(search: str = ""):
    # A secret, the client's own words, and enough data to be worth compressing.
    return {"csrf_token": CSRF_TOKEN, "search": search, "recent": PRODUCTS[:20]}


# --8<-- [end:breach]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)  # sends Accept-Encoding: gzip, deflate
    for path in ("/products", "/health"):
        response = client.get(path)
        encoding = response.headers.get("content-encoding", "none")
        sent, body = response.num_bytes_downloaded, len(response.content)
        print(f"{path}: {encoding}, {sent} bytes sent for {body}")
        #> /products: gzip, 607 bytes sent for 6518
        #> /health: none, 15 bytes sent for 15
    plain = client.get("/products", headers={"Accept-Encoding": "identity"})
    print(plain.headers.get("content-encoding"), plain.headers["vary"])
    #> None Accept-Encoding
    # --8<-- [end:demo]

    # --8<-- [start:more]
    for path in ("/photo.jpg", "/export", "/events"):
        response = client.get(path)
        encoding = response.headers.get("content-encoding", "none")
        sent, body = response.num_bytes_downloaded, len(response.content)
        print(f"{path}: {encoding}, {sent} bytes sent for {body}")
        #> /photo.jpg: none, 20000 bytes sent for 20000
        #> /export: gzip, 5324 bytes sent for 74119
        #> /events: none, 27 bytes sent for 27
    # --8<-- [end:more]
