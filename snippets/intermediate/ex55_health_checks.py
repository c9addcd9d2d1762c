# --8<-- [start:database]
import atexit
import os
import shutil
import tempfile
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FOLDER = tempfile.mkdtemp(prefix="ex55-")
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
engine = create_async_engine(
    os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{FOLDER}/shop.db")
)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


# --8<-- [end:database]


# --8<-- [start:app]
import asyncio
import logging

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)
READY_TIMEOUT = 1.0  # seconds: a hung database must not hang the probe
app = FastAPI(lifespan=lifespan)


@app.get("/health/live")
async def live() -> dict:
    # Liveness: the process can answer. No database: a restart would not mend it.
    return {"status": "alive"}


@app.get("/health/ready", responses={503: {"description": "Database unavailable"}})
async def ready(response: Response) -> dict:
    # Readiness: can it serve? Read a table it needs ("SELECT 1" reads none).
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            async with engine.connect() as connection:
                await connection.execute(select(Item.id).limit(1))
    except (SQLAlchemyError, OSError) as error:  # OSError: refused, or timed out
        logger.warning("not ready: %s", error)  # the details go to the log only
        response.status_code = 503
        return {"status": "unavailable"}
    return {"status": "ready"}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from pathlib import Path

    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        print(client.get("/health/live").json())
        #> {'status': 'alive'}
        print(client.get("/health/ready").json())
        #> {'status': 'ready'}
        database = Path(FOLDER, "shop.db")
        header = database.read_bytes()[:100]
        with database.open("r+b") as file:
            file.write(b"\0" * 100)
        response = client.get("/health/ready")
        print(response.status_code, response.json())
        #> 503 {'status': 'unavailable'}
        # --8<-- [end:demo]

        # --8<-- [start:more]
        # Meanwhile the process is fine: liveness does not touch the database.
        print(client.get("/health/live").json())
        #> {'status': 'alive'}
        with database.open("r+b") as file:  # repaired: ready again, no restart
            file.write(header)
        print(client.get("/health/ready").json())
        #> {'status': 'ready'}
# --8<-- [end:more]
