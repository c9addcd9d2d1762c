"""Proof that the suite catches drift: each kind of damage is applied to a scratch copy of the
project, the tests run on that copy, and they must fail with a message naming the damaged file.

The tests that run on the copy are the one-example loop of the damaged example
(`python scripts/example.py check N`: `pytest -k exNN` plus the whole-site checks), which the
full suite contains; a damaged diagram is looked for by the browser tests of its page. So the
proof also shows that an author's one-example loop catches each kind of damage.

First, the same selections run on an undamaged copy: if that fails, the tree is already broken
and the proof says so in one line instead of quoting the same failure once per damage.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from site_sources import (
    REPO,
    fences,
    one_example_selection,
    pages,
    relative,
    snippet_modules,
)
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


def loop_of(snippet: Path) -> list[str]:
    """The one-example loop of the example a snippet file belongs to."""
    return one_example_selection(snippet.name.split("_")[0])


def change_an_output(root: Path) -> tuple[Path, list[str]]:
    snippet = first(snippet_modules(), lambda path: "#> " in path.read_text())
    target = root / relative(snippet)
    target.write_text(target.read_text().replace("#> ", "#> (not what it prints) ", 1))
    return snippet, loop_of(snippet)


def change_a_status_code(root: Path) -> tuple[Path, list[str]]:
    snippet = first(
        snippet_modules(), lambda path: '@app.get("/hello")' in path.read_text()
    )
    target = root / relative(snippet)
    target.write_text(
        target.read_text().replace(
            '@app.get("/hello")', '@app.get("/hello", status_code=202)'
        )
    )
    return snippet, loop_of(snippet)


def remove_a_section_marker(root: Path) -> tuple[Path, list[str]]:
    snippet = first(snippet_modules(), lambda path: "[end:app]" in path.read_text())
    target = root / relative(snippet)
    target.write_text(
        re.sub(r"^# --8<-- \[end:app\]\n", "", target.read_text(), flags=re.MULTILINE)
    )
    return snippet, loop_of(snippet)


def delete_a_snippet(root: Path) -> tuple[Path, list[str]]:
    snippet = snippet_modules()[0]
    (root / relative(snippet)).unlink()
    return snippet, loop_of(snippet)


def delete_a_linked_page(root: Path) -> tuple[Path, list[str]]:
    page = first(
        pages(), lambda page: page.parent.name == "beginner" and page.name != "index.md"
    )
    (root / relative(page)).unlink()
    # MkDocs names pages relative to docs/.
    return page.relative_to(page.parents[1]), one_example_selection(None)


def add_a_snippet_no_page_includes(root: Path) -> tuple[Path, list[str]]:
    orphan = root / "snippets" / "beginner" / "ex99_orphan.py"
    orphan.write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    return orphan.relative_to(root), one_example_selection("ex99")


def break_a_link_between_pages(root: Path) -> tuple[Path, list[str]]:
    page = root / "docs" / "index.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    # MkDocs names pages relative to docs/.
    return Path("index.md"), one_example_selection(None)


def invalidate_a_diagram(root: Path) -> tuple[Path, list[str]]:
    page = first(
        pages(), lambda page: any(f.language == "mermaid" for f in fences(page))
    )
    target = root / relative(page)
    target.write_text(
        target.read_text().replace(
            "```mermaid\n", "```mermaid\nthis is not mermaid -->\n", 1
        )
    )
    return page, ["-m", "browser", "-k", f"offline and light and {page.stem}"]


def remove_a_folder_an_example_needs(root: Path) -> tuple[Path, list[str]]:
    folder = first(
        sorted((REPO / "snippets").rglob("*")),
        lambda path: (
            path.is_dir()
            and path.name != "__pycache__"
            and path.parent.name == "beginner"
        ),
    )
    shutil.rmtree(root / relative(folder))
    return folder, loop_of(folder)


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


def copy_of_the_project(root: Path) -> Path:
    for name in project_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
    return root


def run_tests(root: Path, selection: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
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
        check=False,  # the return code is judged by the caller, with the output
    )


def test_the_suite_catches_every_kind_of_drift(tmp_path):
    """One test, so that one worker checks the undamaged tree once and then each damage
    in turn (pytest-xdist 3.8's xdist_group does not keep tests together under pytest 9)."""
    undamaged_failure = undamaged_tree_fails(tmp_path / "undamaged")
    if undamaged_failure:
        pytest.fail(
            f"drift proof not run: {undamaged_failure}; fix that first", pytrace=False
        )
    uncaught = []
    for damage in DAMAGE:
        if damage is invalidate_a_diagram and not CHROMIUM.exists():
            continue  # needs Chromium, like the browser tests it relies on
        problem = uncaught_damage(damage, tmp_path / damage.__name__)
        if problem:
            uncaught.append(problem)
    assert not uncaught, "\n\n".join(uncaught)


def undamaged_tree_fails(root: Path) -> str | None:
    """Why the undamaged tree already fails the selections the damages are run with, or
    None. The browser selection is left out: it needs Chromium, and drift of a page's
    diagram is all it can show."""
    keywords = set()
    for damage in DAMAGE:
        _, selection = damage(copy_of_the_project(root / "scratch" / damage.__name__))
        if "browser" not in selection:
            keywords.add(selection[selection.index("-k") + 1])
    copy_of_the_project(root / "tree")
    result = run_tests(
        root / "tree", ["-m", "not browser", "-k", " or ".join(sorted(keywords))]
    )
    if result.returncode == 0:
        return None
    failed = re.findall(
        r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", result.stdout, re.MULTILINE
    )
    return f"the undamaged tree already fails {failed[:3] or result.stdout[-300:]}"


def uncaught_damage(damage, root: Path) -> str | None:
    """Why the tests do not catch this damage as they should, or None."""
    damaged, selection = damage(copy_of_the_project(root))
    if not isinstance(damaged, Path) or damaged.is_absolute():
        damaged = Path(relative(damaged))
    if "browser" not in selection:
        selection = ["-m", "not browser", *selection]
    result = run_tests(root, selection)
    output = result.stdout + result.stderr
    # 1: tests failed; 2: collection failed (e.g. a page names a snippet that is gone).
    if result.returncode not in (1, 2):
        return f"{damage.__name__}: the tests did not fail:\n{output[-3000:]}"
    if damaged.as_posix() not in output:
        return (
            f"{damage.__name__}: the failure does not name {damaged}:\n{output[-3000:]}"
        )
    return None
