# Each section the page shows brings its own imports, so some are not at the top.
# --8<-- [start:app]
import asyncio
import logging
import re
import uuid
from contextvars import ContextVar

from fastapi import FastAPI, Request

request_id: ContextVar[str] = ContextVar("request_id", default="-")
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # what Example 18 accepts from a client

logger = logging.getLogger("shop")  # its handler adds the ID to each line (below)

app = FastAPI()


@app.middleware("http")
async def tag_request(request: Request, call_next):
    incoming = request.headers.get("x-request-id", "")
    new_id = incoming if SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
    token = request_id.set(new_id)
    try:
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id.get()
        return response
    finally:
        request_id.reset(token)  # leave the context as it was before this request


async def query_database(order_id: int) -> dict:
    await asyncio.sleep(0.01)  # a real query: other requests run while it waits
    return {"id": order_id}


async def load_order(order_id: int) -> dict:  # deep in the code, no request in sight
    logger.info("loading order %d", order_id)
    order = await query_database(order_id)
    logger.info("order %d loaded", order_id)
    return order


@app.get("/orders/{order_id}")
async def read_order(order_id: int):
    return {**await load_order(order_id), "request_id": request_id.get()}


# --8<-- [end:app]


# --8<-- [start:logging]
class AddRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()  # on every record that reaches the handler
        return True


handler = logging.StreamHandler()
handler.addFilter(AddRequestId())
handler.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
logger.addHandler(handler)
logger.setLevel(logging.INFO)
# --8<-- [end:logging]


# --8<-- [start:threads]
from fastapi import BackgroundTasks


def send_receipt(order_id: int) -> None:
    logger.info("receipt for order %d sent", order_id)  # after the response


@app.post("/orders/{order_id}/receipt", status_code=202)
def queue_receipt(order_id: int, background_tasks: BackgroundTasks):
    # A def route runs in a worker thread, which gets a copy of the request's context.
    logger.info("queueing the receipt for order %d", order_id)
    background_tasks.add_task(send_receipt, order_id)
    return {"queued": order_id, "request_id": request_id.get()}


# --8<-- [end:threads]


# --8<-- [start:naive]
# Where a context does not follow, on an app that fastapi dev does not serve.
import threading

naive_app = FastAPI()
naive_app.middleware("http")(tag_request)


@naive_app.get("/threads")
async def from_threads():
    loop = asyncio.get_running_loop()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(request_id.get()))
    thread.start()
    thread.join()
    return {
        "asyncio.to_thread": await asyncio.to_thread(request_id.get),  # copies it
        "run_in_executor": await loop.run_in_executor(None, request_id.get),  # not
        "threading.Thread": seen[0],  # a new thread starts with an empty context
    }


# The outline's second variable: its default is one dict, shared by every context.
# Ruff's rule B039 flags it; it is kept here to show why.
current_user: ContextVar[dict] = ContextVar("current_user", default={})  # noqa: B039


@naive_app.put("/me/{name}")
async def sign_in(name: str):
    current_user.get()["name"] = name  # changes the default, not this request's value
    return current_user.get()


@naive_app.get("/me")
async def who_am_i():
    return current_user.get()


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    import io

    import httpx2

    handler.setStream(logs := io.StringIO())  # collect the log lines, to print them

    async def query_database(order_id: int) -> dict:  # returns once both are inside
        await both_inside.wait()
        return {"id": order_id}

    async def two_requests_at_once():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://x") as c:
            await asyncio.gather(
                c.get("/orders/1", headers={"X-Request-ID": "req-A"}),
                c.get("/orders/2", headers={"X-Request-ID": "req-B"}),
            )

    both_inside = asyncio.Barrier(2)
    asyncio.run(two_requests_at_once())
    print(logs.getvalue().strip())
    '''
    req-A loading order 1
    req-B loading order 2
    req-B order 2 loaded
    req-A order 1 loaded
    '''
    # --8<-- [end:demo]

    # --8<-- [start:more]
    from fastapi.testclient import TestClient

    client = TestClient(app)
    # A def route and a background task: both log with the request's ID.
    logs.truncate(0)
    logs.seek(0)
    response = client.post("/orders/7/receipt", headers={"X-Request-ID": "req-C"})
    print(response.json())
    #> {'queued': 7, 'request_id': 'req-C'}
    print(logs.getvalue().strip())
    '''
    req-C queueing the receipt for order 7
    req-C receipt for order 7 sent
    '''

    # An ID that could forge a log line is replaced by a new one.
    headers = {"X-Request-ID": "ok] admin logged in"}
    response = client.post("/orders/7/receipt", headers=headers)
    print(len(response.headers["x-request-id"]))
    #> 32

    naive = TestClient(naive_app)
    print(naive.get("/threads", headers={"X-Request-ID": "req-D"}).json())
    #> {'asyncio.to_thread': 'req-D', 'run_in_executor': '-', 'threading.Thread': '-'}
    print(naive.put("/me/alice").json())
    #> {'name': 'alice'}
    print(naive.get("/me").json())  # another request, and nobody signed in
    #> {'name': 'alice'}
# --8<-- [end:more]
