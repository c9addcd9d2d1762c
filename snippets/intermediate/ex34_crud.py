# --8<-- [start:database]
import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FOLDER = tempfile.mkdtemp(prefix="ex34-")
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
engine = create_async_engine(
    os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{FOLDER}/shop.db")
)
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        String(100), unique=True
    )  # the database enforces it
    stock: Mapped[int]


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with Sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI(lifespan=lifespan)
# --8<-- [end:database]


# --8<-- [start:app]
from fastapi import HTTPException, Path
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

# Bounded to PostgreSQL's INTEGER: a larger id would fail there as a 500, not a 404.
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND = {404: {"description": "No item has this id"}}
CONFLICT = {409: {"description": "Another item has this name"}}
UNREADABLE = {400: {"description": "The body is not valid UTF-8"}}


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    stock: int = Field(ge=0, le=1_000_000)


class ItemOut(ItemIn):
    id: int


async def get_or_404(session: AsyncSession, item_id: int) -> Item:
    item = await session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


async def commit_or_409(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError:  # the unique name, on SQLite and PostgreSQL alike
        await session.rollback()  # nothing of this request's changes is kept
        raise HTTPException(status_code=409, detail="Name already taken") from None


@app.post("/items", status_code=201, responses=CONFLICT | UNREADABLE)
async def create_item(data: ItemIn, session: SessionDep) -> ItemOut:
    item = Item(**data.model_dump())
    session.add(item)
    await commit_or_409(session)
    return item  # FastAPI reads the ItemOut fields from the object's attributes


@app.get("/items/{item_id}", responses=NOT_FOUND)
async def read_item(item_id: ItemId, session: SessionDep) -> ItemOut:
    return await get_or_404(session, item_id)


@app.put("/items/{item_id}", responses=NOT_FOUND | CONFLICT | UNREADABLE)
async def replace_item(item_id: ItemId, data: ItemIn, session: SessionDep) -> ItemOut:
    item = await get_or_404(session, item_id)
    item.name, item.stock = data.name, data.stock  # tracked: commit writes an UPDATE
    await commit_or_409(session)
    return item


@app.delete("/items/{item_id}", status_code=204, responses=NOT_FOUND)
async def delete_item(item_id: ItemId, session: SessionDep) -> None:
    await session.delete(await get_or_404(session, item_id))
    await session.commit()


# --8<-- [end:app]


# --8<-- [start:list]
from fastapi import Query
from sqlalchemy import select


@app.get("/items")
async def list_items(
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[ItemOut]:
    items = await session.scalars(
        select(Item).order_by(Item.id).offset(offset).limit(limit)
    )
    return list(items)


# --8<-- [end:list]


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

    with TestClient(app) as client:
        print(client.post("/items", json={"name": "Pen", "stock": 10}).json())
        #> {'name': 'Pen', 'stock': 10, 'id': 1}
        print(client.put("/items/1", json={"name": "Pen", "stock": 7}).json())
        #> {'name': 'Pen', 'stock': 7, 'id': 1}
        client.post("/items", json={"name": "Ink", "stock": 3})

        # Renaming the pen to "Ink" breaks the unique name: the whole change is rolled
        # back, the new stock as well.
        response = client.put("/items/1", json={"name": "Ink", "stock": 0})
        print(response.status_code, response.json())
        #> 409 {'detail': 'Name already taken'}
        print(client.get("/items/1").json())
        #> {'name': 'Pen', 'stock': 7, 'id': 1}

        print(client.delete("/items/1").status_code)
        #> 204
        response = client.get("/items/1")
        print(response.status_code, response.json())
        #> 404 {'detail': 'Item not found'}
# --8<-- [end:demo]
