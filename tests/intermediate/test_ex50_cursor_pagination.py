"""What Example 50 claims beyond its prints: every product once, in order, whatever the
page size; no cursor a client can send is a 500; and the work per page stays flat."""

import base64
import json
import sqlite3
import threading

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_snippet
from site_sources import SNIPPETS

SNIPPET = SNIPPETS / "intermediate" / "ex50_cursor_pagination.py"


@pytest.fixture
def example():
    """A fresh import, and so a fresh database, for every test."""
    return load_snippet(SNIPPET)


@pytest.fixture
def client(example):
    return TestClient(example.app)


def b64(raw: bytes | str) -> str:
    return base64.urlsafe_b64encode(
        raw if isinstance(raw, bytes) else raw.encode()
    ).decode()


def walk(client, limit: int) -> list[int]:
    ids, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get("/products", params=params)
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


@pytest.mark.parametrize("limit", [7, 50])
def test_every_product_once_in_order_whatever_the_page_size(client, example, limit):
    expected = [
        row["id"]
        for row in example.db.execute(
            "SELECT id FROM products ORDER BY created_at DESC, id DESC"
        )
    ]
    assert walk(client, limit) == expected
    assert len(expected) == 1000


def test_the_last_page_has_no_cursor_and_an_exact_fit_asks_for_none(client):
    body = client.get("/products", params={"limit": 50}).json()
    assert body["next_cursor"] is not None
    # 1000 products in pages of 50: page 20 is full, and the last.
    ids = walk(client, 50)
    assert len(ids) == 1000


def test_ties_are_ordered_by_id_across_a_page_boundary(client):
    first = client.get("/products", params={"limit": 3}).json()
    # Products 998, 997 and 996 share a created_at; the page ends inside the tie.
    position = json.loads(base64.urlsafe_b64decode(first["next_cursor"]))
    assert position == {"created_at": 1_700_000_332, "id": 998}
    second = client.get(
        "/products", params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [item["id"] for item in second["items"]] == [997, 996, 995]


def test_a_cursor_on_created_at_alone_loses_rows_at_a_tie(example):
    """Why the id is in the cursor: `created_at < ?` skips the rest of a tie."""
    rows = example.db.execute(
        "SELECT id FROM products WHERE created_at < ? "
        "ORDER BY created_at DESC, id DESC LIMIT 3",
        [1_700_000_332],
    ).fetchall()
    assert [row["id"] for row in rows] == [995, 994, 993]  # 997 and 996 are lost


FORGED = {
    "not base64": "not a cursor!",
    "non-ASCII": "écrit",
    "padding only": "====",
    "too long": "A" * 101,
    "base64, not JSON": b64(b"\xff\xfe\x00"),
    "JSON, not an object": b64("[1700000000, 3]"),
    "null": b64("null"),
    "a string created_at": b64('{"created_at": "soon", "id": 1}'),
    "a numeric string": b64('{"created_at": "1700000000", "id": 1}'),
    "a float id": b64('{"created_at": 1700000000, "id": 1.5}'),
    "a whole float id": b64('{"created_at": 1700000000, "id": 1.0}'),
    "a boolean id": b64('{"created_at": 1700000000, "id": true}'),
    "a negative id": b64('{"created_at": 1700000000, "id": -1}'),
    "a huge id": b64('{"created_at": 1700000000, "id": 99999999999999999999}'),
    "2**63": b64('{"created_at": 1700000000, "id": 9223372036854775808}'),
    "NaN": b64('{"created_at": NaN, "id": 1}'),
    "a missing id": b64('{"created_at": 1700000000}'),
    "another sort order": b64('{"price": 9.99, "id": 3}'),
    "an extra field": b64('{"created_at": 1700000000, "id": 3, "admin": true}'),
    "nested": b64('{"created_at": {"$gt": 0}, "id": 1}'),
    "deep": b64("[" * 40 + "]" * 40),
}


@pytest.mark.parametrize("cursor", FORGED.values(), ids=FORGED.keys())
def test_a_forged_cursor_is_a_422_that_names_the_cursor(client, cursor):
    response = client.get("/products", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_every_truncation_of_a_real_cursor_is_refused_or_a_valid_page(client):
    cursor = client.get("/products", params={"limit": 3}).json()["next_cursor"]
    for end in range(len(cursor)):
        response = client.get("/products", params={"cursor": cursor[:end]})
        assert response.status_code == 422, cursor[:end]


def test_stray_characters_around_base64_are_refused_not_skipped(client):
    """Python's base64 decoder skips characters outside the alphabet unless told to
    validate: "!!" + cursor would otherwise be the same cursor."""
    cursor = client.get("/products", params={"limit": 3}).json()["next_cursor"]
    assert client.get("/products", params={"cursor": "!!" + cursor}).status_code == 422
    assert client.get("/products", params={"cursor": cursor}).status_code == 200


CLIENT_APP = load_snippet(SNIPPET).app  # read only: one database for every case below
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["created_at", "id", "x"]), children, max_size=3
        )
    ),
    max_leaves=6,
)


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(value=json_values)
def test_any_json_in_a_cursor_is_a_page_or_a_422_never_a_500(value):
    client = TestClient(CLIENT_APP, raise_server_exceptions=False)
    cursor = b64(json.dumps(value))
    response = client.get("/products", params={"cursor": cursor})
    assert response.status_code in (200, 422), (value, response.status_code)


