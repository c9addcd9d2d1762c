"""Fixtures shared by every test; README.md ("Where things are") maps the test files."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # so test files can import site_sources and transcripts

from servers import postgres_server, redis_server
from site_sources import REPO, SNIPPETS, relative

# The browser tests' fixtures (Chromium, the served site, a tab): tests/browser.py.
pytest_plugins = ["browser"]


def load_snippet(path: Path) -> ModuleType:
    """Import a snippet file as a new module (not as __main__, so its demo does not run).

    Every call imports afresh, as every `fastapi dev` starts afresh: examples keep their data
    in memory, and one test's requests must not change what another test sees."""
    name = "snippet_" + "_".join(path.relative_to(SNIPPETS).with_suffix("").parts)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    # A server imports a snippet once and keeps its connections for life; the tests import
    # it afresh hundreds of times. Close a module's sqlite3 connections when the module goes
    # (Python 3.13 warns about unclosed ones, and warnings are errors).
    connections = [
        v for v in vars(module).values() if isinstance(v, sqlite3.Connection)
    ]
    if connections:
        weakref.finalize(module, close_all, connections)
    return module


def close_all(connections: list[sqlite3.Connection]) -> None:
    for connection in connections:
        connection.close()


def snippet_for(test_file: Path) -> Path:
    """tests/beginner/test_ex01_minimal_app.py tests snippets/beginner/ex01_minimal_app.py."""
    relative_test = test_file.resolve().relative_to(TESTS)
    snippet = (
        SNIPPETS / relative_test.parent / (relative_test.name.removeprefix("test_"))
    )
    if not snippet.is_file():
        raise FileNotFoundError(
            f"{relative(test_file)} tests {relative(snippet)}, which does not exist"
        )
    return snippet


@pytest.fixture(scope="module")
def example(request) -> ModuleType:
    """The snippet module that this test file is named after."""
    return load_snippet(snippet_for(Path(request.module.__file__)))


@pytest.fixture
def client(example):
    """A TestClient for the example's app, with its lifespan (startup/shutdown) running."""
    with TestClient(example.app) as test_client:
        yield test_client


def build_site(folder: Path, site_url: str | None = None) -> Path:
    """`mkdocs build --strict` into folder; a failure shows MkDocs' own message, which names
    the page, link or include at fault. site_url: where the site will be served."""
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
    }  # Material's banner would bury errors
    if site_url:
        env["SITE_URL"] = site_url
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(folder),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,  # the return code is checked below, with the output in the message
        env=env,
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr}", pytrace=False)
    return folder


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for this test process (tests/servers.py), started on first
    use: `postgresql+asyncpg://examples@127.0.0.1:PORT/examples`."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A real Redis server for this test process, started on first use."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


# Coverage's tracer before sys.monitoring loses lines that SQLAlchemy's asyncio engine resumes
# after a greenlet switch (pyproject.toml, [tool.coverage.run]): no verdict there.
COVERAGE_VERDICT_NEEDS = (3, 12)


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="the browser tests save every page, light and dark, to screenshots/",
    )


def pytest_configure(config):
    coverage = config.pluginmanager.get_plugin("_cov")
    if not coverage:
        return
    if config.getoption("update_examples", default=False):
        # Rewriting outputs moves lines in the very files coverage measured, so its report
        # would show lines that did run as missed: no verdict on coverage while updating.
        coverage.options.cov_fail_under = 0
        coverage.options.cov_report = {}
    elif sys.version_info < COVERAGE_VERDICT_NEEDS:
        coverage.options.cov_fail_under = 0


def pytest_terminal_summary(terminalreporter, config):
    measuring = not config.getoption("no_cov", default=True)
    if measuring and sys.version_info < COVERAGE_VERDICT_NEEDS:
        terminalreporter.write_line(
            "coverage: measured, but no 100% verdict on Python "
            f"{sys.version_info.major}.{sys.version_info.minor}: it needs sys.monitoring "
            "(3.12+) to see lines resumed after SQLAlchemy's greenlet switches"
        )


# Cheap structural checks first: when a page or snippet is broken, the first failure a reader
# of the output sees is the one that names the file, not its consequences further down.
RUN_FIRST = ("test_pages.py", "test_snippets.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in RUN_FIRST)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test of one example names that example's snippet file in its report."""
    report = yield
    if report.failed and "example" in getattr(item, "fixturenames", ()):
        report.sections.append(("example under test", relative(snippet_for(item.path))))
    return report
