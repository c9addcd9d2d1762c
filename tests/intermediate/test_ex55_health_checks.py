"""What Example 55 claims beyond its prints: readiness follows the real database, on
SQLite and on a PostgreSQL server that the tests stop and start again."""

import asyncio
import shlex
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from database_urls import BACKENDS, empty_database
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import load_snippet, snippet_for
from servers import as_server_user, postgres_bin, postgres_server

SNIPPET = snippet_for(Path(__file__))


@pytest.fixture(params=BACKENDS)
def example(request, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database(request, tmp_path))
    return load_snippet(SNIPPET)


def test_both_probes_answer_200_while_the_database_is_up(client):
    assert client.get("/health/live").json() == {"status": "alive"}
    response = client.get("/health/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_the_503_is_declared_for_readiness_only(example):
    paths = example.app.openapi()["paths"]
    assert "503" in paths["/health/ready"]["get"]["responses"]
    assert "503" not in paths["/health/live"]["get"]["responses"]


def test_a_missing_table_is_not_ready(client, example):
    """Connected, but without the schema the app needs (say, before a migration ran):
    not ready. A "SELECT 1" would have said ready."""

    async def drop_the_table():
        async with example.engine.begin() as connection:
            await connection.execute(text("DROP TABLE items"))

    client.portal.call(drop_the_table)
    assert client.get("/health/ready").status_code == 503
    assert client.get("/health/live").status_code == 200


# --------------------------------------------------------------------- SQLite


@pytest.fixture
def sqlite_app(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    example = load_snippet(SNIPPET)
    with TestClient(example.app) as client:
        yield example, client, Path(example.FOLDER, "shop.db")


def test_a_damaged_sqlite_file_is_503_and_ready_again_once_repaired(sqlite_app, caplog):
    _, client, database = sqlite_app
    header = database.read_bytes()[:100]
    database.write_bytes(b"\0" * 100 + database.read_bytes()[100:])
    response = client.get("/health/ready")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    assert client.get("/health/live").status_code == 200
    # The cause is logged for the operator, and never sent to the client.
    assert "file is not a database" in caplog.text
    assert "file is not a database" not in response.text

    database.write_bytes(header + database.read_bytes()[100:])
    assert client.get("/health/ready").status_code == 200


def test_select_1_succeeds_on_a_damaged_sqlite_file(sqlite_app):
    """Why the readiness check reads a table: SQLite answers "SELECT 1" without reading
    the file at all."""
    example, client, database = sqlite_app
    database.write_bytes(b"\0" * 100 + database.read_bytes()[100:])

    async def select_1():
        async with example.engine.connect() as connection:
            return (await connection.execute(text("SELECT 1"))).scalar()

    assert client.portal.call(select_1) == 1
    assert client.get("/health/ready").status_code == 503


# ----------------------------------------------------------------- PostgreSQL


class Cluster:
    """Stops and starts a PostgreSQL server, on the same port and data."""

    def __init__(self, data: str):
        self.data = data
        # The command line the server was started with, which `pg_ctl start` needs again.
        command = shlex.split(Path(data, "postmaster.opts").read_text())
        self.options = shlex.join(command[1:])
        self.running = True

    def pg_ctl(self, *arguments: str) -> None:
        program = str(postgres_bin() / "pg_ctl")
        subprocess.run(
            as_server_user([program, "-D", self.data, "-w", *arguments]),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "stop")
        self.running = False

    def start(self) -> None:
        log = str(Path(self.data).parent / "log")
        self.pg_ctl("-o", self.options, "-l", log, "start")
        self.running = True


async def data_directory(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text("SHOW data_directory"))).scalar()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def own_postgres():
    """A PostgreSQL server of these tests' own, so that stopping it breaks no other test."""
    with postgres_server() as url:
        yield url, Cluster(asyncio.run(data_directory(url)))


@pytest.fixture
def stoppable_postgres(own_postgres, monkeypatch):
    url, cluster = own_postgres
    monkeypatch.setenv("DATABASE_URL", url)
    example = load_snippet(SNIPPET)
    try:
        with TestClient(example.app) as client:
            yield example, client, cluster
    finally:
        if not cluster.running:  # a test that failed while the server was stopped
            cluster.start()


def test_stopping_postgresql_makes_readiness_503_and_starting_it_200(
    stoppable_postgres, caplog
):
    _, client, cluster = stoppable_postgres
    assert client.get("/health/ready").status_code == 200

    cluster.stop()
    # The pooled connection is dead, and then a new one is refused: 503 both times.
    for _ in range(3):
        response = client.get("/health/ready")
        assert (response.status_code, response.json()) == (
            503,
            {"status": "unavailable"},
        )
        assert client.get("/health/live").json() == {"status": "alive"}
    assert "Connect call failed" in caplog.text

    cluster.start()
    # The pool drops the dead connections by itself: ready again, with no restart.
    assert client.get("/health/ready").status_code == 200


def test_a_refused_connection_is_not_a_sqlalchemy_error(stoppable_postgres):
    """Why readiness also catches OSError: asyncpg's refused connection reaches the app as
    a plain ConnectionRefusedError. Catching SQLAlchemyError alone would turn "the
    database is down" into a 500."""
    example, client, cluster = stoppable_postgres

    async def connect():
        async with example.engine.connect():
            pass

    cluster.stop()
    client.portal.call(example.engine.dispose)  # no pooled connection left to find dead
    with pytest.raises(OSError) as refused:
        client.portal.call(connect)
    assert isinstance(refused.value, ConnectionRefusedError)
    assert not isinstance(refused.value, SQLAlchemyError)
    cluster.start()


def test_the_app_does_not_start_while_postgresql_is_down(stoppable_postgres):
    """The outline expects readiness to answer 503 "during startup until DB connects".
    With the tables created in the lifespan, a server started while the database is down
    never gets that far: startup fails, and the process exits (the orchestrator restarts
    it) before any probe is answered."""
    *_, cluster = stoppable_postgres
    cluster.stop()
    fresh = load_snippet(SNIPPET)
    with pytest.raises(ConnectionRefusedError), TestClient(fresh.app):
        pass
    cluster.start()


# ------------------------------------------------------------- a hung database


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers: a database that hangs."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_hung_database_is_503_after_the_timeout_not_a_hung_probe(
    silent_server, monkeypatch
):
    monkeypatch.setenv(
        "DATABASE_URL", f"postgresql+asyncpg://nobody@127.0.0.1:{silent_server}/none"
    )
    example = load_snippet(SNIPPET)
    monkeypatch.setattr(example, "READY_TIMEOUT", 0.3)
    client = TestClient(example.app)  # no lifespan: its create_all would hang too
    started = time.monotonic()
    response = client.get("/health/ready")
    elapsed = time.monotonic() - started
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    assert 0.3 <= elapsed < 3
    assert client.get("/health/live").status_code == 200
