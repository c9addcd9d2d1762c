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
    page_id,
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
GROUP_PAGES = sorted({example.page for example in examples()})


@pytest.mark.parametrize("page", GROUP_PAGES, ids=page_id)
def test_group_page_has_a_diagram(page: Path):
    assert any(fence.language == "mermaid" for fence in fences(page)), (
        f"{relative(page)} has no ```mermaid diagram explaining its mechanism"
    )


LEVELS_WITH_EXAMPLES = sorted({example.level for example in examples()})


@pytest.mark.parametrize("level", LEVELS_WITH_EXAMPLES)
def test_overview_links_every_example_in_order(level: str):
    """docs/LEVEL/index.md has a row per example of the level, in number order, linking to
    its section: `| [8. Title](request-bodies.md#example-8-...) | what it shows |`."""
    overview = DOCS / level / "index.md"
    text = overview.read_text()
    wanted = [example for example in examples() if example.level == level]
    listed = [
        int(number) for number in re.findall(r"^\| \[(\d+)\. ", text, re.MULTILINE)
    ]
    problems = []
    if listed != [example.number for example in wanted]:
        problems.append(
            f"it lists {listed}, the pages have {[e.number for e in wanted]}"
        )
    for example in wanted:
        if f"]({example.page.name}#example-{example.number}-" not in text:
            problems.append(
                f"no row links to Example {example.number}; write:\n"
                f"| [{example.number}. {example.title}]({example.page.name}#"
                f"example-{example.number}-...) | what it shows |"
            )
    for target in sorted(set(re.findall(r"\]\(([^)#]+\.md)", text))):
        if not (overview.parent / target).is_file():
            problems.append(f"it links to {target}, which does not exist")
    assert not problems, f"{relative(overview)}:\n" + "\n".join(problems)


def example_parts(example: Example) -> dict[str, tuple[str, str]]:
    """What every example section must have: description -> (pattern, the form to write)."""
    snippet = f"snippets/{example.level}/{example.key}_TOPIC.py"
    return {
        "the app, included from its snippet": (
            rf'^--8<-- "snippets/{example.level}/{example.key}_[a-z0-9_]+\.py:app"$',
            f'```python title="{snippet}"\n--8<-- "{snippet}:app"\n```',
        ),
        "a Try it part": (r"^\*\*Try it[:.]?\*\*", "**Try it**"),
        "its demo, included from the snippet": (
            rf'^--8<-- "snippets/{example.level}/{example.key}_[a-z0-9_]+\.py:demo"$',
            f'```python\n--8<-- "{snippet}:demo"\n```',
        ),
        "a Run it for real part": (
            r"^\*\*Run it for real[:.]?\*\*",
            "**Run it for real**",
        ),
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


def test_the_one_example_loop_collects_every_test_it_selects(request):
    """`scripts/example.py check N` names the site-wide test modules and example N's own
    (site_sources.one_example_selection), so that pytest need not import the other
    examples' tests. That is only safe while no test in another example's module carries
    N's key, which `-k exNN` would select."""
    strays = []
    for item in request.session.items:
        module = Path(item.path)
        if module.parent.parent != REPO / "tests":
            continue  # a site-wide module: the loop always collects it
        name = item.nodeid.split("::", 1)[1].lower()
        for key in set(re.findall(r"ex\d{2}", name)):
            if not module.name.startswith(f"test_{key}_"):
                strays.append(f"{item.nodeid} (matches -k {key})")
    assert not strays, (
        "tests the one-example loop would miss; move them to their example's module:\n"
        + "\n".join(strays)
    )


@pytest.mark.parametrize("page", pages(), ids=page_id)
def test_nothing_is_left_to_write(page: Path):
    """`scripts/example.py new` marks what the author must write with «write: ...»."""
    left = [
        f"{relative(page)}:{number}: {line.strip()}"
        for number, line in enumerate(page.read_text().splitlines(), start=1)
        if "«write" in line
    ]
    assert not left, "still to write:\n" + "\n".join(left)


@pytest.mark.parametrize("page", pages(), ids=page_id)
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


@pytest.mark.parametrize("page", pages(), ids=page_id)
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
