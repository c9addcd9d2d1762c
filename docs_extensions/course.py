"""Replace `[[examples]]` with the number of examples in the course, and
`[[examples:beginner]]` with the number in one level, counted from the pages themselves.

An example is a `## Example N: Title` heading in a page under docs/LEVEL/; counting them here,
rather than typing the number, keeps the home page true when an example is added.
"""

import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

PLACEHOLDER = re.compile(r"\[\[examples(?::([a-z]+))?\]\]")
EXAMPLE_HEADING = re.compile(r"^## Example \d+: ", re.MULTILINE)


def count_examples(docs: Path, level: str | None) -> int:
    folders = (
        [docs / level] if level else [path for path in docs.iterdir() if path.is_dir()]
    )
    missing = [folder for folder in folders if not folder.is_dir()]
    if missing:
        raise ValueError(f"course: there is no level folder {missing[0]}")
    return sum(
        len(EXAMPLE_HEADING.findall(page.read_text()))
        for folder in folders
        for page in folder.rglob("*.md")
    )


class CoursePreprocessor(Preprocessor):
    def __init__(self, md, docs: Path):
        super().__init__(md)
        self.docs = docs

    def run(self, lines: list[str]) -> list[str]:
        return [
            PLACEHOLDER.sub(
                lambda match: str(count_examples(self.docs, match[1])), line
            )
            for line in lines
        ]


class CourseExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "docs_dir": [
                "docs",
                "The pages' folder, relative to where the site is built.",
            ]
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.preprocessors.register(
            CoursePreprocessor(md, Path(self.getConfig("docs_dir"))), "course", 33
        )


def makeExtension(**kwargs):
    return CourseExtension(**kwargs)
