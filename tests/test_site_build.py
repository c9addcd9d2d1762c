"""The site builds with `mkdocs build --strict`: a broken link, anchor, include or nav entry
fails the build, and so this test."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from site_sources import REPO


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        # Material's banner about MkDocs 2.0 would bury the error that made the build fail.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr}", pytrace=False)
    return site


def test_build_is_strict_and_clean(built_site):
    assert (built_site / "index.html").is_file()


def test_home_page_lists_the_installed_versions(built_site):
    from importlib.metadata import version

    home = (built_site / "index.html").read_text()
    assert "[[library-versions]]" not in home
    for package in ["fastapi", "pydantic", "starlette", "mkdocs-material"]:
        assert f"<td>{package}</td>\n<td>{version(package)}</td>" in home, package
