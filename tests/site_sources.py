"""What the site is made of: pages in docs/, snippet files in snippets/, and how pages use them.

Every test that needs to know where examples live or how a page includes them asks this
module, so those rules are written down once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
SNIPPETS = REPO / "snippets"
LEVELS = ("beginner", "intermediate", "advanced")


def relative(path: Path) -> str:
    """A repository-relative path, the way pages and error messages name files."""
    return path.resolve().relative_to(REPO).as_posix()


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def url_path(page: Path) -> str:
    """Where MkDocs (and Zensical) publish a page: docs/a/b.md -> a/b/, docs/a/index.md -> a/."""
    parts = page.relative_to(DOCS).with_suffix("").parts
    if parts[-1] == "index":
        parts = parts[:-1]
    return "".join(part + "/" for part in parts)


def snippet_files() -> list[Path]:
    """Every file an example is made of: modules, and the templates or assets beside them."""
    return sorted(
        path
        for path in SNIPPETS.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.startswith(".") for part in path.relative_to(SNIPPETS).parts)
    )


def snippet_modules() -> list[Path]:
    """The examples' Python modules; not the test files some examples show (test_*.py),
    which their pages run with `$ pytest ...` (see transcripts.py)."""
    return [
        path
        for path in snippet_files()
        if path.suffix == ".py" and not path.name.startswith("test_")
    ]


def app_modules() -> list[Path]:
    """The snippet modules that define an `app` (not the server configuration files some
    examples keep beside their module, such as a Gunicorn config)."""
    defines_app = re.compile(r"^app\s*(:[^=\n]*)?=", re.MULTILINE)
    return [path for path in snippet_modules() if defines_app.search(path.read_text())]


# --8<-- [start:name] / [end:name] in a snippet file (after its comment sign: #, <!--, /*).
SECTION_MARKER = re.compile(
    r"-{1,}8<-{1,}\s*\[\s*(start|end)\s*:\s*([a-z][-_0-9a-z]*)\s*\]"
)


def sections(snippet: Path) -> dict[str, tuple[int, int]]:
    """Named sections of a snippet file: name -> (start line, end line), 1-based.

    A section that is opened and never closed, closed and never opened, or opened twice is
    an error naming the file and line, because pymdownx would silently show the wrong code.
    """
    found: dict[str, tuple[int, int]] = {}
    open_at: dict[str, int] = {}
    where = relative(snippet)
    for number, line in enumerate(snippet.read_text().splitlines(), start=1):
        for kind, name in SECTION_MARKER.findall(line):
            if kind == "start":
                if name in open_at or name in found:
                    raise ValueError(f"{where}:{number}: section {name!r} starts twice")
                open_at[name] = number
            elif name not in open_at:
                raise ValueError(
                    f"{where}:{number}: section {name!r} ends but never starts"
                )
            else:
                found[name] = (open_at.pop(name), number)
    for name, number in open_at.items():
        raise ValueError(f"{where}:{number}: section {name!r} starts but never ends")
    return found


@dataclass(frozen=True)
class Include:
    page: Path
    line: int
    target: str  # repository-relative path, as written on the page
    section: str | None

    @property
    def where(self) -> str:
        return f"{relative(self.page)}:{self.line}"


# The one include form pages use: --8<-- "snippets/path/file.py:section" (section optional).
INCLUDE = re.compile(
    r'^\s*-{1,}8<-{1,}\s+"(?P<target>[^":]+)(?::(?P<section>[^"]+))?"\s*$'
)


def includes(page: Path) -> list[Include]:
    """Every snippet include on a page. A line that mentions --8<-- in any other form is an
    error: pymdownx might read it differently from this check, or not at all."""
    found = []
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if "8<-" not in line:
            continue
        match = INCLUDE.match(line)
        if not match:
            raise ValueError(
                f'{relative(page)}:{number}: write includes as --8<-- "snippets/FILE:SECTION", '
                f"not {line.strip()!r}"
            )
        found.append(Include(page, number, match["target"], match["section"]))
    return found


@dataclass(frozen=True)
class Fence:
    page: Path
    line: int  # 1-based line of the opening ``` line
    language: str
    indent: str  # the fence's own indentation, which every body line also carries
    body: str
    body_start: int  # character offsets of the body within the page text
    body_end: int

    @property
    def where(self) -> str:
        return f"{relative(self.page)}:{self.line}"


FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})[ \t]*(?P<language>[\w+-]*)[^\n]*\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=ticks)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def fences(page: Path) -> list[Fence]:
    text = page.read_text()
    return [
        Fence(
            page=page,
            line=text.count("\n", 0, match.start()) + 1,
            language=match["language"].lower(),
            indent=match["indent"],
            body=match["body"],
            body_start=match.start("body"),
            body_end=match.end("body"),
        )
        for match in FENCE.finditer(text)
    ]


class _AnyTagLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without MkDocs: its !ENV and !!python/name tags read as None."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_AnyTagLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *args: None)


def nav_pages() -> list[Path]:
    """The pages in the order of mkdocs.yml's nav: the order of the course."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_AnyTagLoader)
    found: list[Path] = []

    def walk(entry):
        if isinstance(entry, str):
            if entry.endswith(".md"):
                found.append(DOCS / entry)
        elif isinstance(entry, list):
            for item in entry:
                walk(item)
        elif isinstance(entry, dict):
            for value in entry.values():
                walk(value)

    walk(config.get("nav", []))
    return found


