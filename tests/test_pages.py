"""Pages take their code from snippets/ and nothing else, and every snippet appears on a page.

A failure here names the page and line, or the snippet file, that is wrong.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from site_sources import (
    DOCS,
    REPO,
    Example,
    examples,
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
OVERVIEW = DOCS / "beginner" / "index.md"
GROUP_PAGES = sorted({example.page for example in examples()})


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
    beginner = [example for example in examples() if example.level == "beginner"]
    assert linked == [example.number for example in beginner], (
        f"{relative(OVERVIEW)} lists {linked}, pages have "
        f"{[example.number for example in beginner]}"
    )
    for example in beginner:
        assert f"]({example.page.name}#example-{example.number}-" in overview, (
            f"{relative(OVERVIEW)}: example {example.number} does not link to "
            f"{example.page.name}#example-{example.number}-…"
        )


def example_parts(example: Example) -> dict[str, tuple[str, str]]:
    """What every example section must have: description -> (pattern, the form to write)."""
    snippet = f"snippets/{example.level}/{example.key}_TOPIC.py"
    return {
        "the app, included from its snippet": (
            rf'^--8<-- "snippets/{example.level}/{example.key}_[a-z0-9_]+\.py:app"$',
            f'```python title="{snippet}"\n--8<-- "{snippet}:app"\n```',
        ),
        "a Try it part": (r"^\*\*Try it\*\*", "**Try it**"),
        "its demo, included from the snippet": (
            rf'^--8<-- "snippets/{example.level}/{example.key}_[a-z0-9_]+\.py:demo"$',
            f'```python\n--8<-- "{snippet}:demo"\n```',
        ),
        "a Run it for real part": (r"^\*\*Run it for real\*\*", "**Run it for real**"),
        "a transcript the tests replay": (
            r"^```console$",
            f"```console\n$ fastapi dev {snippet}\n$ curl -s http://127.0.0.1:8000/...\n```",
        ),
        "a Key takeaway": (r'^!!! tip "Key takeaway"$', '!!! tip "Key takeaway"'),
        "a Why it matters": (
            r'^!!! info "Why it matters"$',
            '!!! info "Why it matters"',
        ),
    }


# Not named `example`: that is the fixture of the per-example test files (conftest.py).
@pytest.mark.parametrize("section", examples(), ids=str)
def test_every_example_has_every_part(section: Example):
    """Every part that is missing is listed at once, in the form to write (README: "The
    shape of an example")."""
    missing = [
        f"  {part}, written as:\n" + textwrap.indent(form, "      ")
        for part, (pattern, form) in example_parts(section).items()
        if not re.search(pattern, section.text, re.MULTILINE)
    ]
    assert not missing, (
        f"{section.where}: Example {section.number} lacks:\n" + "\n".join(missing)
    )


def test_examples_are_numbered_in_course_order():
    """Numbers follow the order of the course (mkdocs.yml's nav, then each page from the
    top), and an example's snippet files carry its number. `python scripts/example.py
    renumber` puts both right after an example is added or moved."""
    wrong = []
    for position, example in enumerate(examples(), start=1):
        if example.number != position:
            wrong.append(
                f"{example.where}: Example {example.number} is example {position} "
                "of the course"
            )
        for include in example.includes():
            name = Path(include.target).name
            if re.match(r"ex\d+_", name) and not name.startswith(example.key + "_"):
                wrong.append(
                    f"{include.where}: Example {example.number} includes {include.target}"
                )
    assert not wrong, (
        "numbers disagree (run `python scripts/example.py renumber`):\n"
        + "\n".join(wrong)
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
