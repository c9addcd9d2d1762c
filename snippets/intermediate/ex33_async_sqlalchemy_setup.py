# --8<-- [start:app]
import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite in a new temporary folder (removed at a normal exit): nothing where you work.
# DATABASE_URL=postgresql+asyncpg://user:password@host/name runs the same code there.
FOLDER = tempfile.mkdtemp(prefix="ex33-")
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
engine = create_async_engine(
    os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{FOLDER}/shop.db")
)
# expire_on_commit=False: attributes stay readable after a commit, with no new query.
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # Mapped[str]: NOT NULL
    note: Mapped[str | None]  # "| None": the column accepts NULL


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:  # creates missing tables, alters none
        await connection.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()  # closes the pooled connections


async def get_session() -> AsyncIterator[AsyncSession]:
    async with Sessions() as session:  # one per request, closed after it
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI(lifespan=lifespan)


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=200)


# 400: FastAPI's answer to a body it cannot decode; declared so that /docs lists it.
@app.post("/items", status_code=201, responses={400: {"description": "Not UTF-8"}})
async def add_item(new: NewItem, session: SessionDep) -> dict:
    item = Item(name=new.name, note=new.note)
    session.add(item)
    await session.commit()  # the INSERT runs here; item.id is set from it
    return {"id": item.id, "name": item.name, "note": item.note}


@app.get("/items")
async def list_items(session: SessionDep) -> list[dict]:
    items = await session.scalars(select(Item).order_by(Item.id))
    return [{"id": item.id, "name": item.name, "note": item.note} for item in items]


# --8<-- [end:app]


# --8<-- [start:json_safe_errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or bytes, which JSON cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:json_safe_errors]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    # Column by column, may it hold NULL? Only the one typed "str | None".
    print({column.name: column.nullable for column in Item.__table__.columns})
    #> {'id': False, 'name': False, 'note': True}

    with TestClient(app) as client:  # `with` runs the lifespan: the table exists now
        print(client.post("/items", json={"name": "Pen"}).json())
        #> {'id': 1, 'name': 'Pen', 'note': None}
        print(client.post("/items", json={"name": "Ink", "note": "blue"}).json())
        #> {'id': 2, 'name': 'Ink', 'note': 'blue'}
        print([item["name"] for item in client.get("/items").json()])
        #> ['Pen', 'Ink']
# --8<-- [end:demo]