EXAMPLE_HEADING = re.compile(r"^## Example (\d+): (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    """One `## Example N: Title` section of a page, up to the next `## ` heading."""

    number: int
    title: str
    page: Path
    line: int  # 1-based line of the heading
    text: str  # the section's Markdown, heading included

    @property
    def key(self) -> str:
        """How file names and test ids name the example: ex08. `pytest -k ex08` selects
        every test of Example 8."""
        return f"ex{self.number:02d}"

    @property
    def level(self) -> str:
        return self.page.relative_to(DOCS).parts[0]

    @property
    def where(self) -> str:
        return f"{relative(self.page)}:{self.line}"

    def __str__(self) -> str:
        return f"{self.key} ({relative(self.page)})"

    def includes(self) -> list[Include]:
        return [
            include
            for include in includes(self.page)
            if self.line <= include.line < self.line + self.text.count("\n") + 1
        ]


def page_examples(page: Path) -> list[Example]:
    text = page.read_text()
    headings = list(re.finditer(r"^## .*$", text, re.MULTILINE))
    found = []
    for index, heading in enumerate(headings):
        match = EXAMPLE_HEADING.match(heading[0])
        if not match:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        found.append(
            Example(
                number=int(match[1]),
                title=match[2],
                page=page,
                line=text.count("\n", 0, heading.start()) + 1,
                text=text[heading.start() : end],
            )
        )
    return found


def page_id(page: Path) -> str:
    """A page's test id, naming its examples, so that `pytest -k ex08` also runs the checks
    of the page that shows Example 8: "docs/beginner/request-bodies.md (ex08 ex09 ex10)"."""
    keys = " ".join(example.key for example in page_examples(page))
    return f"{relative(page)} ({keys})" if keys else relative(page)


@cache
def examples() -> tuple[Example, ...]:
    """Every example of the course, in the order readers meet them (nav, then page)."""
    return tuple(example for page in nav_pages() for example in page_examples(page))


# The whole-site checks an author's one-example loop runs besides the example's own tests:
# the strict build (links, anchors, includes) and the course's numbering and overviews.
SITE_CHECKS = (
    "test_every_page_is_built",
    "test_examples_are_numbered_in_course_order",
    "test_overview_links_every_example_in_order",
)


def one_example_modules(key: str | None) -> list[str]:
    """The test modules that hold everything about one example: the site-wide ones and the
    example's own. Naming them spares pytest importing every other example's tests only to
    find that `-k` deselects them all (test_pages.py checks that none of theirs would match)."""
    tests = REPO / "tests"
    own = sorted(tests.glob(f"*/test_{key}_*.py")) if key else []
    return [relative(module) for module in [*sorted(tests.glob("test_*.py")), *own]]


def one_example_selection(key: str | None) -> list[str]:
    """pytest arguments selecting everything about one example (`-k ex08` matches its
    snippet, its tests, its fuzzing, its transcripts and its page's checks) and the site
    checks; with no key, the site checks alone."""
    return [
        *one_example_modules(key),
        "-k",
        " or ".join([key, *SITE_CHECKS] if key else SITE_CHECKS),
    ]
