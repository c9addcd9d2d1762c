# --8<-- [start:app]
import itertools
from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()
events: list[str] = []  # what the dependencies did, in the order they did it
connection_numbers = itertools.count(1)


def get_connection():
    number = next(connection_numbers)  # stands in for a connection from a pool
    events.append(f"open connection {number}")
    try:
        yield number
    finally:  # runs even when the route fails
        events.append(f"close connection {number}")


def get_transaction(connection: Annotated[int, Depends(get_connection)]):
    events.append(f"begin on connection {connection}")
    yield connection
    events.append(f"commit on connection {connection}")  # skipped if the route raised


Transaction = Annotated[int, Depends(get_transaction, scope="function")]


def users_repository(transaction: Transaction) -> str:
    return f"users on connection {transaction}"


def orders_repository(transaction: Transaction) -> str:
    return f"orders on connection {transaction}"


# use_cache=False: a connection of its own, so the entry survives a rollback.
def audit_log(connection: Annotated[int, Depends(get_connection, use_cache=False)]):
    return f"audit on connection {connection}"


@app.get("/report")
def report(
    users: Annotated[str, Depends(users_repository)],
    orders: Annotated[str, Depends(orders_repository)],
    audit: Annotated[str, Depends(audit_log)],
):
    events.append("handler")
    return [users, orders, audit]


# --8<-- [end:app]


# --8<-- [start:marker]
class MarkResponseSent:
    """A pure ASGI middleware: notes when the last byte of a response leaves the app."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_and_mark(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("response sent")

        await self.app(scope, receive, send_and_mark)


app.add_middleware(MarkResponseSent)
# --8<-- [end:marker]


# --8<-- [start:naive]
naive_app = FastAPI()  # the outline's connection and repositories, kept off `app`


class DBConnection:
    def __init__(self, conn_str: str):
        self.conn_str = conn_str
        self.closed = False
        events.append(f"opened {conn_str}")

    def close(self):
        self.closed = True
        events.append(f"closed {conn_str}")  # noqa: F821 (the outline's bug, kept)


def get_db():
    db = DBConnection("postgresql://localhost/mydb")
    try:
        yield db
    finally:
        db.close()


def get_user_repo(db: Annotated[DBConnection, Depends(get_db)]) -> dict:
    return {"repo": "UserRepo", "db": db.conn_str}


def get_order_repo(db: Annotated[DBConnection, Depends(get_db)]) -> dict:
    return {"repo": "OrderRepo", "db": db.conn_str}


@naive_app.get("/orders/user/{user_id}")
def user_orders(
    user_id: int,
    user_repo: Annotated[dict, Depends(get_user_repo)],
    order_repo: Annotated[dict, Depends(get_order_repo)],
):
    # Compares two strings, not two connections: True whatever happened.
    return {"user_id": user_id, "same_db": user_repo["db"] == order_repo["db"]}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/report").json())
    #> ['users on connection 1', 'orders on connection 1', 'audit on connection 2']
    print(", ".join(events[:4]))  # setting up, then the handler
    #> open connection 1, begin on connection 1, open connection 2, handler
    print(", ".join(events[4:]))  # cleaning up
    #> commit on connection 1, response sent, close connection 2, close connection 1
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A new request: new connections, nothing cached from the last one.
    events.clear()
    print(client.get("/report").json())
    #> ['users on connection 3', 'orders on connection 3', 'audit on connection 4']

    # A dependency fails: the commit is skipped, every connection is still closed,
    # and all of it happens before the error response is sent.
    from fastapi import HTTPException

    def audit_log_down():
        raise HTTPException(503, "Audit log unavailable")

    app.dependency_overrides[audit_log] = audit_log_down
    events.clear()
    print(client.get("/report").json(), events)
    '''
    {'detail': 'Audit log unavailable'}
    [
        'open connection 5',
        'begin on connection 5',
        'close connection 5',
        'response sent',
    ]
    '''
    app.dependency_overrides.clear()

    # The outline's teardown fails after the response has gone: the client sees 200.
    naive = TestClient(naive_app, raise_server_exceptions=False)
    events.clear()
    response = naive.get("/orders/user/1")
    print(response.status_code, response.json(), events)
    #> 200 {'user_id': 1, 'same_db': True} ['opened postgresql://localhost/mydb']

    # Two connections for the two repositories: same_db still says True.
    def order_repo_on_its_own(
        db: Annotated[DBConnection, Depends(get_db, use_cache=False)],
    ):
        return get_order_repo(db)

    naive_app.dependency_overrides[get_order_repo] = order_repo_on_its_own
    events.clear()
    print(naive.get("/orders/user/1").json(), events)
    '''
    {'user_id': 1, 'same_db': True}
    ['opened postgresql://localhost/mydb', 'opened postgresql://localhost/mydb']
    '''
    naive_app.dependency_overrides.clear()
    # --8<-- [end:more]
