"""What Example 34 claims beyond its prints, on SQLite and on PostgreSQL."""

import asyncio
from pathlib import Path

import pytest
from database_urls import BACKENDS, empty_database
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, PydanticDeprecatedSince20
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from conftest import load_snippet, snippet_for


@pytest.fixture(params=BACKENDS)
def example(request, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database(request, tmp_path))
    return load_snippet(snippet_for(Path(__file__)))


@pytest.fixture
def statements(client, example):
    """Every SQL statement the app sends from here on."""
    sent = []
    engine = example.engine.sync_engine
    listener = (engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    event.listen(*listener)
    yield sent
    event.remove(*listener)


def rows(client, example) -> list[tuple]:
    async def read():
        async with example.Sessions() as session:
            items = await session.scalars(
                select(example.Item).order_by(example.Item.id)
            )
            return [(item.id, item.name, item.stock) for item in items]

    return client.portal.call(read)


def test_create_read_replace_delete(client, example):
    created = client.post("/items", json={"name": "Pen", "stock": 10})
    assert created.status_code == 201
    assert created.json() == {"id": 1, "name": "Pen", "stock": 10}
    assert client.get("/items/1").json() == {"id": 1, "name": "Pen", "stock": 10}
    replaced = client.put("/items/1", json={"name": "Fountain pen", "stock": 4})
    assert replaced.json() == {"id": 1, "name": "Fountain pen", "stock": 4}
    assert rows(client, example) == [(1, "Fountain pen", 4)]
    deleted = client.delete("/items/1")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert rows(client, example) == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_missing_item_is_a_declared_404(client, method):
    body = {"name": "Pen", "stock": 1} if method == "PUT" else None
    response = client.request(method, "/items/7", json=body)
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Item not found"},
    )
    operation = client.app.openapi()["paths"]["/items/{item_id}"][method.lower()]
    assert "404" in operation["responses"]


@pytest.mark.parametrize("item_id", [0, -1, 2**31, 2**63, 10**30])
def test_ids_out_of_range_are_refused_before_any_query(client, statements, item_id):
    """On PostgreSQL, an INTEGER column cannot even be compared with 2**31: the query
    fails and the client gets a 500. SQLite fails at 2**63. The bounds make both a 422."""
    assert client.get(f"/items/{item_id}").status_code == 422
    assert statements == []


def test_the_same_large_id_unbounded_is_a_500_on_postgresql_and_a_404_on_sqlite(
    example,
):
    naive = FastAPI(lifespan=example.lifespan)

    @naive.get("/items/{item_id}")
    async def read(item_id: int, session: example.SessionDep):
        item = await session.get(example.Item, item_id)
        return {"found": item is not None}

    with TestClient(naive, raise_server_exceptions=False) as client:
        at_2_31 = client.get(f"/items/{2**31}").status_code
        at_2_63 = client.get(f"/items/{2**63}").status_code
    if example.engine.dialect.name == "sqlite":
        assert (at_2_31, at_2_63) == (200, 500)  # 2**63: Python's sqlite3 overflows
    else:
        assert (at_2_31, at_2_63) == (500, 500)  # "value out of int32 range"


def test_a_duplicate_name_is_a_409_and_nothing_is_stored(client, example):
    client.post("/items", json={"name": "Pen", "stock": 1})
    response = client.post("/items", json={"name": "Pen", "stock": 2})
    assert response.status_code == 409
    assert response.json() == {"detail": "Name already taken"}
    assert rows(client, example) == [(1, "Pen", 1)]
    assert client.post("/items", json={"name": "Ink", "stock": 2}).status_code == 201


def test_a_conflicting_replace_changes_nothing_at_all(client, example):
    """The PUT sets the name and the stock; the name fails at commit, and the rollback
    takes the stock back too: one request, one transaction."""
    client.post("/items", json={"name": "Pen", "stock": 10})
    client.post("/items", json={"name": "Ink", "stock": 3})
    response = client.put("/items/1", json={"name": "Ink", "stock": 0})
    assert response.status_code == 409
    assert rows(client, example) == [(1, "Pen", 10), (2, "Ink", 3)]


def test_after_a_rollback_the_same_session_can_go_on(client, example):
    async def conflict_then_insert():
        async with example.Sessions() as session:
            session.add(example.Item(name="Pen", stock=1))
            await session.commit()
            session.add(example.Item(name="Pen", stock=2))
            with pytest.raises(IntegrityError) as failure:
                await session.commit()
            await session.rollback()
            session.add(example.Item(name="Ink", stock=3))
            await session.commit()
            return type(failure.value.orig).__name__, failure.value.orig

    name, original = client.portal.call(conflict_then_insert)
    if example.engine.dialect.name == "sqlite":
        assert name == "IntegrityError"
        assert type(original).__module__ == "sqlite3"
    else:
        # SQLAlchemy's adapter class, with asyncpg's own exception as its cause.
        assert name == "UniqueViolationError"
        assert type(original.__cause__).__module__ == "asyncpg.exceptions"
    assert [name for _, name, _ in rows(client, example)] == ["Pen", "Ink"]


