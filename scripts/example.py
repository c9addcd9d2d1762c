"""The author's tool: add an example, keep the numbers right, check one example.

    python scripts/example.py new docs/beginner/request-bodies.md "Title" --summary "..."
    python scripts/example.py check 8             # everything about Example 8, in seconds
    python scripts/example.py check 8 --update    # rewrite its outputs first, then check
    python scripts/example.py renumber            # numbers follow the course order again

Numbers come from the order of the course: the pages in mkdocs.yml's nav, then each page
from the top. `new` gives the example the number of the place it is inserted at and moves
every later example up by one; `renumber` puts every number back in order after examples
were moved by hand. Both rewrite headings, anchors, overview rows, "Example N" in prose,
and the exNN_ in file names and paths (snippets/, tests/, docs/).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from site_sources import (
    DOCS,
    REPO,
    SNIPPETS,
    Example,
    examples,
    nav_pages,
    one_example_selection,
    page_examples,
    relative,
)

TESTS = REPO / "tests"
# Where numbers are written: pages, the examples and their tests.
NUMBERED_TEXT = [DOCS, SNIPPETS, TESTS]
TEXT_SUFFIXES = {".md", ".py", ".html", ".txt", ".json", ".csv", ".css", ".js"}

# Every way a number names an example, each read as one match so none is renumbered twice.
NUMBER_REFERENCE = re.compile(
    r"(?P<prose>\bExamples? )(?P<numbers>\d+(?:(?:, | and | or | to |–)\d+)*)"
    r"|(?P<anchor>#example-)(?P<anchor_number>\d+)(?=-)"
    r"|(?P<row>^\| \[)(?P<row_number>\d+)(?=\. )"
    r"|(?<![A-Za-z0-9])(?P<key>ex)(?P<key_number>\d{2})(?![0-9])",
    re.MULTILINE,
)
NUMBERED_FILE = re.compile(r"^(?P<prefix>(?:test_)?ex)(?P<number>\d{2})(?P<rest>_.*)$")


def renumbered_text(text: str, mapping: dict[int, int]) -> str:
    def renumber(match: re.Match) -> str:
        if match["prose"]:
            numbers = re.sub(
                r"\d+",
                lambda number: str(mapping.get(int(number[0]), int(number[0]))),
                match["numbers"],
            )
            return match["prose"] + numbers
        for kind, width in (("anchor", 0), ("row", 0), ("key", 2)):
            if match[kind]:
                number = int(match[f"{kind}_number"])
                return f"{match[kind]}{mapping.get(number, number):0{width}d}"
        raise AssertionError(match)

    return NUMBER_REFERENCE.sub(renumber, text)


def numbered_files() -> list[Path]:
    """Files and folders named after an example: snippets/LEVEL/exNN_*, tests/LEVEL/test_exNN_*."""
    return [
        path
        for folder in (SNIPPETS, TESTS)
        for level in folder.iterdir()
        if level.is_dir()
        for path in level.iterdir()
        if NUMBERED_FILE.match(path.name)
    ]


def text_files() -> list[Path]:
    return [
        path
        for folder in NUMBERED_TEXT
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix in TEXT_SUFFIXES
        and "__pycache__" not in path.parts
    ]


def apply_mapping(mapping: dict[int, int]) -> None:
    """Rewrite every reference to an example number, then rename its files and folders."""
    mapping = {old: new for old, new in mapping.items() if old != new}
    if not mapping:
        return
    for path in text_files():
        text = path.read_text()
        changed = renumbered_text(text, mapping)
        if changed != text:
            path.write_text(changed)
    # Through temporary names, so that ex09 -> ex10 never lands on the old ex10.
    moves = []
    for path in numbered_files():
        match = NUMBERED_FILE.match(path.name)
        if int(match["number"]) in mapping:
            new = mapping[int(match["number"])]
            temporary = path.with_name(f"renumbering-{path.name}")
            path.rename(temporary)
            moves.append(
                (
                    temporary,
                    path.with_name(f"{match['prefix']}{new:02d}{match['rest']}"),
                )
            )
    for temporary, final in moves:
        temporary.rename(final)


def course_mapping() -> dict[int, int]:
    current = [example.number for example in examples()]
    duplicates = {number for number in current if current.count(number) > 1}
    if duplicates:
        sys.exit(
            f"two examples share the numbers {sorted(duplicates)}: fix the headings"
        )
    return {number: position for position, number in enumerate(current, start=1)}


def renumber() -> None:
    mapping = {old: new for old, new in course_mapping().items() if old != new}
    apply_mapping(mapping)
    for old, new in sorted(mapping.items()):
        print(f"Example {old} -> Example {new}")
    if not mapping:
        print("every example already has the number of its place in the course")


# ---------------------------------------------------------------- new


SNIPPET_TEMPLATE = '''\
# --8<-- [start:app]
from fastapi import FastAPI

app = FastAPI()


@app.get("/{path}")
def {function}():
    return {{"message": "{title}"}}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    print(client.get("/{path}").json())
# --8<-- [end:demo]
'''

TEST_TEMPLATE = '''\
"""What Example {number} claims beyond its prints."""


def test_{function}_answers_200(client):
    assert client.get("/{path}").status_code == 200
'''

SECTION_TEMPLATE = """\
## Example {number}: {title}

