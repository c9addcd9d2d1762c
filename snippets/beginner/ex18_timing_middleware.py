# --8<-- [start:app]
import asyncio
import re
import time
import uuid

from fastapi import FastAPI, Request

app = FastAPI()

# An incoming ID is reused only if it looks like one: short, with no spaces or symbols
# that could fake extra fields in your log lines.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@app.middleware("http")
async def time_and_tag_requests(request: Request, call_next):
    start = time.perf_counter()
    incoming = request.headers.get("x-request-id", "")
    request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
    request.state.request_id = request_id  # handlers can put it in their log lines

    response = await call_next(request)  # routing, validation, the handler

    elapsed_ms = (time.perf_counter() - start) * 1000
    response.headers["X-Request-ID"] = request_id
    response.headers["X-Process-Time"] = f"{elapsed_ms:.2f}ms"
    return response


@app.get("/slow")
async def slow_endpoint():
    await asyncio.sleep(0.1)  # stands in for 100 ms of waiting on a database
    return {"status": "done"}


@app.get("/whoami")
def which_request(request: Request):
    return {"request_id": request.state.request_id}


# --8<-- [end:app]


# --8<-- [start:crash]
# A second app with the same middleware and a bug on purpose, kept apart from `app`.
crash_app = FastAPI()
crash_app.middleware("http")(time_and_tag_requests)


@crash_app.get("/crash")
def crash():
    raise RuntimeError("a bug")  # unhandled: the client gets a plain 500


# --8<-- [end:crash]


# --8<-- [start:order]
from starlette.middleware.base import BaseHTTPMiddleware

order_app = FastAPI()
calls: list[str] = []


@order_app.middleware("http")
async def registered_first(request: Request, call_next):
    calls.append("first: before")
    response = await call_next(request)
    calls.append("first: after")
    return response


async def registered_second(request: Request, call_next):
    calls.append("second: before")
    response = await call_next(request)
    calls.append("second: after")
    return response


# What @order_app.middleware("http") does, written out by hand.
order_app.add_middleware(BaseHTTPMiddleware, dispatch=registered_second)


@order_app.middleware("http")
async def registered_third(request: Request, call_next):
    calls.append("third: before")
    response = await call_next(request)
    calls.append("third: after")
    return response


@order_app.get("/")
def index():
    calls.append("handler")
    return {}


# --8<-- [end:order]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    response = client.get("/slow")
    print(response.json(), [name for name in response.headers if name.startswith("x-")])
    #> {'status': 'done'} ['x-request-id', 'x-process-time']

    # A well-formed incoming ID is passed on to the handler and sent back.
    response = client.get("/whoami", headers={"X-Request-ID": "checkout-7f3a"})
    print(response.headers["x-request-id"], response.json())
    #> checkout-7f3a {'request_id': 'checkout-7f3a'}
    # Anything else is replaced by a fresh UUID, so it never reaches your logs.
    response = client.get("/whoami", headers={"X-Request-ID": "42 user=admin"})
    print(uuid.UUID(response.json()["request_id"]).version)
    #> 4
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The handler slept 100 ms, so the measured time cannot be less.
    elapsed = client.get("/slow").headers["x-process-time"]
    print(elapsed.endswith("ms"), float(elapsed.removesuffix("ms")) >= 100)
    #> True True
    # No ID sent: a fresh random UUID.
    print(uuid.UUID(client.get("/whoami").headers["x-request-id"]).version)
    #> 4
    # --8<-- [end:more]

    # --8<-- [start:crash_demo]
    # Unknown paths, and every HTTPException, pass through the middleware as well.
    response = client.get("/nowhere")
    print(response.status_code, "x-process-time" in response.headers)
    #> 404 True
    # An unhandled exception skips the second half of the middleware.
    crashing_client = TestClient(crash_app, raise_server_exceptions=False)
    response = crashing_client.get("/crash")
    print(response.status_code, response.text, "x-request-id" in response.headers)
    #> 500 Internal Server Error False
    # --8<-- [end:crash_demo]

    # --8<-- [start:order_demo]
    TestClient(order_app).get("/")
    print(calls)
    '''
    [
        'third: before',
        'second: before',
        'first: before',
        'handler',
        'first: after',
        'second: after',
        'third: after',
    ]
    '''
    # --8<-- [end:order_demo]
