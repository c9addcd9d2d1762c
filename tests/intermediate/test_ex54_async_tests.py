"""What Example 54 claims beyond its prints and the test files it shows."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from site_sources import REPO

SHOWN_TESTS = REPO / "snippets" / "intermediate" / "ex54_tests"


def run_pytest(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=folder,
    )


def test_testclient_runs_the_lifespan_and_hands_its_state_to_requests(client):
    """TestClient, entered with `with`, does what ASGITransport does not."""
    response = client.post("/notes", json={"text": "kept"})
    assert (response.status_code, response.json()) == (201, {"id": 1, "text": "kept"})


def test_without_with_testclient_does_not_run_the_lifespan_either(example):
    client = TestClient(example.app)
    with pytest.raises(AttributeError, match="has no attribute 'sessions'"):
        client.post("/notes", json={"text": "lost"})


def test_an_async_test_without_a_marker_fails_instead_of_running(tmp_path):
    """The outline marks tests with pytest-asyncio's @pytest.mark.asyncio. That plugin is
    not installed here; anyio's, which comes with FastAPI, is. Without any plugin's
    marker, pytest does not run an `async def` test: it fails it."""
    (tmp_path / "test_unmarked.py").write_text(
        "async def test_never_awaited():\n    assert False\n"
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 1
    assert "async def functions are not natively supported" in result.stdout


def test_the_shown_tests_run_with_no_pytest_asyncio_installed():
    """The page's `$ pytest` transcript shows them passing; this says with what."""
    assert importlib.util.find_spec("pytest_asyncio") is None
    assert importlib.util.find_spec("anyio.pytest_plugin") is not None
    assert (SHOWN_TESTS / "pytest.ini").is_file()


def test_the_app_refuses_bad_notes(client):
    assert client.post("/notes", json={"text": ""}).status_code == 422
    assert client.post("/notes", json={"text": "x" * 201}).status_code == 422
    response = client.post(
        "/notes", content=b'{"text": NaN}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_running_the_lifespan_without_passing_its_state_is_not_enough(example):
    """Startup runs, the state exists, and requests still cannot see it: something has to
    copy it into each request's scope, as the fixture's wrapper does."""
    from httpx2 import ASGITransport, AsyncClient

    async def lifespan_only():
        async with example.app.router.lifespan_context(example.app) as state:
            transport = ASGITransport(app=example.app)
            async with AsyncClient(transport=transport, base_url="http://t") as client:
                with pytest.raises(AttributeError, match="no attribute 'sessions'"):
                    await client.post("/notes", json={"text": "lost"})
            return sorted(state)

    assert anyio.run(lifespan_only) == ["sessions"]
