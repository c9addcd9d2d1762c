"""Pages take their code from snippets/ and nothing else, and every snippet appears on a page.

A failure here names the page and line, or the snippet file, that is wrong.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from site_sources import (
    DOCS,
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


# The course's shape comes first: a missing page is named here, before its snippets show up
# below as orphans.
EXAMPLE_HEADING = re.compile(r"^## Example (\d+): (.+)$", re.MULTILINE)
OVERVIEW = DOCS / "beginner" / "index.md"
GROUP_PAGES = [
    page for page in pages() if page.parent.name == "beginner" and page != OVERVIEW
]


@pytest.mark.parametrize("page", GROUP_PAGES, ids=relative)
def test_group_page_has_a_diagram(page: Path):
    assert any(fence.language == "mermaid" for fence in fences(page)), (
        f"{relative(page)} has no ```mermaid diagram explaining its mechanism"
    )


def test_overview_links_every_example_in_order():
    """The Beginner overview lists every example heading of every group page, by number."""
    overview = OVERVIEW.read_text()
    for target in sorted(set(re.findall(r"\]\(([^)#]+\.md)", overview))):
        assert (OVERVIEW.parent / target).is_file(), (
            f"{relative(OVERVIEW)} links to {relative(OVERVIEW.parent / target)}, which does not exist"
        )
    linked = [
        int(number) for number in re.findall(r"^\| \[(\d+)\. ", overview, re.MULTILINE)
    ]
    headings = {
        int(number): (page, title)
        for page in GROUP_PAGES
        for number, title in EXAMPLE_HEADING.findall(page.read_text())
    }
    assert linked == sorted(headings), (
        f"{relative(OVERVIEW)} lists {linked}, pages have {sorted(headings)}"
    )
    for number, (page, _title) in headings.items():
        assert f"]({page.name}#example-{number}-" in overview, (
            f"{relative(OVERVIEW)}: example {number} does not link to {page.name}#example-{number}-…"
        )


EXAMPLE_PARTS = {
    "the app, included from its snippet": r'^--8<-- "snippets/[^"]+:app"$',
    "a Try it section": r"^### Try it$",
    "a Run it for real section": r"^### Run it for real$",
    "a transcript the tests replay": r"^```console$",
    "a Key takeaway": r'^!!! tip "Key takeaway"$',
    "a Why it matters": r'^!!! info "Why it matters"$',
}


@pytest.mark.parametrize("page", GROUP_PAGES, ids=relative)
def test_every_example_has_every_part(page: Path):
    text = page.read_text()
    starts = [match.start() for match in EXAMPLE_HEADING.finditer(text)] + [len(text)]
    for start, end in pairwise(starts):
        section = text[start:end]
        title = section.splitlines()[0].removeprefix("## ")
        for part, pattern in EXAMPLE_PARTS.items():
            assert re.search(pattern, section, re.MULTILINE), (
                f"{relative(page)}: {title} lacks {part}"
            )


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
