"""Replace a `[[library-versions]]` line with a table of the installed library versions.

The tests check every output on the site against the installed libraries, so the versions
that are installed when the site is built are the versions that produced those outputs.
Reading them here, rather than typing them, keeps the table true after every upgrade.
"""

import platform
from importlib.metadata import PackageNotFoundError, version

from markdown import Extension
from markdown.preprocessors import Preprocessor

PLACEHOLDER = "[[library-versions]]"


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