def test_the_id_comes_back_from_the_insert_so_refresh_is_one_query_too_many(
    client, example, statements
):
    """The outline calls `await db.refresh(item)` after commit "to get DB-generated values
    (id, created_at)". The INSERT already gives the id (PostgreSQL with RETURNING, SQLite
    as the cursor's lastrowid), so the response has it; refresh costs a SELECT more."""
    created = client.post("/items", json={"name": "Pen", "stock": 1})
    assert created.json()["id"] == 1
    assert len(statements) == 1
    assert statements[0].startswith("INSERT INTO items")
    if example.engine.dialect.name == "postgresql":
        assert statements[0].endswith("RETURNING items.id")

    async def with_refresh():
        async with example.Sessions() as session:
            item = example.Item(name="Ink", stock=1)
            session.add(item)
            await session.commit()
            before = len(statements)
            await session.refresh(item)
            return len(statements) - before

    assert client.portal.call(with_refresh) == 1


def test_from_attributes_is_not_needed_and_class_config_is_deprecated(example):
    """The outline's response model has `class Config: from_attributes = True` "to read
    from SQLAlchemy model attributes". FastAPI reads attributes of a returned object
    without it (the app's ItemOut has no such setting), and a class-based Config is a
    Pydantic v1 form that warns under v2."""
    assert "from_attributes" not in example.ItemOut.model_config
    with pytest.warns(PydanticDeprecatedSince20):

        class ItemResponse(BaseModel):
            id: int

            class Config:
                from_attributes = True


def test_the_list_is_bounded_and_ordered(client):
    for number in range(3):
        client.post("/items", json={"name": f"item {number}", "stock": number})
    page = client.get("/items", params={"offset": 1, "limit": 1}).json()
    assert page == [{"id": 2, "name": "item 1", "stock": 1}]
    for params in ({"limit": -1}, {"limit": 0}, {"limit": 101}, {"offset": -1}):
        assert client.get("/items", params=params).status_code == 422


def test_the_outlines_unbounded_list_differs_between_the_databases(example):
    """skip and limit as plain ints, as the outline declares them: SQLite reads LIMIT -1
    as "no limit" and OFFSET -1 as 0; PostgreSQL refuses both, and the client gets a
    500."""
    naive = FastAPI(lifespan=example.lifespan)

    @naive.get("/items")
    async def list_items(
        session: example.SessionDep, skip: int = 0, limit: int = 20
    ) -> list[int]:
        items = await session.scalars(select(example.Item.id).offset(skip).limit(limit))
        return list(items)

    with TestClient(naive, raise_server_exceptions=False) as client:
        client.portal.call(add_items, example, 3)
        answers = [
            (response.status_code, response.json() if response.is_success else None)
            for response in (
                client.get("/items", params={"limit": -1}),
                client.get("/items", params={"skip": -1}),
            )
        ]
    if example.engine.dialect.name == "sqlite":
        assert answers == [(200, [1, 2, 3]), (200, [1, 2, 3])]
    else:
        assert answers == [(500, None), (500, None)]


async def add_items(example, count: int) -> None:
    async with example.Sessions() as session:
        session.add_all(example.Item(name=f"item {n}", stock=n) for n in range(count))
        await session.commit()


def test_the_count_of_rows_matches_what_the_api_reports(client, example):
    for number in range(5):
        client.post("/items", json={"name": f"item {number}", "stock": 1})

    async def count():
        async with example.Sessions() as session:
            return await session.scalar(select(func.count()).select_from(example.Item))

    assert client.portal.call(count) == len(client.get("/items").json()) == 5


def test_racing_requests_for_one_name_get_one_201_and_the_rest_409(client, example):
    """No request checks first: the unique constraint decides, at commit, even for ten
    requests sent at once."""
    from httpx2 import ASGITransport, AsyncClient

    async def race():
        transport = ASGITransport(app=example.app)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            answers = await asyncio.gather(
                *(
                    http.post("/items", json={"name": "Pen", "stock": n})
                    for n in range(10)
                )
            )
        return sorted(answer.status_code for answer in answers)

    assert client.portal.call(race) == [201] + [409] * 9
    assert len(rows(client, example)) == 1
