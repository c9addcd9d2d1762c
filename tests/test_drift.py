"""Proof that the suite catches drift: each kind of damage is applied to a scratch copy of the
project, the suite runs on that copy, and it must fail with a message naming the damaged file.

The suite that runs on the copy is the ordinary one, minus the slow parts no damage here
needs: fuzzing, this file, the workflow's lint (the copy has no node_modules), and (except for
the diagram damage) the browser.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from site_sources import REPO, fences, pages, relative, snippet_modules
from test_browser import CHROMIUM


def project_files() -> list[str]:
    """The project as an author has it: tracked files, and new ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [name for name in listed if (REPO / name).is_file()]


def first(paths, wanted: Callable[[Path], bool]) -> Path:
    return next(path for path in paths if wanted(path))


def change_an_output(root: Path) -> Path:
    snippet = first(snippet_modules(), lambda path: "#> " in path.read_text())
    target = root / relative(snippet)
    target.write_text(target.read_text().replace("#> ", "#> (not what it prints) ", 1))
    return snippet


def change_a_status_code(root: Path) -> Path:
    snippet = first(
        snippet_modules(), lambda path: '@app.get("/hello")' in path.read_text()
    )
    target = root / relative(snippet)
    target.write_text(
        target.read_text().replace(
            '@app.get("/hello")', '@app.get("/hello", status_code=202)'
        )
    )
    return snippet


def remove_a_section_marker(root: Path) -> Path:
    snippet = first(snippet_modules(), lambda path: "[end:app]" in path.read_text())
    target = root / relative(snippet)
    target.write_text(
        re.sub(r"^# --8<-- \[end:app\]\n", "", target.read_text(), flags=re.MULTILINE)
    )
    return snippet


def delete_a_snippet(root: Path) -> Path:
    snippet = snippet_modules()[0]
    (root / relative(snippet)).unlink()
    return snippet


def delete_a_linked_page(root: Path) -> Path:
    page = first(
        pages(), lambda page: page.parent.name == "beginner" and page.name != "index.md"
    )
    (root / relative(page)).unlink()
    return page.relative_to(page.parents[1])  # MkDocs names pages relative to docs/


def add_a_snippet_no_page_includes(root: Path) -> Path:
    orphan = root / "snippets" / "beginner" / "ex99_orphan.py"
    orphan.write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    return orphan.relative_to(root)


def break_a_link_between_pages(root: Path) -> Path:
    page = root / "docs" / "index.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    return Path("index.md")  # MkDocs names pages relative to docs/


def invalidate_a_diagram(root: Path) -> Path:
    page = first(
        pages(), lambda page: any(f.language == "mermaid" for f in fences(page))
    )
    target = root / relative(page)
    target.write_text(
        target.read_text().replace(
            "```mermaid\n", "```mermaid\nthis is not mermaid -->\n", 1
        )
    )
    return page


def remove_a_folder_an_example_needs(root: Path) -> Path:
    folder = first(
        sorted((REPO / "snippets").rglob("*")),
        lambda path: (
            path.is_dir()
            and path.name != "__pycache__"
            and path.parent.name == "beginner"
        ),
    )
    shutil.rmtree(root / relative(folder))
    return folder


DAMAGE = [
    change_an_output,
    change_a_status_code,
    remove_a_section_marker,
    delete_a_snippet,
    delete_a_linked_page,
    add_a_snippet_no_page_includes,
    break_a_link_between_pages,
    invalidate_a_diagram,
    remove_a_folder_an_example_needs,
]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda damage: damage.__name__)
def test_the_suite_catches(damage, tmp_path):
    root = tmp_path / "project"
    for name in project_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
    damaged = damage(root)
    if not isinstance(damaged, Path) or damaged.is_absolute():
        damaged = Path(relative(damaged))

    selection = [
        "--ignore=tests/test_fuzz.py",
        "--ignore=tests/test_drift.py",
        "--ignore=tests/test_workflow.py",
    ]
    if damage is invalidate_a_diagram:
        if not CHROMIUM.exists():
            pytest.skip("needs Chromium, like the browser tests it relies on")
        selection += ["-m", "browser", "-k", "offline and light"]
    else:
        selection += ["-m", "not browser"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n0",
            "--no-cov",
            "-p",
            "no:cacheprovider",
            "-x",  # the first failure is enough, as long as it names the file
            *selection,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,  # failing is the point; the output is checked below
    )
    output = result.stdout + result.stderr
    # 1: tests failed; 2: collection failed (e.g. a page names a snippet that is gone).
    assert result.returncode in (1, 2), (
        f"{damage.__name__}: the suite did not fail:\n{output[-3000:]}"
    )
    assert damaged.as_posix() in output, (
        f"{damage.__name__}: the failure does not name {damaged}:\n{output[-3000:]}"
    )
