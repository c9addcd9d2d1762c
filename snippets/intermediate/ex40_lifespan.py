# --8<-- [start:app]
import logging
from contextlib import asynccontextmanager
from typing import Annotated

import aiosqlite
from fastapi import Depends, FastAPI, Request

logger = logging.getLogger("visits")


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Startup: the server takes no request until this part has run.
    async with aiosqlite.connect(":memory:") as db:  # closed however the app stops
        await db.execute("CREATE TABLE visits (path TEXT)")
        logger.info("database opened")
        yield {"db": db}  # the app runs here; each request finds db in request.state
        logger.info("closing the database")  # shutdown: after the last request


def get_db(request: Request) -> aiosqlite.Connection:
    return request.state.db


Database = Annotated[aiosqlite.Connection, Depends(get_db)]
app = FastAPI(lifespan=lifespan)


@app.post("/visits", status_code=201)
async def record_visit(db: Database) -> dict[str, int]:
    await db.execute("INSERT INTO visits VALUES ('/')")
    await db.commit()
    async with db.execute("SELECT count(*) FROM visits") as cursor:
        (count,) = await cursor.fetchone()
    return {"visits": count}


# --8<-- [end:app]


# --8<-- [start:naive]
# The outline's shape, on an app of its own: two resources opened one after the other,
# with nothing to close the first when the second fails.
class Resource:
    def __init__(self, name: str, fails: bool = False) -> None:
        self.name, self.fails, self.open = name, fails, False

    async def connect(self) -> None:
        if self.fails:
            raise ConnectionError(f"{self.name} is unreachable")
        self.open = True

    async def close(self) -> None:
        self.open = False


model = Resource("model")
pool = Resource("database pool", fails=True)


@asynccontextmanager
async def naive_lifespan(app: FastAPI):
    await model.connect()
    await pool.connect()  # fails: the line after `yield` never runs
    yield
    await pool.close()
    await model.close()


naive_app = FastAPI(lifespan=naive_lifespan)


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    for run in (1, 2):
        with TestClient(app) as client:  # startup: the database opens...
            print(run, client.post("/visits").json(), client.post("/visits").json())
            #> 1 {'visits': 1} {'visits': 2}
            #> 2 {'visits': 1} {'visits': 2}
        # ...shutdown: it closes. The next run starts with a new one.
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import warnings

    # The app's log messages and the requests, in the order they happened.
    timeline = []
    logger.addHandler(handler := logging.Handler())
    handler.emit = lambda record: timeline.append(record.getMessage())
    logger.setLevel(logging.INFO)
    with TestClient(app) as client:
        timeline.append(f"request: {client.post('/visits').json()}")
    for line in timeline:
        print(line)
        #> database opened
        #> request: {'visits': 1}
        #> closing the database

    # on_event still works in the pinned FastAPI, with a DeprecationWarning...
    ran = []
    old_style, mixed = FastAPI(), FastAPI(lifespan=lifespan)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for each in (old_style, mixed):
            each.on_event("startup")(lambda: ran.append("on_event handler"))
    print(caught[0].category.__name__ + ":", " ".join(str(caught[0].message).split()))
    '''
    DeprecationWarning:
    on_event is deprecated, use lifespan event handlers instead. Read more about it in the [FastAPI docs for Lifespan Events](https://fastapi.tiangolo.com/advanced/events/).
    '''
    with TestClient(old_style):
        print(ran)
        #> ['on_event handler']
    # ...and is silently ignored by an app that has a lifespan.
    ran.clear()
    with TestClient(mixed):
        print(ran)
        #> []

    def start_and_stop(asgi_app):
        with TestClient(asgi_app):
            return "started and stopped"

    print(start_and_stop(app))
    #> started and stopped
    # A failed startup skips everything after `yield`: the model stays open.
    try:
        start_and_stop(naive_app)
    except ConnectionError as error:
        print("startup failed:", error, "| model still open:", model.open)
        #> startup failed: database pool is unreachable | model still open: True
# --8<-- [end:more]
