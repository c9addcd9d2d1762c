# The lifespan comes first in the file, since the app needs it, but the page shows it
# after the app: each section brings its own imports.
# --8<-- [start:lifespan]
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    timeline.append("lifespan: startup")
    database = {1: {"id": 1, "status": "shipped", "internal_note": "fragile"}}
    yield {"database": database}  # every request gets it as request.state.database
    timeline.append("lifespan: shutdown")


# --8<-- [end:lifespan]


# --8<-- [start:app]
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, model_validator

timeline: list[str] = []  # each stage notes what it does here, in the real order
app = FastAPI(lifespan=lifespan)  # the lifespan (below) gives each request a database


@app.middleware("http")
async def log_requests(request: Request, call_next):
    timeline.append(f"middleware: before {request.method} {request.url.path}")
    response = await call_next(request)  # routing, dependencies, handler: all in here
    timeline.append(f"middleware: after, status {response.status_code}")
    return response


async def get_session(request: Request):
    timeline.append("dependency: open session")
    try:
        yield request.state.database
    except Exception as error:
        timeline.append(f"dependency: roll back after {type(error).__name__}")
        raise
    finally:
        timeline.append("dependency: close session")


def load_order(order_id: int, session: Annotated[dict, Depends(get_session)]) -> dict:
    timeline.append(f"dependency: load order {order_id}")
    if order_id not in session:
        raise HTTPException(status_code=404, detail="Order not found")
    return session[order_id]


class OrderOut(BaseModel):
    id: int
    status: str

    @model_validator(mode="after")
    def note(self):
        timeline.append("response model: validate and filter")
        return self


def send_receipt(order_id: int) -> None:
    timeline.append(f"background task: send receipt for order {order_id}")


NOT_FOUND = {404: {"description": "Order not found"}}  # what load_order can raise


@app.get("/orders/{order_id}", response_model=OrderOut, responses=NOT_FOUND)
def read_order(order: Annotated[dict, Depends(load_order)], tasks: BackgroundTasks):
    timeline.append("handler")
    tasks.add_task(send_receipt, order["id"])
    return order  # includes internal_note, which OrderOut leaves out


# --8<-- [end:app]


# --8<-- [start:recorder]
class ResponseSentRecorder:
    """A pure ASGI middleware: notes when the app hands the last byte to the server."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_and_record(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                timeline.append("response sent")

        await self.app(scope, receive, send_and_record)


app.add_middleware(ResponseSentRecorder)  # added last: the outermost of our middleware


# --8<-- [end:recorder]


# --8<-- [start:broken]
# A second application with the same lifespan, middleware and session dependency,
# and one route with a bug. It is there to crash, so it stays off the app you serve.
broken_app = FastAPI(lifespan=lifespan)
broken_app.middleware("http")(log_requests)
broken_app.add_middleware(ResponseSentRecorder)


@broken_app.get("/broken")
def broken(session: Annotated[dict, Depends(get_session)]):
    timeline.append("handler: raises a bug")
    raise RuntimeError("a bug nobody handled")


# --8<-- [end:broken]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    # "with" runs the lifespan: startup on entering, shutdown on leaving.
    with TestClient(app) as client:
        timeline.clear()  # forget the startup
        client.get("/orders/1")
        print(timeline)
        '''
        [
            'middleware: before GET /orders/1',
            'dependency: open session',
            'dependency: load order 1',
            'handler',
            'response model: validate and filter',
            'middleware: after, status 200',
            'response sent',
            'background task: send receipt for order 1',
            'dependency: close session',
        ]
        '''
    # --8<-- [end:demo]

    # --8<-- [start:not_found_demo]
    with TestClient(app) as client:
        timeline.clear()  # forget the startup
        # A dependency raises HTTPException: the handler is skipped, the rest runs.
        response = client.get("/orders/2")
        print(response.status_code, response.json())
        #> 404 {'detail': 'Order not found'}
        print(timeline)
        '''
        [
            'middleware: before GET /orders/2',
            'dependency: open session',
            'dependency: load order 2',
            'dependency: roll back after HTTPException',
            'dependency: close session',
            'middleware: after, status 404',
            'response sent',
        ]
        '''
        timeline.clear()
    # Leaving "with" ran the rest of the lifespan.
    print(timeline)
    #> ['lifespan: shutdown']
    timeline.clear()
    # --8<-- [end:not_found_demo]

    # --8<-- [start:broken_demo]
    # An unhandled exception, on broken_app: the 500 is produced outside every
    # middleware of ours.
    with TestClient(broken_app, raise_server_exceptions=False) as broken_client:
        timeline.clear()  # forget its startup
        response = broken_client.get("/broken")
        print(response.status_code, response.text)
        #> 500 Internal Server Error
        print(timeline)
        '''
        [
            'middleware: before GET /broken',
            'dependency: open session',
            'handler: raises a bug',
            'dependency: roll back after RuntimeError',
            'dependency: close session',
        ]
        '''
    timeline.clear()
    # --8<-- [end:broken_demo]

    # --8<-- [start:without_with_demo]
    # Without "with", the lifespan never runs, and what it sets up is missing.
    response = TestClient(app, raise_server_exceptions=False).get("/orders/1")
    print(response.status_code, "lifespan: startup" in timeline)
    #> 500 False
    # --8<-- [end:without_with_demo]
