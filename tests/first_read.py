"""What a reader sees of each example before expanding anything: its "first read".

Measured on the built site, not on the Markdown, so that it counts what a browser shows: code
lines included from snippets, open admonitions, and nothing inside a collapsed `???` block.
An example's section runs from its `## Example N: ...` heading to the next `h2`.

- code lines: non-blank lines of every code block that is not collapsed (app, demo, transcript,
  anything else shown open); Mermaid diagrams are not counted;
- words: prose outside code blocks and outside collapsed blocks, open boxes included (a
  collapsed block's one-line title counts, since it is visible);
- open boxes: admonitions (`!!!`) and expanded details (`???+`) that are not inside a
  collapsed block.

BUDGETS is the one statement of the targets; tests/test_first_read.py enforces them and
benchmarks/first_read.py prints every example's figures.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path


@dataclass(frozen=True)
class Budgets:
    median_code_lines: int = 45
    median_words: int = 300
    max_code_lines: int = 80
    max_words: int = 500
    max_open_boxes: int = 3  # Key takeaway, Why it matters, and one more


BUDGETS = Budgets()


@dataclass
class FirstRead:
    page: str  # the page's address in the site, e.g. "beginner/request-bodies/"
    number: int
    title: str
    anchor: str
    code_lines: int = 0
    words: int = 0
    open_boxes: int = 0

    @property
    def name(self) -> str:
        return f"Example {self.number}"


EXAMPLE_ID = re.compile(r"^example-(\d+)-")
# Elements whose text is not prose: anchors beside headings, the file name above a code block.
NOT_PROSE_CLASSES = {"headerlink", "filename"}
VOID_ELEMENTS = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col"}


class _SectionParser(HTMLParser):
    """Walks one page's article and counts what is open in each example section."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.sections: list[FirstRead] = []
        self.current: FirstRead | None = None
        self.stack: list[
            tuple[str, set[str], bool]
        ] = []  # tag, classes, counted-as-closed
        self.collapsed_depth = 0  # inside a <details> without `open`
        self.code_depth = 0  # inside a <pre> that is not a diagram
        self.diagram_depth = 0  # inside <pre class="mermaid">
        self.not_prose_depth = 0
        self.heading: list[str] | None = None  # text of the h2 being read
        self.code_text: list[str] = []
        self.in_article = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "article" and "md-content__inner" in classes:
            self.in_article = True
        if not self.in_article:
            return
        if tag == "h2":
            self._close_section()
            match = EXAMPLE_ID.match(attributes.get("id") or "")
            if match:
                self.current = FirstRead(self.page, int(match[1]), "", attributes["id"])
                self.heading = []
        if tag in VOID_ELEMENTS:
            return
        collapsed = tag == "details" and "open" not in attributes
        self.stack.append((tag, classes, collapsed))
        if collapsed:
            self.collapsed_depth += 1
        if tag == "pre":
            if "mermaid" in classes:
                self.diagram_depth += 1
            else:
                self.code_depth += 1
                if self.code_depth == 1:
                    self.code_text = []
        if classes & NOT_PROSE_CLASSES:
            self.not_prose_depth += 1
        if self.current and not self.collapsed_depth:
            opened_box = (tag == "div" and "admonition" in classes) or (
                tag == "details" and not collapsed
            )
            if opened_box:
                self.current.open_boxes += 1

    def handle_endtag(self, tag):
        if not self.in_article:
            return
        if tag == "article":
            self._close_section()
            self.in_article = False
            return
        if tag in VOID_ELEMENTS or not self.stack:
            return
        # Pop up to the matching tag (the HTML Material writes is well formed).
        while self.stack:
            open_tag, classes, collapsed = self.stack.pop()
            if collapsed:
                self.collapsed_depth -= 1
            if open_tag == "pre":
                if "mermaid" in classes:
                    self.diagram_depth -= 1
                else:
                    self.code_depth -= 1
                    if self.code_depth == 0:
                        self._count_code()
            if classes & NOT_PROSE_CLASSES:
                self.not_prose_depth -= 1
            if open_tag == "h2" and self.heading is not None:
                self.current.title = " ".join("".join(self.heading).split())
                self.heading = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.heading is not None:
            if not self.not_prose_depth:
                self.heading.append(data)
            return
        if not self.current or self.diagram_depth:
            return
        if self.code_depth:
            self.code_text.append(data)
            return
        if self.collapsed_depth and not self._in_summary():
            return
        if not self.not_prose_depth:
            self.current.words += len(data.split())

    def _in_summary(self) -> bool:
        """A collapsed block's title is visible: it is the innermost collapsed details'
        <summary>."""
        for tag, _classes, collapsed in reversed(self.stack):
            if tag == "summary":
                return True
            if collapsed:
                return False
        return False

    def _count_code(self):
        if self.current and not self.collapsed_depth:
            text = "".join(self.code_text)
            self.current.code_lines += sum(
                1 for line in text.splitlines() if line.strip()
            )

    def _close_section(self):
        if self.current:
            self.sections.append(self.current)
        self.current = None


def measure_page(html: str, page: str) -> list[FirstRead]:
    parser = _SectionParser(page)
    parser.feed(html)
    parser.close()
    return parser.sections


def measure_site(site: Path) -> list[FirstRead]:
    """Every example section of a built site, in example order."""
    found = []
    for html in sorted(site.rglob("index.html")):
        address = "".join(part + "/" for part in html.parent.relative_to(site).parts)
        found.extend(measure_page(html.read_text(), address))
    return sorted(found, key=lambda example: example.number)


def level_of(example: FirstRead) -> str:
    return example.page.split("/", 1)[0]


def over_budget(examples: list[FirstRead]) -> list[str]:
    """Every way in which the examples miss BUDGETS, one line each, naming the example or
    the level."""
    problems = [
        problem for example in examples for problem in example_over_budget(example)
    ]
    return problems + levels_over_budget(examples)


def example_over_budget(example: FirstRead) -> list[str]:
    problems = []
    where = f"{example.name} ({example.page}#{example.anchor})"
    if example.code_lines > BUDGETS.max_code_lines:
        problems.append(
            f"{where}: {example.code_lines} open code lines "
            f"(at most {BUDGETS.max_code_lines})"
        )
    if example.words > BUDGETS.max_words:
        problems.append(
            f"{where}: {example.words} open words (at most {BUDGETS.max_words})"
        )
    if example.open_boxes > BUDGETS.max_open_boxes:
        problems.append(
            f"{where}: {example.open_boxes} open boxes "
            f"(at most {BUDGETS.max_open_boxes}; collapse the rest with ???)"
        )
    return problems


def levels_over_budget(examples: list[FirstRead]) -> list[str]:
    problems = []
    levels: dict[str, list[FirstRead]] = {}
    for example in examples:
        levels.setdefault(level_of(example), []).append(example)
    for level, members in levels.items():
        lines = statistics.median(example.code_lines for example in members)
        words = statistics.median(example.words for example in members)
        if lines > BUDGETS.median_code_lines:
            problems.append(
                f"{level}: median {lines} open code lines per example "
                f"(at most {BUDGETS.median_code_lines})"
            )
        if words > BUDGETS.median_words:
            problems.append(
                f"{level}: median {words} open words per example "
                f"(at most {BUDGETS.median_words})"
            )
    return problems
