"""Real database and cache servers for the examples that need them, started by the tests.

PostgreSQL and Redis come from Debian's packages (`apt-get install postgresql redis-server`;
.ci/run installs them). Each is started on a free loopback port in a temporary folder the
first time a test asks for it, once per test process, and stopped at the end. Where a server
is not installed, the tests that need it are skipped locally with one line saying why, and fail
under CI (CI=true), as the browser tests do without Chromium.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from transcripts import free_port, wait_for_port


def missing(what: str, install: str) -> None:
    """Skip (locally) or fail (in CI) a test whose server is not installed."""
    message = (
        f"{what} not found: tests that need it are skipped (apt-get install {install})"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message.replace("are skipped", "cannot run in CI"), pytrace=False)
    pytest.skip(message)


def postgres_bin() -> Path | None:
    """Debian installs PostgreSQL's programs under /usr/lib/postgresql/VERSION/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; CI runs as root, so run it as Debian's `postgres`
    user there (its data folder is handed to that user)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh PostgreSQL cluster on a free loopback port; yields a SQLAlchemy asyncpg URL."""
    programs = postgres_bin()
    if programs is None:
        missing("PostgreSQL (pg_ctl)", "postgresql")
    # Not under pytest's own temporary folders: as root, the cluster belongs to `postgres`,
    # which may not enter those.
    folder = Path(tempfile.mkdtemp(prefix="fastapi-by-example-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"

    def run(program: str, *arguments: str) -> None:
        subprocess.run(
            as_server_user([str(programs / program), *arguments]),
            check=True,
            capture_output=True,
            text=True,
        )

    try:
        run("initdb", "-D", str(data), "-U", "examples", "--auth=trust", "--no-sync")
        port = free_port()
        # Loopback only, its socket in its own folder, and no durability: a test database.
        options = (
            f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
        )
        run(
            "pg_ctl",
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        )
        try:
            run(
                "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "examples",
                "examples",
            )
            yield f"postgresql+asyncpg://examples@127.0.0.1:{port}/examples"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis server on a free loopback port, nothing saved to disk; yields its URL."""
    program = shutil.which("redis-server")
    if program is None:
        missing("redis-server", "redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen(
        [
            program,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
