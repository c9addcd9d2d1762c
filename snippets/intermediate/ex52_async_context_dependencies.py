# Each section the page shows brings its own imports, so some are not at the top.
# The resource comes first in the file, so that the app can name its class; the page
# shows the app first.
# --8<-- [start:resource]
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

events: list[str] = []  # what happened, in order, for the demo


class Connection:
    """Stands in for a database connection: it refuses work once closed."""

    def __init__(self):
        self.closed = False

    async def fetch(self, n: int) -> str:
        if self.closed:
            raise RuntimeError("the connection is closed")
        await asyncio.sleep(0)  # a real query waits on the network here
        events.append(f"row {n}")
        return f"row {n}"


@asynccontextmanager
async def connect() -> AsyncIterator[Connection]:
    connection = Connection()
    events.append("opened")
    try:
        yield connection
    finally:  # runs on success, on an exception, and when the request is cancelled
        await asyncio.sleep(0)  # closing a real connection awaits the network too
        connection.closed = True
        events.append("closed")


# --8<-- [end:resource]


# --8<-- [start:app]
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import PlainTextResponse, StreamingResponse

app = FastAPI()


async def get_connection() -> AsyncIterator[Connection]:
    async with connect() as connection:  # any async context manager (see below)
        yield connection  # the route, and the response, run here
    # Leaving `async with` runs the connection's own cleanup.


Db = Annotated[Connection, Depends(get_connection)]
# scope="function": cleaned up when the route returns, before the response is sent.
ShortDb = Annotated[Connection, Depends(get_connection, scope="function")]


@app.get("/rows", response_class=PlainTextResponse)  # what /docs says it sends
async def stream_rows(db: Db, background: BackgroundTasks):
    background.add_task(events.append, "background task")

    async def rows():
        for n in range(2):
            yield await db.fetch(n) + "\n"  # after the route returned: still open

    events.append("route returned")
    return StreamingResponse(rows(), media_type="text/plain")


@app.get("/first")
async def first_row(db: ShortDb, background: BackgroundTasks):
    background.add_task(events.append, "background task")
    row = await db.fetch(0)
    events.append("route returned")
    return {"first": row}


# --8<-- [end:app]


# --8<-- [start:naive]
# What goes wrong, on an app that fastapi dev does not serve.
naive_app = FastAPI()


@naive_app.get("/as-is")
async def context_manager_as_is(db: Annotated[Connection, Depends(connect)]):
    """Never runs: connect is a context manager, which FastAPI does not enter."""


@naive_app.get("/early")
async def stream_after_cleanup(db: ShortDb):
    async def rows():
        yield await db.fetch(0)  # closed before the first byte: the stream breaks

    return StreamingResponse(rows(), media_type="text/plain")


async def commit_after_yield() -> AsyncIterator[list]:
    changes: list[str] = []
    yield changes
    # The commit, after the yield: here the database has gone away meanwhile.
    raise ConnectionError(f"could not commit {changes}")


@naive_app.post("/orders")
async def create_order(changes: Annotated[list, Depends(commit_after_yield)]):
    changes.append("order 1")
    return {"created": True}  # sent before the commit is tried


@naive_app.post("/orders-checked")
async def create_order_checked(
    changes: Annotated[list, Depends(commit_after_yield, scope="function")],
):
    changes.append("order 1")
    return {"created": True}  # never sent: the failed commit becomes the answer


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    client.get("/rows")  # default scope: closed after the body and the background task
    print(*events, sep=" → ")
    #> opened → route returned → row 0 → row 1 → background task → closed
    events.clear()
    client.get("/first")  # scope="function": closed as soon as the route returned
    print(*events, sep=" → ")
    #> opened → row 0 → route returned → closed → background task
    # --8<-- [end:demo]

    # --8<-- [start:more]
    naive = TestClient(naive_app, raise_server_exceptions=False)
    # A context manager given to Depends as it is: every request fails.
    print(naive.get("/as-is").status_code)
    #> 500
    # scope="function" and a stream: the connection is gone before the first row.
    try:
        TestClient(naive_app).get("/early")
    except RuntimeError as error:
        print(error)
        #> the connection is closed
    # A commit after the yield fails once the client already has its 200...
    response = naive.post("/orders")
    print(response.status_code, response.json())
    #> 200 {'created': True}
    # ...unless the dependency ends with the route: the client learns of it.
    print(naive.post("/orders-checked").status_code)
    #> 500
# --8<-- [end:more]
