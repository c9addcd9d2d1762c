# --8<-- [start:database]
import atexit
import os
import shutil
import tempfile
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import String
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FOLDER = tempfile.mkdtemp(prefix="ex54-")
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{FOLDER}/notes.db")


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=200)


# --8<-- [end:database]


# --8<-- [start:app]
@asynccontextmanager
async def lifespan(app: FastAPI):
    engine = create_async_engine(DATABASE_URL)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    # What the lifespan yields, the server hands to every request as request.state.
    yield {"sessions": async_sessionmaker(engine, expire_on_commit=False)}
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/notes", status_code=201, responses={400: {"description": "Not UTF-8"}})
async def add_note(note: NoteIn, request: Request) -> dict:
    async with request.state.sessions() as session:
        row = Note(text=note.text)
        session.add(row)
        await session.commit()
    return {"id": row.id, "text": row.text}


# --8<-- [end:app]


# --8<-- [start:json_safe_errors]
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
    import asyncio

    from httpx2 import ASGITransport, AsyncClient

    async def main():
        transport = ASGITransport(app=app)  # calls the app, and does nothing else
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            try:
                await client.post("/notes", json={"text": "lost"})
            except AttributeError as error:  # the lifespan never ran: no state
                print(error)
                #> 'State' object has no attribute 'sessions'

    asyncio.run(main())
# --8<-- [end:demo]
