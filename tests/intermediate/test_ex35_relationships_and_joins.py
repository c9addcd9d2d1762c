"""What Example 35 claims beyond its prints, on SQLite and on PostgreSQL."""

import gc
from pathlib import Path

import pytest
from database_urls import BACKENDS, empty_database, run
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient
from httpx2 import ASGITransport, AsyncClient
from sqlalchemy import event, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import raiseload

from conftest import load_snippet, snippet_for


@pytest.fixture(params=BACKENDS)
def example(request, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database(request, tmp_path))
    return load_snippet(snippet_for(Path(__file__)))


@pytest.fixture
def statements(example):
    """Every SQL statement the example's engine sends while the test runs."""
    sent = []
    engine = example.engine.sync_engine
    listener = (engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    event.listen(*listener)
    yield sent
    event.remove(*listener)


def add_authors(client, count: int, books_each: int = 2) -> None:
    """Authors with books, written straight to the database (faster than the API)."""

    async def add(example):
        async with example.Sessions() as session:
            session.add_all(
                example.Author(
                    name=f"author {a}",
                    books=[
                        example.Book(title=f"book {a}.{b}") for b in range(books_each)
                    ],
                )
                for a in range(count)
            )
            await session.commit()

    client.portal.call(add, client.app_module)


@pytest.fixture
def app_client(example):
    with TestClient(example.app) as client:
        client.app_module = example
        yield client


@pytest.fixture
def naive_client(example):
    with TestClient(example.naive_app, raise_server_exceptions=False) as client:
        client.app_module = example
        yield client


def statements_for(client, statements, path: str) -> list[str]:
    statements.clear()
    response = client.get(path)
    assert response.status_code == 200, response.text
    return list(statements)


def test_an_author_is_created_with_its_books(app_client):
    response = app_client.post("/authors", json={"name": "Lem", "books": ["Solaris"]})
    assert response.status_code == 201
    assert response.json() == {
        "id": 1,
        "name": "Lem",
        "books": [{"id": 1, "title": "Solaris"}],
    }
    assert app_client.get("/books").json() == [
        {"id": 1, "title": "Solaris", "author": "Lem"}
    ]
    assert app_client.post("/authors", json={"name": "Nobody"}).json()["books"] == []


@pytest.mark.parametrize("count", [1, 3, 30])
def test_selectinload_takes_two_statements_whatever_the_number_of_authors(
    app_client, statements, count
):
    add_authors(app_client, count)
    sent = statements_for(app_client, statements, "/authors")
    assert len(sent) == 2
    assert "WHERE books.author_id IN" in sent[1]
    assert len(app_client.get("/authors").json()) == count


def test_selectinload_sends_one_more_statement_per_500_authors(app_client, statements):
    add_authors(app_client, 501, books_each=1)
    assert len(statements_for(app_client, statements, "/authors")) == 3


@pytest.mark.parametrize("count", [1, 3, 30])
def test_joinedload_takes_one_statement_with_a_join(app_client, statements, count):
    add_authors(app_client, count)
    sent = statements_for(app_client, statements, "/books")
    assert len(sent) == 1
    assert "JOIN authors" in sent[0]
    assert len(app_client.get("/books").json()) == count * 2


@pytest.mark.parametrize("count", [1, 3, 30])
def test_a_query_per_author_takes_one_plus_n_statements(
    naive_client, statements, count
):
    add_authors(naive_client, count)
    assert len(statements_for(naive_client, statements, "/authors/loop")) == 1 + count


def test_the_naive_loop_answers_the_same_as_the_fix(example):
    with TestClient(example.naive_app) as client:
        add_authors(client_with(client, example), 3)
        naive = client.get("/authors/loop").json()
    # One client at a time: each runs its own event loop, and an asyncpg connection
    # pooled in one loop cannot be used from another.
    with TestClient(example.app) as client:
        assert client.get("/authors").json() == naive


# On SQLite the failed load also leaves an aiosqlite coroutine never awaited, which Python
# reports when it is collected: expected here, in the broken route this test pins.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_lazy_loading_fails_on_the_first_request_not_only_under_load(example):
    """The outline: "a 200 response in development that becomes a 500 crash under
    production load". It is a 500 at once: one request, one author, one book.

    The request runs in this thread's own event loop (not a TestClient's thread): the
    failed load leaves a greenlet behind, and collecting one whose thread has ended can
    crash the interpreter on Python 3.11."""

    async def first_request():
        async with example.engine.begin() as connection:
            await connection.run_sync(example.Base.metadata.create_all)
        async with example.Sessions() as session:
            session.add(
                example.Author(name="Lem", books=[example.Book(title="Solaris")])
            )
            await session.commit()
        transport = ASGITransport(app=example.naive_app)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            with pytest.raises(ResponseValidationError) as failure:
                await http.get("/authors/lazy")
        transport = ASGITransport(app=example.naive_app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            status = (await http.get("/authors/lazy")).status_code
        return failure.value.errors(), status

    [error], status = run(example.engine, first_request())
    assert status == 500
    assert error["type"] == "get_attribute_error"
    assert error["loc"] == ("response", 0, "books")
    if example.engine.dialect.name == "sqlite":  # wrapped in a StatementError there
        assert error["msg"].startswith("Error extracting attribute: StatementError: ")
    else:
        assert error["msg"].startswith("Error extracting attribute: MissingGreenlet: ")
    assert "MissingGreenlet" in error["msg"]
    gc.collect()  # report the never-awaited coroutine now, inside this test


def client_with(client, example):
    client.app_module = example
    return client


def test_expire_on_commit_false_does_not_load_a_relationship(example):
    """The outline says expire_on_commit=False "prevents lazy-load errors". An author read
    in a new session has its books unloaded all the same."""

    async def read_books_later(example):
        async with example.Sessions() as session:
            author = await session.scalar(select(example.Author))
        return "books" in author.__dict__

    with TestClient(example.app) as client:
        add_authors(client_with(client, example), 1)
        assert client.portal.call(read_books_later, example) is False


def test_lazy_loading_is_not_incompatible_with_async_when_asked_for(example):
    """The outline: lazy loading "is incompatible with async sessions". Implicit loading
    is; an explicit `await session.refresh(author, ["books"])` loads them (one query per
    author, so it is the N+1 again in a loop)."""

    async def load_explicitly(example):
        async with example.Sessions() as session:
            author = await session.scalar(select(example.Author))
            await session.refresh(author, ["books"])
            return [book.title for book in author.books]

    with TestClient(example.app) as client:
        add_authors(client_with(client, example), 1)
        assert client.portal.call(load_explicitly, example) == ["book 0.0", "book 0.1"]


def test_raiseload_turns_a_forgotten_eager_load_into_an_immediate_error(
    example, statements
):
    """Hardening: raiseload("*") (or relationship(lazy="raise")) refuses any load that
    was not asked for, with a clear message and no query, on both databases alike."""

    async def forget_to_load(example):
        async with example.Sessions() as session:
            query = select(example.Author).options(raiseload("*"))
            author = await session.scalar(query)
            statements.clear()
            try:
                author.books  # noqa: B018 (the attribute access is the test)
            except InvalidRequestError as error:
                return str(error)

    with TestClient(example.app) as client:
        add_authors(client_with(client, example), 1)
        message = client.portal.call(forget_to_load, example)
    assert message == "'Author.books' is not available due to lazy='raise'"
    assert statements == []


def test_books_list_the_author_by_name_in_id_order(app_client):
    app_client.post("/authors", json={"name": "A", "books": ["x", "y"]})
    app_client.post("/authors", json={"name": "B", "books": ["z"]})
    assert [(b["title"], b["author"]) for b in app_client.get("/books").json()] == [
        ("x", "A"),
        ("y", "A"),
        ("z", "B"),
    ]


def test_an_author_with_too_many_books_is_refused(app_client):
    books = [f"book {n}" for n in range(21)]
    response = app_client.post("/authors", json={"name": "Prolific", "books": books})
    assert response.status_code == 422
