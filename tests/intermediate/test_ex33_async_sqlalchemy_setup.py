"""What Example 33 claims beyond its prints, on SQLite and on PostgreSQL."""

import asyncio
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from database_urls import BACKENDS, empty_database, run
from sqlalchemy import MetaData, String, event, func, inspect, select
from sqlalchemy.exc import MissingGreenlet, StatementError, TimeoutError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from conftest import load_snippet, snippet_for


@pytest.fixture(params=BACKENDS)
def example(request, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database(request, tmp_path))
    return load_snippet(snippet_for(Path(__file__)))


async def create_tables(example):
    async with example.engine.begin() as connection:
        await connection.run_sync(example.Base.metadata.create_all)


async def count_items(example) -> int:
    async with example.Sessions() as session:
        return await session.scalar(select(func.count()).select_from(example.Item))


def test_the_lifespan_creates_the_table_and_each_request_uses_it(client, example):
    created = client.post("/items", json={"name": "Pen", "note": "blue"})
    assert created.status_code == 201
    assert created.json() == {"id": 1, "name": "Pen", "note": "blue"}
    assert client.get("/items").json() == [{"id": 1, "name": "Pen", "note": "blue"}]
    assert client.portal.call(count_items, example) == 1


def test_the_url_alone_picks_the_database_and_its_driver(example):
    wanted = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
    assert example.engine.dialect.driver == wanted[example.engine.dialect.name]


def test_the_table_starts_empty_and_the_api_validates_input(client):
    assert client.get("/items").json() == []
    assert client.post("/items", json={"name": "x" * 101}).status_code == 422
    assert client.post("/items", json={"note": "no name"}).status_code == 422


def test_without_database_url_each_start_gets_a_new_sqlite_file_outside_the_cwd(
    monkeypatch,
):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = load_snippet(snippet_for(Path(__file__)))
    second = load_snippet(snippet_for(Path(__file__)))
    for module in (first, second):
        assert module.engine.dialect.name == "sqlite"
        assert module.engine.url.database.startswith(tempfile.gettempdir())
    assert first.engine.url.database != second.engine.url.database


def test_the_temporary_folder_is_removed_when_the_process_ends(tmp_path):
    snippet = snippet_for(Path(__file__))
    script = (
        f"import runpy, sys; m = runpy.run_path({str(snippet)!r}); print(m['FOLDER'])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=environment,
    )
    folder = Path(result.stdout.strip())
    assert folder.name.startswith("ex33-")
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []  # and nothing was written where it ran


def test_closing_the_session_rolls_back_what_was_not_committed(example):
    """The outline's get_db adds `except: rollback` and `finally: close` around the
    `async with`: the `async with` alone already closes, and closing rolls back."""

    async def add_without_commit():
        await create_tables(example)
        sessions = example.get_session()
        session = await anext(sessions)
        session.add(example.Item(name="never committed"))
        await session.flush()  # the INSERT has run, inside the open transaction
        await sessions.aclose()  # what FastAPI does after the response
        return await count_items(example)

    assert run(example.engine, add_without_commit()) == 0


# On SQLite the failed load also leaves an aiosqlite coroutine never awaited, which Python
# reports when it is collected: expected here, in the broken variant this test pins.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_with_expire_on_commit_left_on_reading_after_commit_fails(example):
    """expire_on_commit=True (SQLAlchemy's default) marks every attribute stale at commit;
    reading one then needs a query, which async code cannot run implicitly. PostgreSQL
    raises MissingGreenlet; SQLite wraps it in a StatementError."""

    async def read_after_commit():
        await create_tables(example)
        async with async_sessionmaker(example.engine)() as session:
            item = example.Item(name="Pen")
            session.add(item)
            await session.commit()
            return item.name

    with pytest.raises((MissingGreenlet, StatementError)) as failure:
        run(example.engine, read_after_commit())
    error = failure.value
    if example.engine.dialect.name == "sqlite":
        assert type(error) is StatementError
        assert isinstance(error.orig, MissingGreenlet)
    else:
        assert type(error) is MissingGreenlet
    del error, failure
    gc.collect()  # report the never-awaited coroutine now, inside this test


def test_with_expire_on_commit_off_the_values_stay_readable_with_no_query(example):
    statements = []

    async def read_after_commit():
        await create_tables(example)
        async with example.Sessions() as session:
            item = example.Item(name="Pen")
            session.add(item)
            await session.commit()
            engine = example.engine.sync_engine
            listen = (engine, "before_cursor_execute", lambda *a: statements.append(1))
            event.listen(*listen)
            try:
                return item.id, item.name
            finally:
                event.remove(*listen)

    assert run(example.engine, read_after_commit()) == (1, "Pen")
    assert statements == []


def test_index_true_on_a_primary_key_adds_a_second_index(example):
    """The outline writes mapped_column(Integer, primary_key=True, index=True) and calls it
    the primary key's index. A primary key is indexed already; index=True adds another."""

    class Base(DeclarativeBase):
        metadata = MetaData()

    class OutlineItem(Base):
        __tablename__ = "outline_items"
        id: Mapped[int] = mapped_column(primary_key=True, index=True)
        name: Mapped[str] = mapped_column(String(100))

    async def indexes():
        async with example.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.run_sync(example.Base.metadata.create_all)
            return await connection.run_sync(
                lambda sync: {
                    table: [index["name"] for index in inspect(sync).get_indexes(table)]
                    for table in ("outline_items", "items")
                }
            )

    assert run(example.engine, indexes()) == {
        "outline_items": ["ix_outline_items_id"],
        "items": [],
    }


def test_the_pool_caps_connections_and_makes_the_next_one_wait(example):
    """The outline promises thousands of concurrent requests. Each request holding a
    session holds a pooled connection: 5, plus 10 overflow, by default. The next one
    waits (pool_timeout, 30 s by default), then fails."""
    assert example.engine.pool.size() == 5
    assert example.engine.pool._max_overflow == 10
    assert example.engine.pool._timeout == 30

    async def one_too_many():
        small = create_async_engine(
            example.engine.url, pool_size=1, max_overflow=0, pool_timeout=0.1
        )
        try:
            async with small.connect(), small.connect():
                pass
        finally:
            await small.dispose()

    with pytest.raises(TimeoutError):
        run(example.engine, one_too_many())


def test_a_json_body_with_nan_is_a_422(client):
    response = client.post(
        "/items", content=b'{"name": NaN}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


def test_concurrent_requests_each_get_their_own_session(client, example):
    """Ten requests at once, each in its own session: every item is stored once."""

    async def post_many():
        from httpx2 import ASGITransport, AsyncClient

        async with AsyncClient(
            transport=ASGITransport(app=example.app), base_url="http://test"
        ) as http:
            return await asyncio.gather(
                *(http.post("/items", json={"name": f"item {n}"}) for n in range(10))
            )

    responses = client.portal.call(post_many)
    assert sorted(r.status_code for r in responses) == [201] * 10
    names = sorted(item["name"] for item in client.get("/items").json())
    assert names == sorted(f"item {n}" for n in range(10))
