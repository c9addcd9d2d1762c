# --8<-- [start:app]
import os
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import create_async_engine

SQLITE = f"sqlite+aiosqlite:///{Path(tempfile.gettempdir()) / 'ex67_pool.db'}"
POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "5"))  # kept open between requests
MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", "5"))  # opened under load only
engine = create_async_engine(
    os.environ.get("DATABASE_URL", SQLITE),
    pool_size=POOL_SIZE,
    max_overflow=MAX_OVERFLOW,
    pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "1")),  # then a 503
    pool_pre_ping=True,  # check each connection before use; replace a dead one
    pool_recycle=1800,  # retire connections after 30 min, before idle cut-offs
)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS orders (id INT)"))
    yield
    await engine.dispose()  # close the pool's connections


app = FastAPI(lifespan=lifespan)


@app.exception_handler(exc.TimeoutError)  # no free connection within pool_timeout
async def pool_exhausted(request: Request, error: exc.TimeoutError):
    busy = {"detail": "Database busy, retry shortly"}
    return JSONResponse(busy, status_code=503, headers={"Retry-After": "1"})


@app.get("/orders/count", responses={503: {"description": "Database busy"}})
async def count_orders():
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM orders"))
    return {"orders": count}


# --8<-- [end:app]


# --8<-- [start:pool_status]
@app.get("/pool")
async def pool_status():  # needs no connection: it answers even when all are busy
    checked_out = engine.pool.checkedout()
    return {"size": POOL_SIZE, "max_overflow": MAX_OVERFLOW, "in_use": checked_out}


# --8<-- [end:pool_status]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    async def take_every_connection():  # as ten slow requests would
        return [await engine.connect() for _ in range(POOL_SIZE + MAX_OVERFLOW)]

    with TestClient(app) as client:
        held = client.portal.call(take_every_connection)
        response = client.get("/orders/count")  # waits pool_timeout (1 s), then:
        print(response.status_code, response.headers["retry-after"], response.json())
        #> 503 1 {'detail': 'Database busy, retry shortly'}
        for connection in held:  # the ten requests finish
            client.portal.call(connection.close)
        print(client.get("/orders/count").json())
        #> {'orders': 0}
    # --8<-- [end:demo]
