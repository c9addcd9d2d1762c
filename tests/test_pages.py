"""Pages take their code from snippets/ and nothing else, and every snippet appears on a page.

A failure here names the page and line, or the snippet file, that is wrong.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from site_sources import (
    REPO,
    fences,
    includes,
    pages,
    relative,
    sections,
    snippet_files,
)

PYTHON_FENCES = {"py", "python", "python3", "pycon"}


def all_includes():
    return [include for page in pages() for include in includes(page)]


@pytest.mark.parametrize("page", pages(), ids=relative)
def test_includes_resolve(page: Path):
    for include in includes(page):
        target = REPO / include.target
        assert target.is_file(), (
            f"{include.where}: includes {include.target}, which does not exist"
        )
        if include.section:
            assert include.section in sections(target), (
                f"{include.where}: {include.target} has no section {include.section!r} "
                f"(it has {sorted(sections(target))})"
            )


@pytest.mark.parametrize("snippet", snippet_files(), ids=relative)
def test_snippet_is_on_a_page(snippet: Path):
    """A snippet no page shows is code nobody reads: each file, and each of its named
    sections, must be included somewhere (a whole-file include covers every section)."""
    included: dict[str, set[str | None]] = defaultdict(set)
    for include in all_includes():
        included[include.target].add(include.section)
    name = relative(snippet)
    assert name in included, f"{name} is not included by any page in docs/"
    if None not in included[name]:
        missing = set(sections(snippet)) - included[name]
        assert not missing, (
            f"{name}: sections {sorted(missing)} are not included by any page"
        )


@pytest.mark.parametrize("page", pages(), ids=relative)
def test_python_on_pages_comes_from_snippets(page: Path):
    """Code pasted into a page would never run; only includes of tested snippets may appear."""
    for fence in fences(page):
        if fence.language not in PYTHON_FENCES:
            continue
        pasted = [
            line
            for line in fence.body.splitlines()
            if line.strip() and "--8<--" not in line
        ]
        assert not pasted, (
            f"{fence.where}: Python pasted into the page; move it into a snippet and include "
            f"it: {pasted[0].strip()!r}"
        )
