"""The site builds with `mkdocs build --strict` (a broken link, anchor, include or nav entry
fails the build, and so this test), and Zensical builds the same mkdocs.yml into the same pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from site_sources import REPO, nav_pages, pages, url_path


def published_pages(site: Path) -> set[str]:
    """Page addresses as url_path() writes them: "" for the home page, "a/b/" for others."""
    return {
        "".join(part + "/" for part in html.parent.relative_to(site).parts)
        for html in site.rglob("index.html")
    }


def test_every_page_is_built(built_site):
    assert published_pages(built_site) == {url_path(page) for page in pages()}


def test_home_page_lists_the_installed_versions(built_site):
    home = (built_site / "index.html").read_text()
    assert "[[library-versions]]" not in home
    for package in ["fastapi", "pydantic", "starlette", "mkdocs-material"]:
        assert f"<td>{package}</td>\n<td>{version(package)}</td>" in home, package


def test_zensical_builds_the_same_pages(built_site, tmp_path):
    """Zensical (Material's successor) reads mkdocs.yml as it is. It builds a copy of the
    sources, so that its output and cache stay out of the working tree."""
    for folder in ["docs", "snippets", "overrides"]:
        shutil.copytree(REPO / folder, tmp_path / folder)
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    zensical = Path(sys.executable).parent / "zensical"
    result = subprocess.run(
        [zensical, "build", "--strict", "--config-file", "mkdocs.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,  # the return code is checked below, with the output in the message
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "No issues found" in output, output
    assert published_pages(tmp_path / "site") == published_pages(built_site)


def test_pages_link_to_their_neighbours(built_site):
    """Material's navigation.footer: readers move through the course with previous/next.
    Only the home page has no previous page, and only the last page has no next one."""
    without_previous, without_next = [], []
    for address in published_pages(built_site):
        html = (built_site / address / "index.html").read_text()
        if "md-footer__link--prev" not in html:
            without_previous.append(address)
        if "md-footer__link--next" not in html:
            without_next.append(address)
    assert without_previous == [url_path(nav_pages()[0])]
    assert without_next == [url_path(nav_pages()[-1])]


def test_names_and_spaces_in_code_carry_no_markup(built_site):
    """docs_extensions/plain_tokens.py writes Python names and spaces as plain text, which is
    only right while every stylesheet draws names in the colour of plain code."""
    styles = "".join(
        sheet.read_text() for sheet in (built_site / "assets").rglob("*.css")
    )
    colours = set(re.findall(r"--md-code-hl-name-color:\s*([^;}]+)", styles))
    assert colours == {"var(--md-code-fg-color)"}, colours
    page = (built_site / "beginner" / "application-basics" / "index.html").read_text()
    blocks = re.findall(
        r'<div class="language-python highlight"[^>]*>.*?</code>', page, re.DOTALL
    )
    assert blocks
    marked = [block for block in blocks if re.search(r'<span class="[nw]">', block)]
    assert not marked, marked[0][:300]