«write: one or two short paragraphs, the idea and why you would use it»

```python title="{snippet}"
--8<-- "{snippet}:app"
```

**Try it** with `python {snippet}`:

```python
--8<-- "{snippet}:demo"
```

**Run it for real**

```console
$ fastapi dev {snippet}
$ curl -s http://127.0.0.1:8000/{path}
```

!!! tip "Key takeaway"
    «write: one or two sentences»

!!! info "Why it matters"
    «write: one or two sentences»

"""


def slug_of(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "_".join(words[:4]) or "example"


def insertion_point(page: Path, after: int | None) -> tuple[int, int]:
    """(character offset in the page, number the new example gets)."""
    text = page.read_text()
    on_page = page_examples(page)
    before_page = [
        example
        for example in examples()
        if nav_pages().index(example.page) < nav_pages().index(page)
    ]
    if after is None:
        anchor = on_page[-1] if on_page else None
    else:
        anchor = next((e for e in on_page if e.number == after), None)
        if anchor is None:
            sys.exit(f"Example {after} is not on {relative(page)}")
    if (
        anchor is None
    ):  # the page's first example: before its first ## heading, or at the end
        first_h2 = re.search(r"^## ", text, re.MULTILINE)
        offset = first_h2.start() if first_h2 else len(text)
        return offset, len(before_page) + 1
    offset = text.index(anchor.text) + len(anchor.text)
    return offset, anchor.number + 1


def add_overview_row(example_page: Path, number: int, title: str, summary: str) -> None:
    """A row in the level overview's table for the example's group page, in number order."""
    overview = example_page.parent / "index.md"
    text = overview.read_text()
    link = f"{example_page.name}#{anchor_of(number, title)}"
    row = f"| [{number}. {title}]({link}) | {summary} |"
    rows = list(
        re.finditer(
            rf"^\| \[(\d+)\. .*\({re.escape(example_page.name)}#.*$", text, re.MULTILINE
        )
    )
    if rows:
        previous = [r for r in rows if int(r[1]) < number]
        at = previous[-1] if previous else rows[0]
        offset = at.end() + 1 if previous else at.start()
        text = text[:offset] + row + "\n" + text[offset:]
    else:
        heading = page_title(example_page)
        text = text.rstrip("\n") + (
            f"\n\n## {heading}\n\n| Example | What it shows |\n| --- | --- |\n{row}\n"
        )
    overview.write_text(text)


def page_title(page: Path) -> str:
    match = re.search(r"^# (.+)$", page.read_text(), re.MULTILINE)
    return match[1] if match else page.stem.replace("-", " ").capitalize()


def anchor_of(number: int, title: str) -> str:
    """The id MkDocs' toc extension gives `## Example N: Title`."""
    text = re.sub(r"[^\w\s-]", "", f"Example {number}: {title}".lower())
    return re.sub(r"[\s-]+", "-", text).strip("-")


