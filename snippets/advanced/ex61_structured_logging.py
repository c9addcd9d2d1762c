# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
import logging
import re
import uuid
from contextvars import ContextVar

from fastapi import BackgroundTasks, FastAPI
from starlette.datastructures import Headers, MutableHeaders

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# 8 to 64 letters, digits, "-", "_" or ".": nothing that could end a line or a string.
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
logger = logging.getLogger("shop")  # its lines are JSON: see the formatter


class RequestIdMiddleware:  # pure ASGI (Example 42): around all the request runs
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        sent = Headers(scope=scope).get("x-request-id", "")
        request_id = sent if WELL_FORMED.fullmatch(sent) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            logger.info("request received", extra={"path": scope["path"]})
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("request failed")  # the traceback, with the id
            raise
        finally:
            REQUEST_ID.reset(token)


app = FastAPI()
app.add_middleware(RequestIdMiddleware)


def email_receipt(order_id: int) -> None:  # a background task: after the response
    logger.info("receipt e-mailed", extra={"order_id": order_id})


@app.post("/orders/{order_id}/receipt", status_code=202)
def send_receipt(order_id: int, tasks: BackgroundTasks):  # def: in the thread pool
    logger.info("order found", extra={"order_id": order_id})
    tasks.add_task(email_receipt, order_id)
    return {"order_id": order_id, "receipt": "queued"}


# --8<-- [end:app]


# --8<-- [start:formatter]
import json
from datetime import UTC, datetime

RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in RECORD_FIELDS}
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "message": record.getMessage(),
            **extra,  # what the call passed: logger.info(..., extra={"order_id": 7})
            "request_id": REQUEST_ID.get(),  # last, so that no extra= can replace it
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)  # one line: a newline becomes \n


handler = logging.StreamHandler()  # standard error, where servers and containers look
handler.setFormatter(JsonFormatter())
logger.handlers = [handler]  # replaced, not added to: importing twice logs once
logger.setLevel(logging.INFO)
logger.propagate = False  # these lines are complete; the root logger adds nothing
# --8<-- [end:formatter]


# --8<-- [start:naive]
from decimal import Decimal

naive_app = FastAPI()  # the outline's way of logging, to break it; not served


def log_event(event: str, **fields) -> None:
    line = {"request_id": uuid.uuid4().hex[:8], "event": event, **fields}
    print(json.dumps(line))  # json.dumps refuses a Decimal, a datetime, a set...


@naive_app.get("/quotes/{sku}")
def quote(sku: str, price: Decimal | None = None):
    log_event("quote", sku=sku, price=price)  # with a price: TypeError, and a 500
    return {"sku": sku, "price": price}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    import io

    from fastapi.testclient import TestClient

    handler.setStream(log := io.StringIO())  # keep the lines, to print them
    client = TestClient(app)
    client.post("/orders/7/receipt", headers={"X-Request-ID": "checkout-7f3a"})
    for line in log.getvalue().splitlines():
        entry = json.loads(line)
        print(entry["request_id"], entry["message"], entry.get("order_id", ""))
        #> checkout-7f3a request received
        #> checkout-7f3a order found 7
        #> checkout-7f3a receipt e-mailed 7
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import math

    # The outline's ids are 8 hex digits, 32 bits; uuid4() has 122 random bits. The
    # chance that two of a day's 100,000 requests share an id (the birthday bound):
    for bits in (32, 122):
        print(bits, f"{-math.expm1(-(100_000**2) / 2**bits / 2):.2%}")
        #> 32 68.78%
        #> 122 0.00%

    # A header that would write its own fields into the log line is refused.
    forged = {"X-Request-ID": 'x", "level": "ERROR'}
    print(len(client.post("/orders/7/receipt", headers=forged).headers["X-Request-ID"]))
    #> 32

    # A newline sent in the path stays inside one JSON line.
    handler.setStream(log := io.StringIO())
    client.post("/orders/7%0A%7B%22level%22:%22ERROR%22%7D/receipt")
    lines = log.getvalue().splitlines()
    print(len(lines), repr(json.loads(lines[0])["path"]))
    #> 1 '/orders/7\n{"level":"ERROR"}/receipt'

    # extra= adds fields but cannot replace the id ("-": this runs outside a request).
    logger.info("forging", extra={"request_id": "someone-else"})
    print(json.loads(log.getvalue().splitlines()[-1])["request_id"])
    #> -

    # The outline's logger: a log call with a Decimal in it fails the request.
    naive = TestClient(naive_app, raise_server_exceptions=False)
    print(naive.get("/quotes/book-1?price=9.99").status_code)
    #> 500
    # --8<-- [end:more]
