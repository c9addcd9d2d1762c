"""Every snippet runs as `python snippets/...py` would run it, and prints what its `#>` lines say.

pytest-examples checks each `#>` line against what the print above it printed; ruff lints
and format-checks the file with the project's settings (pyproject.toml).
`pytest --update-examples` rewrites the `#>` lines, applies ruff's fixes and formats instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample
from ruff.__main__ import find_ruff_bin

from site_sources import REPO, relative, snippet_files, snippet_modules


@pytest.fixture(autouse=True)
def environment_restored():
    """A demo is a program of its own, free to set environment variables (Example 79's points
    REDIS_URL at the Redis it starts and stops); tests that run later in this process must
    not inherit them."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def ruff(
    command: list[str], source: str | None = None, path: Path | None = None
) -> subprocess.CompletedProcess:
    """Run ruff from the repository root (so it reads pyproject.toml), on the given paths in
    `command`, or on `source` as if it were the file at `path`."""
    if source is not None:
        command = [*command, "--stdin-filename", str(path), "-"]
    return subprocess.run(
        [find_ruff_bin(), *command],
        input=source,
        capture_output=True,
        text=True,
        check=False,  # the return code is checked below, with the output in the message
        cwd=REPO,
    )


def ruff_format(source: str, path: Path) -> str:
    """`ruff format`, keeping pytest-examples' `#>` output comments as they are (ruff would
    write `# >`, which pytest-examples no longer recognises)."""
    formatted = ruff(["format"], source, path).stdout
    return re.sub(r"^( *)# >( |$)", r"\1#>\2", formatted, flags=re.MULTILINE)


@pytest.mark.parametrize("path", snippet_modules(), ids=relative)
def test_snippet(path: Path, eval_example: EvalExample, tmp_path, monkeypatch):
    source = path.read_text()
    example = CodeExample.create(
        source, path=path, start_line=0, end_line=source.count("\n")
    )
    # pytest-examples normally runs a copy written to a temporary folder. Snippets are whole
    # files that find their templates and static folders beside themselves, and coverage
    # must see their own lines, so run the file itself.
    eval_example._write_file = lambda example: example.path
    eval_example.set_config(line_length=88)
    # Run from somewhere else entirely: an example must not depend on the working directory.
    monkeypatch.chdir(tmp_path)

    if eval_example.update_examples:
        eval_example.run_print_update(example, rewrite_assertions=False)
        fixed = ruff(["check", "--fix", "--quiet"], example.source, path).stdout
        formatted = ruff_format(fixed or example.source, path)
        if formatted != example.source:
            example.source = formatted
            eval_example._mark_for_update(example)
        # What ruff cannot fix by itself is reported now, not at the next ordinary run.
        assert_lint_free(formatted, path)
        return

    eval_example.run_print_check(example, rewrite_assertions=False)
    assert_lint_free(source, path)
    assert ruff_format(source, path) == source, (
        f"{relative(path)} is not formatted: run `pytest --update-examples`"
    )


# The test files some examples show (and run with `$ pytest ...` on their page) are code
# readers copy too: held to the same lint and format.
SHOWN_TEST_FILES = sorted(
    {path for path in snippet_files() if path.suffix == ".py"} - set(snippet_modules())
)


@pytest.mark.parametrize("path", SHOWN_TEST_FILES, ids=relative)
def test_shown_test_file_is_linted_and_formatted(path: Path):
    source = path.read_text()
    assert_lint_free(source, path)
    assert ruff_format(source, path) == source, (
        f"{relative(path)} is not formatted: run `ruff format {relative(path)}`"
    )


def assert_lint_free(source: str, path: Path) -> None:
    lint = ruff(["check", "--quiet"], source, path)
    assert lint.returncode == 0, (
        f"ruff check {relative(path)}:\n{lint.stdout}{lint.stderr}"
    )


ENGINE = ["tests", "docs_extensions", "benchmarks", "scripts", "noxfile.py"]


def test_the_engine_itself_is_linted_and_formatted():
    """The code that checks the examples is held to the examples' standard."""
    lint = ruff(["check", "--quiet", *ENGINE])
    assert lint.returncode == 0, f"ruff check:\n{lint.stdout}{lint.stderr}"
    formatting = ruff(["format", "--check", *ENGINE])
    assert formatting.returncode == 0, (
        f"run `ruff format {' '.join(ENGINE)}`:\n{formatting.stdout}"
    )