def new(page_name: str, title: str, summary: str, slug: str | None, after: int | None):
    page = (REPO / page_name).resolve()
    if page not in nav_pages():
        sys.exit(f"{page_name} is not a page in mkdocs.yml's nav: add it there first")
    level = page.relative_to(DOCS).parts[0]
    offset, number = insertion_point(page, after)
    # Make room: every example from this number on moves up by one.
    apply_mapping({e.number: e.number + 1 for e in examples() if e.number >= number})
    slug = slug or slug_of(title)
    snippet = f"snippets/{level}/ex{number:02d}_{slug}.py"
    test = TESTS / level / f"test_ex{number:02d}_{slug}.py"
    path = slug.replace("_", "-")
    fields = {
        "number": number,
        "title": title,
        "snippet": snippet,
        "path": path,
        "function": slug,
    }
    (REPO / snippet).parent.mkdir(parents=True, exist_ok=True)
    (REPO / snippet).write_text(SNIPPET_TEMPLATE.format(**fields))
    test.parent.mkdir(parents=True, exist_ok=True)
    test.write_text(TEST_TEMPLATE.format(**fields))
    examples.cache_clear()  # the shift renumbered later examples, on this page too
    offset, _ = insertion_point(page, after)
    text = page.read_text()
    section = SECTION_TEMPLATE.format(**fields)
    if offset < len(text) and not text[:offset].endswith("\n\n"):
        section = "\n" + section
    page.write_text(text[:offset] + section + text[offset:])
    add_overview_row(page, number, title, summary)
    examples.cache_clear()
    print(f"Example {number} added:")
    for written in (REPO / snippet, test, page, page.parent / "index.md"):
        print(f"  {relative(written)}")
    print(
        f"Write it, then: python scripts/example.py check {number} --update\n"
        f"(every «write: ...» left on the page fails the tests)"
    )


# ---------------------------------------------------------------- check


def coverage_config_for(files: list[str]) -> str:
    """pyproject.toml's coverage settings, as a .coveragerc in which only this example's
    files must be fully covered (the whole suite checks all of them)."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["coverage"]
    settings["report"]["include"] = files

    def ini(value) -> str:
        if isinstance(value, list):
            return "".join(f"\n    {item}" for item in value)
        return str(value).lower() if isinstance(value, bool) else str(value)

    return "".join(
        f"[{section}]\n"
        + "".join(f"{key} = {ini(value)}\n" for key, value in options.items())
        for section, options in settings.items()
    )


def check(number: int, update: bool) -> int:
    example = next((e for e in examples() if e.number == number), None)
    if example is None:
        sys.exit(f"there is no Example {number}")
    files = example_files(example)
    selection = one_example_selection(example.key)
    base = [sys.executable, "-m", "pytest", "-n0", "-p", "no:cacheprovider"]
    if update:
        print(f"+ rewriting the outputs of {example}")
        subprocess.run(
            [*base, "--no-cov", "-q", *selection, "--update-examples"],
            check=False,  # what it could not fix shows in the check that follows
        )
    with tempfile.NamedTemporaryFile("w", suffix=".coveragerc", delete=False) as rc:
        rc.write(coverage_config_for(files))
    try:
        print(f"+ checking {example}: pytest {' '.join(selection)}")
        result = subprocess.run(
            [
                *base,
                *selection,
                "--cov",
                f"--cov-config={rc.name}",
                "--cov-report=term-missing:skip-covered",
            ],
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            check=False,  # its return code is this command's
        )
    finally:
        os.unlink(rc.name)
    return result.returncode


def example_files(example: Example) -> list[str]:
    """The example's own Python files in snippets/, by its exNN_ prefix."""
    return sorted(
        relative(path)
        for path in (SNIPPETS / example.level).glob(f"{example.key}_*")
        for path in ([path] if path.is_file() else path.rglob("*"))
        if path.suffix == ".py"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    adding = commands.add_parser("new", help="scaffold an example on a page")
    adding.add_argument(
        "page", help="the group page, e.g. docs/beginner/request-bodies.md"
    )
    adding.add_argument("title", help="the example's title, e.g. 'Read a JSON body'")
    adding.add_argument(
        "--summary", required=True, help="one line for the overview table"
    )
    adding.add_argument(
        "--slug", help="file name part after exNN_ (default: from title)"
    )
    adding.add_argument(
        "--after",
        type=int,
        help="insert after this example of the page (default: last)",
    )
    checking = commands.add_parser("check", help="run every check of one example")
    checking.add_argument("number", type=int)
    checking.add_argument(
        "--update", action="store_true", help="rewrite its outputs first"
    )
    commands.add_parser("renumber", help="number examples in course order again")
    arguments = parser.parse_args()
    os.chdir(REPO)
    if arguments.command == "new":
        new(
            arguments.page,
            arguments.title,
            arguments.summary,
            arguments.slug,
            arguments.after,
        )
    elif arguments.command == "check":
        sys.exit(check(arguments.number, arguments.update))
    else:
        renumber()


if __name__ == "__main__":
    main()
