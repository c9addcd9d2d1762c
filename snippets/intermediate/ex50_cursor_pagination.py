# Each section the page shows brings its own imports, so some are not at the top.
# --8<-- [start:data]
import sqlite3
import threading

# A real SQL database in memory, shared by the worker threads that run def routes:
# one connection, used by one thread at a time.
db = sqlite3.connect(":memory:", check_same_thread=False)
db.row_factory = sqlite3.Row
db_lock = threading.Lock()
db.executescript('''
    CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, created_at INTEGER);
    CREATE INDEX newest_first ON products (created_at DESC, id DESC);
''')
# 1000 products, three per second of created_at: ties that only the id can order.
db.executemany(
    "INSERT INTO products VALUES (?, ?, ?)",
    [(n, f"Product {n}", 1_700_000_000 + n // 3) for n in range(1, 1001)],
)
# --8<-- [end:data]


# --8<-- [start:app]
import base64
from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Int64 = Annotated[int, Field(ge=0, lt=2**63)]  # what an SQLite INTEGER column holds


class Position(BaseModel):  # where a page ended: its last row's sort key, and id
    model_config = ConfigDict(extra="forbid", strict=True)
    created_at: Int64
    id: Int64


def encode(row) -> str:  # the cursor after a row
    position = Position(created_at=row["created_at"], id=row["id"])
    return base64.urlsafe_b64encode(position.model_dump_json().encode()).decode()


def decode(cursor: str) -> Position:
    try:
        raw = base64.b64decode(cursor, altchars="-_", validate=True)  # URL-safe base64
        return Position.model_validate_json(raw)
    except ValueError:  # not base64, not JSON, or not a Position: a 422, never a 500
        raise ValueError("not a cursor from this API") from None


Cursor = Annotated[str, Query(max_length=100), AfterValidator(decode)]
PageSize = Annotated[int, Query(ge=1, le=50)]
app = FastAPI()


@app.get("/products")
def list_products(cursor: Cursor | None = None, limit: PageSize = 10):
    query, values = "SELECT * FROM products", []
    if cursor:  # the rows after the last one sent, in the same order: no rows skipped
        query += " WHERE (created_at, id) < (?, ?)"
        values = [cursor.created_at, cursor.id]
    query += " ORDER BY created_at DESC, id DESC LIMIT ?"
    with db_lock:  # one row more than the page: it says whether there is another
        rows = db.execute(query, [*values, limit + 1]).fetchall()
    page = [dict(row) for row in rows[:limit]]
    return {"items": page, "next_cursor": encode(page[-1]) if rows[limit:] else None}


# --8<-- [end:app]

# --8<-- [start:signed]
# When a cursor must not be edited at all: sign it. The key comes from the environment,
# so that every worker, and the next deployment, accepts the cursors the others issued.
import hashlib
import hmac
import os

CURSOR_KEY = os.environ.get("CURSOR_KEY", "").encode()


def sign(cursor: str) -> str:
    mac = hmac.new(CURSOR_KEY, cursor.encode(), hashlib.sha256).digest()
    return cursor + "." + base64.urlsafe_b64encode(mac).decode()


def verify(signed: str) -> str:
    cursor, _, mac = signed.rpartition(".")
    expected = sign(cursor).rpartition(".")[2]
    # compare_digest takes as long for a near miss as for a wild guess. With no key
    # configured, nothing verifies: the check fails closed.
    if not CURSOR_KEY or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise ValueError("not a cursor from this API")
    return cursor


# --8<-- [end:signed]


# --8<-- [start:naive]
# The outline's approach, on an app that fastapi dev does not serve.
import json

naive_app = FastAPI()
items = [{"id": n, "name": f"Item {n}"} for n in range(1, 101)]


def naive_encode(item_id: int) -> str:
    return base64.b64encode(json.dumps({"id": item_id}).encode()).decode()


def naive_decode(cursor: str):
    try:
        return json.loads(base64.b64decode(cursor))["id"]  # whatever type it holds
    except Exception:  # noqa: BLE001 (the outline's catch-all, kept to show it)
        return None  # a broken cursor quietly means "start again"


@naive_app.get("/items")
def naive_list(cursor: str | None = None, limit: Annotated[int, Query(ge=1)] = 10):
    start = (naive_decode(cursor) if cursor else None) or 0
    after = [item for item in items if item["id"] > start]  # every item, every time
    page = after[:limit]
    more = len(after) > limit
    return {
        "items": page,
        "next_cursor": naive_encode(page[-1]["id"]) if more else None,
    }


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    page = client.get("/products?limit=3").json()
    print([item["id"] for item in page["items"]], page["next_cursor"])
    #> [1000, 999, 998] eyJjcmVhdGVkX2F0IjoxNzAwMDAwMzMyLCJpZCI6OTk4fQ==
    second = client.get("/products", params={"limit": 3, "cursor": page["next_cursor"]})
    print([item["id"] for item in second.json()["items"]])  # the page after the cursor
    #> [997, 996, 995]
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A cursor the API did not issue is input like any other: a 422 that names it.
    forged = base64.urlsafe_b64encode(b'{"created_at": "soon", "id": 1}').decode()
    response = client.get("/products", params={"cursor": forged})
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Value error, not a cursor from this API

    # Every page, cursor after cursor: each product exactly once, ties included.
    seen, cursor = [], None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        body = client.get("/products", params=params).json()
        seen += [item["id"] for item in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    print(len(seen), len(set(seen)))
    #> 1000 1000

    # Cursors a client might send: cut short, not base64, too long, a negative or a
    # huge id, made for another sort order. Each is a 422; none is a 500.
    def b64(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode()

    cursors = [
        page["next_cursor"][:-4],
        "not a cursor!",
        "A" * 101,
        b64('{"created_at": 1700000000, "id": -1}'),
        b64('{"created_at": 1700000000, "id": 99999999999999999999}'),
        b64('{"price": 9.99, "id": 3}'),
    ]
    print([client.get("/products", params={"cursor": c}).status_code for c in cursors])
    #> [422, 422, 422, 422, 422, 422]

    # How many rows SQLite reads for the page at a given depth, counted by a function
    # it calls on each row it looks at (a count of work, not a timing).
    rows_read = 0

    def visit(row_id):
        global rows_read
        rows_read += 1
        return True

    db.create_function("visit", 1, visit)
    order = "ORDER BY created_at DESC, id DESC LIMIT 10"
    after = "(created_at, id) <= (?, ?)"

    def cost(query: str, values: list) -> int:
        global rows_read
        rows_read = 0
        db.execute(query, values).fetchall()
        return rows_read

    for depth in (0, 500, 990):
        row = db.execute(f"SELECT * FROM products {order} OFFSET ?", [depth]).fetchone()
        by_offset = cost(
            f"SELECT * FROM products WHERE visit(id) {order} OFFSET ?", [depth]
        )
        by_cursor = cost(
            f"SELECT * FROM products WHERE {after} AND visit(id) {order}",
            [row["created_at"], row["id"]],
        )
        print(depth, by_offset, by_cursor)
        #> 0 10 10
        #> 500 510 10
        #> 990 1000 10

    # A product added while a client pages: OFFSET shows one product twice.
    db.execute("INSERT INTO products VALUES (1001, 'Product 1001', 1700000400)")
    by_offset = db.execute(f"SELECT id FROM products {order[:-2]}3 OFFSET 3").fetchall()
    print([row["id"] for row in by_offset])
    #> [998, 997, 996]
    again = client.get("/products", params={"limit": 3, "cursor": page["next_cursor"]})
    print([item["id"] for item in again.json()["items"]])  # the cursor's page 2
    #> [997, 996, 995]

    # The outline's version: a broken cursor starts again from the first page, and a
    # cursor holding a string instead of a number is a 500.
    naive = TestClient(naive_app, raise_server_exceptions=False)
    print(naive_encode(10))
    #> eyJpZCI6IDEwfQ==
    page = naive.get("/items", params={"limit": 3, "cursor": "garbage"}).json()
    print([item["id"] for item in page["items"]])
    #> [1, 2, 3]
    forged = base64.b64encode(b'{"id": "ten"}').decode()
    print(naive.get("/items", params={"cursor": forged}).status_code)
    #> 500
# --8<-- [end:more]
