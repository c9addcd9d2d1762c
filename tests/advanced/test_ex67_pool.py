"""What Example 67 claims about its pool, run on a real PostgreSQL server: more concurrent
requests than connections get a fast 503 rather than a hang, a connection the server drops
is replaced, and the pools of every worker must fit in the server's max_connections."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import load_snippet, snippet_for
from transcripts import serve

SNIPPET = snippet_for(Path(__file__))


def plain(url: str) -> str:
    """SQLAlchemy's URL as asyncpg's own connect() wants it."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture
def on_postgres(postgres_url, monkeypatch):
    """The example on PostgreSQL, with a small pool: 2 kept, 1 more under load."""

    def load(**variables: str):
        monkeypatch.setenv("DATABASE_URL", postgres_url)
        monkeypatch.setenv("DB_POOL_SIZE", "2")
        monkeypatch.setenv("DB_MAX_OVERFLOW", "1")
        monkeypatch.setenv("DB_POOL_TIMEOUT", "0.5")
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return load_snippet(SNIPPET)

    async def fresh_table():
        connection = await asyncpg.connect(plain(postgres_url))
        await connection.execute("DROP TABLE IF EXISTS orders")
        await connection.close()

    asyncio.run(fresh_table())
    return load


def test_more_requests_than_connections_get_a_fast_503_not_a_hang(
    on_postgres, postgres_url
):
    """The barrier: this test locks the table, as a migration would, so every request that
    has a connection blocks on its query and holds that connection. Capacity is 2 + 1; of
    six requests, three hold the connections and three find none. Those three answer 503
    while the lock is still held, so they cannot have waited for it; once it is released,
    the other three answer 200."""
    example = on_postgres()
    capacity = example.POOL_SIZE + example.MAX_OVERFLOW

    async def run(base_url: str):
        locker = await asyncpg.connect(plain(postgres_url))
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        async with httpx2.AsyncClient(base_url=base_url, timeout=30) as client:
            requests = [
                asyncio.ensure_future(client.get("/orders/count")) for _ in range(6)
            ]
            while_locked = []
            pending = set(requests)
            while len(while_locked) < len(requests) - capacity:
                done, pending = await asyncio.wait(
                    pending, return_when=asyncio.FIRST_COMPLETED
                )
                while_locked += [task.result() for task in done]
            in_use = (await client.get("/pool")).json()["in_use"]
            await transaction.rollback()  # the barrier lifts
            after = await asyncio.gather(*pending)
        await locker.close()
        return while_locked, in_use, list(after)

    with serve(example.app) as base_url:
        while_locked, in_use, after = asyncio.run(run(base_url))
    assert [r.status_code for r in while_locked] == [503, 503, 503]
    assert all(r.headers["retry-after"] == "1" for r in while_locked)
    assert in_use == capacity  # /pool needs no connection, so it still answers
    assert [r.status_code for r in after] == [200, 200, 200]


def test_server_limits_fit_the_arithmetic_on_the_page(postgres_url):
    """The page: 100 connections by default, 3 kept for superusers, so 97 for the app;
    4 workers x (5 + 5) = 40 fit, the outline's 9 x (10 + 20) = 270 do not."""

    async def show():
        connection = await asyncpg.connect(plain(postgres_url))
        limits = [
            int(await connection.fetchval(f"SHOW {name}"))
            for name in ("max_connections", "superuser_reserved_connections")
        ]
        await connection.close()
        return limits

    max_connections, reserved = asyncio.run(show())
    assert (max_connections, reserved) == (100, 3)
    available = max_connections - reserved
    assert available == 97
    assert 4 * (5 + 5) == 40 <= available
    assert 9 * (10 + 20) == 270 > available


def test_pre_ping_replaces_connections_the_server_dropped(on_postgres, postgres_url):
    """A connection that sat in the pool while the server ended it (a restart, a
    firewall's idle cut-off) is noticed on checkout and replaced: still a 200."""
    example = on_postgres()

    async def terminate_others():
        connection = await asyncpg.connect(plain(postgres_url))
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND datname = current_database()"
        )
        await connection.close()

    with TestClient(example.app) as client:
        assert client.get("/orders/count").status_code == 200
        asyncio.run(terminate_others())
        assert client.get("/orders/count").json() == {"orders": 0}


def test_without_pre_ping_a_dropped_connection_fails_the_request(postgres_url):
    async def scenario():
        engine = create_async_engine(postgres_url, pool_size=1, pool_pre_ping=False)
        async with engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        killer = await asyncpg.connect(plain(postgres_url))
        await killer.execute("SELECT pg_terminate_backend($1)", pid)
        await killer.close()
        try:
            async with engine.connect() as connection:
                await connection.scalar(text("SELECT 1"))
        except exc.DBAPIError as error:
            return error.connection_invalidated
        finally:
            await engine.dispose()
        return None

    assert asyncio.run(scenario()) is True  # the request's query failed


def test_pool_recycle_replaces_old_connections(postgres_url):
    async def backend_pids():
        engine = create_async_engine(postgres_url, pool_size=1, pool_recycle=0.2)
        pids = []
        for pause in (0, 0, 0.3):
            await asyncio.sleep(pause)  # the third checkout finds a connection too old
            async with engine.connect() as connection:
                pids.append(await connection.scalar(text("SELECT pg_backend_pid()")))
        await engine.dispose()
        return pids

    first, second, third = asyncio.run(backend_pids())
    assert first == second != third


def test_on_sqlite_the_pool_is_a_queue_of_file_connections(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    example = load_snippet(SNIPPET)
    assert type(example.engine.pool).__name__ == "AsyncAdaptedQueuePool"
    assert example.engine.pool.size() == 5
    # An in-memory database lives in one connection: SQLAlchemy uses a StaticPool, and
    # refuses pool sizes there.
    with pytest.raises(TypeError, match="pool_size"):
        create_async_engine("sqlite+aiosqlite:///:memory:", pool_size=5)


# --- What the outline's version does ---


def test_an_unhandled_pool_timeout_is_a_500_and_the_outlines_status_route_fails(
    tmp_path,
):
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'outline.db'}",
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.2,
    )
    app = FastAPI()  # no handler for sqlalchemy.exc.TimeoutError

    @app.get("/count")
    async def count():
        async with engine.connect() as connection:
            return {"one": await connection.scalar(text("SELECT 1"))}

    @app.get("/pool-status")
    async def pool_status():
        pool = engine.pool
        return {"size": pool.size(), "invalid": pool.invalid()}

    with TestClient(app, raise_server_exceptions=False) as client:
        held = client.portal.call(engine.connect().start)
        response = client.get("/count")
        assert response.status_code == 500  # not a 503, and no Retry-After
        client.portal.call(held.close)
        assert client.get("/pool-status").status_code == 500  # no Pool.invalid()
        client.portal.call(engine.dispose)
    assert not hasattr(engine.pool, "invalid")