def test_a_validated_cursor_can_be_edited_into_another_position(client):
    """Validated, not signed: a client can start the list anywhere, which is all it
    could reach by paging anyway."""
    cursor = b64('{"created_at": 1700000100, "id": 300}')
    ids = [
        item["id"] for item in client.get(f"/products?cursor={cursor}").json()["items"]
    ]
    assert ids[0] == 299


@pytest.mark.parametrize("limit", [0, 51, -1, "ten"])
def test_the_page_size_is_bounded(client, limit):
    assert client.get("/products", params={"limit": limit}).status_code == 422


def test_concurrent_requests_share_the_connection_safely(example):
    client = TestClient(example.app)
    statuses = []

    def page_through():
        statuses.append(len(walk(client, 50)))

    threads = [threading.Thread(target=page_through) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [1000] * 4


# The work per page, counted in rows SQLite reads (a function in the WHERE clause is
# called once per row it looks at), not timed.


def rows_read(db, query: str, values: list) -> int:
    count = 0

    def visit(_):
        nonlocal count
        count += 1
        return True

    db.create_function("visit", 1, visit)
    db.execute(query, values).fetchall()
    return count


ORDER = "ORDER BY created_at DESC, id DESC LIMIT 20"


def offset_cost(db, depth: int) -> int:
    return rows_read(
        db, f"SELECT * FROM products WHERE visit(id) {ORDER} OFFSET ?", [depth]
    )


def cursor_cost(db, depth: int) -> int:
    row = db.execute(f"SELECT * FROM products {ORDER} OFFSET ?", [depth]).fetchone()
    return rows_read(
        db,
        "SELECT * FROM products WHERE visit(id) AND (created_at, id) <= (?, ?) "
        + ORDER,
        [row["created_at"], row["id"]],
    )


def test_offset_reads_every_row_it_skips(example):
    """The outline: "at page 1000 with 20 items per page, the database scans 20,000 rows
    it immediately discards". It does, here in a table of 1000: depth + 20."""
    assert [offset_cost(example.db, depth) for depth in (0, 200, 500, 980)] == [
        20,
        220,
        520,
        1000,
    ]


def test_a_cursor_reads_the_same_rows_at_any_depth_with_an_index(example):
    assert [cursor_cost(example.db, depth) for depth in (0, 200, 500, 980)] == [20] * 4
    plan = example.db.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM products WHERE (created_at, id) < (?, ?) "
        f"{ORDER}",
        [1, 1],
    ).fetchall()
    assert "newest_first" in plan[0]["detail"]


