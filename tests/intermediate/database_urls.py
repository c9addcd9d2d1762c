"""The databases a database example's tests run it on: SQLite, as `fastapi dev` serves it,
and the real PostgreSQL server of the test session (conftest.postgres_url).

A test file makes its `example` fixture parametrized over BACKENDS, each test loading the
snippet afresh with DATABASE_URL pointing at an empty database:

    @pytest.fixture(params=BACKENDS)
    def example(request, tmp_path, monkeypatch):
        monkeypatch.setenv("DATABASE_URL", empty_database(request, tmp_path))
        return load_snippet(snippet_for(Path(__file__)))
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

BACKENDS = ["sqlite", "postgresql"]


def empty_database(request, tmp_path) -> str:
    """A URL for an empty database: a new SQLite file in the test's own folder, or the
    session's PostgreSQL database with every table of the previous test dropped."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/test.db"
    url = request.getfixturevalue("postgres_url")
    asyncio.run(drop_everything(url))
    return url


async def drop_everything(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def run(engine, coroutine):
    """Run a test's own database work, outside any request, in a new event loop; then
    close the engine's pooled connections, which belong to that loop (asyncpg's cannot be
    used from another). Inside a TestClient's `with`, use `client.portal.call` instead."""

    async def then_dispose():
        try:
            return await coroutine
        finally:
            await engine.dispose()

    return asyncio.run(then_dispose())
