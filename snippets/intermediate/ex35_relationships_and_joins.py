# --8<-- [start:database]
import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

FOLDER = tempfile.mkdtemp(prefix="ex35-")
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
engine = create_async_engine(
    os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{FOLDER}/library.db")
)
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


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
# --8<-- [end:database]


# --8<-- [start:app]
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    books: Mapped[list["Book"]] = relationship(back_populates="author")  # one-to-many


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")  # many-to-one


class BookOut(BaseModel):
    id: int
    title: str


class AuthorOut(BaseModel):
    id: int
    name: str
    books: list[BookOut]


app = FastAPI(lifespan=lifespan)


@app.get("/authors")
async def list_authors(session: SessionDep) -> list[AuthorOut]:
    # selectinload: one more query loads the books of all the authors listed (SELECT
    # ... FROM books WHERE author_id IN (...), in batches of 500 authors).
    query = select(Author).options(selectinload(Author.books)).order_by(Author.id)
    return list(await session.scalars(query))


@app.get("/books")
async def list_books(session: SessionDep) -> list[dict]:
    # joinedload: each book's author comes in the same query, through a JOIN.
    query = select(Book).options(joinedload(Book.author)).order_by(Book.id)
    books = await session.scalars(query)
    return [{"id": b.id, "title": b.title, "author": b.author.name} for b in books]


# --8<-- [end:app]


# --8<-- [start:write]
from pydantic import Field


class AuthorIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    books: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default=[], max_length=20
    )


@app.post("/authors", status_code=201, responses={400: {"description": "Not UTF-8"}})
async def add_author(data: AuthorIn, session: SessionDep) -> AuthorOut:
    author = Author(name=data.name, books=[Book(title=title) for title in data.books])
    session.add(author)  # its books go in with it: the relationship cascades the add
    await session.commit()
    return author


# --8<-- [end:write]


# --8<-- [start:naive]
# Kept off `app`: the two ways to load the books that the fix above replaces.
naive_app = FastAPI(lifespan=lifespan)


@naive_app.get("/authors/lazy")
async def authors_lazy(session: SessionDep) -> list[AuthorOut]:
    # Nothing loads the books: reading author.books for the response needs a query that
    # async code cannot run implicitly (MissingGreenlet). A 500, at the first request.
    return list(await session.scalars(select(Author).order_by(Author.id)))


@naive_app.get("/authors/loop")
async def authors_loop(session: SessionDep) -> list[AuthorOut]:
    authors = await session.scalars(select(Author).order_by(Author.id))
    answer = []
    for author in authors:  # one query per author: 1 + N in all
        books = await session.scalars(select(Book).where(Book.author_id == author.id))
        answer.append({"id": author.id, "name": author.name, "books": list(books)})
    return answer


# --8<-- [end:naive]


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
    from sqlalchemy import event

    # Count every statement the engine sends, with an event listener.
    sent = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: sent.append(1))

    def statements_for(client: TestClient, path: str) -> int:
        sent.clear()
        client.get(path).raise_for_status()
        return len(sent)

    with TestClient(app) as client:
        client.post(
            "/authors", json={"name": "Le Guin", "books": ["Earthsea", "Tehanu"]}
        )
        client.post("/authors", json={"name": "Lem", "books": ["Solaris"]})
        client.post("/authors", json={"name": "Calvino", "books": ["Invisible Cities"]})
        print(client.get("/authors").json()[1])
        #> {'id': 2, 'name': 'Lem', 'books': [{'id': 3, 'title': 'Solaris'}]}
        print(client.get("/books").json()[0])
        #> {'id': 1, 'title': 'Earthsea', 'author': 'Le Guin'}
        print("selectinload:", statements_for(client, "/authors"))
        #> selectinload: 2
        print("joinedload:", statements_for(client, "/books"))
        #> joinedload: 1

    with TestClient(naive_app) as client:  # the same three authors
        print("a query per author:", statements_for(client, "/authors/loop"))
        #> a query per author: 4
# --8<-- [end:demo]