def test_without_the_index_a_cursor_reads_the_whole_table_too(example):
    """ "Constant query performance" needs an index on the sort key."""
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, created_at)")
    db.executemany(
        "INSERT INTO products VALUES (?, ?, ?)",
        [(n, f"Product {n}", 1_700_000_000 + n // 3) for n in range(1, 1001)],
    )
    assert [cursor_cost(db, depth) for depth in (0, 500, 980)] == [1000] * 3
    db.close()


def test_offset_repeats_a_row_when_one_is_added_between_pages_a_cursor_does_not(
    client, example
):
    first = client.get("/products", params={"limit": 3}).json()
    with example.db_lock:
        example.db.execute(
            "INSERT INTO products VALUES (1001, 'Product 1001', 1700000400)"
        )
    by_offset = example.db.execute(
        "SELECT id FROM products ORDER BY created_at DESC, id DESC LIMIT 3 OFFSET 3"
    ).fetchall()
    assert [row["id"] for row in by_offset] == [998, 997, 996]  # 998 again
    second = client.get(
        "/products", params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [item["id"] for item in second["items"]] == [997, 996, 995]


# Signing, for a cursor that must not be edited at all.


@pytest.fixture
def signing(monkeypatch):
    monkeypatch.setenv("CURSOR_KEY", "a key of at least 32 random bytes, in production")
    return load_snippet(SNIPPET)


def test_a_signed_cursor_round_trips(signing):
    assert signing.verify(signing.sign("abc")) == "abc"


@pytest.mark.parametrize(
    "change",
    [
        lambda signed: "x" + signed,  # the cursor edited
        lambda signed: signed[:-2],  # the signature cut short
        lambda signed: signed.rpartition(".")[0],  # no signature
        lambda signed: signed + "é",  # not ASCII
        lambda signed: signed.replace(".", ".."),
    ],
)
def test_an_edited_signed_cursor_is_refused(signing, change):
    with pytest.raises(ValueError, match="not a cursor from this API"):
        signing.verify(change(signing.sign("abc")))


def test_a_cursor_signed_with_another_key_is_refused(signing, monkeypatch):
    monkeypatch.setenv("CURSOR_KEY", "another key")
    other = load_snippet(SNIPPET)
    with pytest.raises(ValueError):
        signing.verify(other.sign("abc"))


def test_without_a_key_nothing_verifies(example):
    assert example.CURSOR_KEY == b""
    with pytest.raises(ValueError):
        example.verify(example.sign("abc"))


# The outline's version (naive_app).


@pytest.fixture
def naive(example):
    return TestClient(example.naive_app, raise_server_exceptions=False)


def test_the_outlines_cursor_is_base64_of_its_json(example):
    assert example.naive_encode(10) == "eyJpZCI6IDEwfQ=="
    assert base64.b64decode("eyJpZCI6IDEwfQ==") == b'{"id": 10}'


@pytest.mark.parametrize("cursor", ["garbage", b64("[]"), b64('{"id": null}'), "!"])
def test_the_outlines_broken_cursor_silently_restarts_at_page_one(naive, cursor):
    response = naive.get("/items", params={"limit": 3, "cursor": cursor})
    assert [item["id"] for item in response.json()["items"]] == [1, 2, 3]


@pytest.mark.parametrize("value", ['"ten"', "[1]", '{"a": 1}'])
def test_the_outlines_cursor_holding_another_type_is_a_500(naive, value):
    cursor = base64.b64encode(f'{{"id": {value}}}'.encode()).decode()
    assert naive.get("/items", params={"cursor": cursor}).status_code == 500


def test_the_outlines_pages_walk_every_item(naive):
    ids, cursor = [], None
    while True:
        params = {"limit": 30, **({"cursor": cursor} if cursor else {})}
        body = naive.get("/items", params=params).json()
        ids += [item["id"] for item in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert ids == list(range(1, 101))


def test_without_the_bound_a_huge_id_would_reach_sqlite_and_fail(example):
    """Why Int64: Python's sqlite3 cannot pass an int of 2**63 or more, and raises."""
    with pytest.raises(OverflowError):
        example.db.execute("SELECT * FROM products WHERE id < ?", [2**63]).fetchall()
