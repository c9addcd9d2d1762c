"""Replace a `[[library-versions]]` line with a table of the installed library versions, and
a `[[python-versions]]` line with the sentence that names the supported Pythons.

The tests check every output on the site against the installed libraries, so the versions
that are installed when the site is built are the versions that produced those outputs.
Reading them here, rather than typing them, keeps the table true after every upgrade. The
Pythons come from the one list in pyproject.toml (docs_extensions/pythons.py).

A Markdown extension, not a MkDocs plugin or hook, so that Zensical runs it too.
"""

import platform
from importlib.metadata import PackageNotFoundError, version

from markdown import Extension
from markdown.preprocessors import Preprocessor

from docs_extensions.pythons import in_words

PLACEHOLDER = "[[library-versions]]"
PYTHONS_PLACEHOLDER = "[[python-versions]]"


def pythons_sentence() -> str:
    return (
        f"Every output on this site is checked on Python {in_words('and')}: the tests "
        "run on each of them before the site is published."
    )


def versions_table(packages: list[str]) -> list[str]:
    rows = [
        "| Library | Version |",
        "| --- | --- |",
        f"| Python | {platform.python_version()} |",
    ]
    for package in packages:
        try:
            rows.append(f"| {package} | {version(package)} |")
        except PackageNotFoundError:
            raise ValueError(
                f"library_versions: {package!r} is listed in mkdocs.yml but is not installed"
            ) from None
    return rows


class LibraryVersionsPreprocessor(Preprocessor):
    def __init__(self, md, packages: list[str]):
        super().__init__(md)
        self.packages = packages

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        for line in lines:
            if line.strip() == PLACEHOLDER:
                result.extend(["", *versions_table(self.packages), ""])
            elif line.strip() == PYTHONS_PLACEHOLDER:
                result.append(pythons_sentence())
            else:
                result.append(line)
        return result


class LibraryVersionsExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"packages": [[], "Distribution names to list, in order."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Before the snippets preprocessor (priority 32) and the table parser run.
        md.preprocessors.register(
            LibraryVersionsPreprocessor(md, self.getConfig("packages")),
            "library_versions",
            33,
        )


def makeExtension(**kwargs):
    return LibraryVersionsExtension(**kwargs)
