"""The Pythons the site supports: one list, the `Programming Language :: Python :: 3.X`
classifiers in pyproject.toml.

noxfile.py runs the doc tests on each of them, the home page names them, and
tests/test_pythons.py fails when requires-python, the lock's command, the GitHub workflow or
the README says otherwise. `python -m docs_extensions.pythons` prints them (.ci/run uses it).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

# Read from the source tree, not from installed metadata, which an editable install only
# refreshes when it is reinstalled.
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)")


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text())["project"]


def supported_pythons() -> list[str]:
    """["3.11", "3.12", ...], oldest first."""
    found = [
        match[1]
        for classifier in _project()["classifiers"]
        if (match := CLASSIFIER.fullmatch(classifier))
    ]
    return sorted(found, key=lambda version: int(version.split(".")[1]))


def minimum_python() -> str:
    """The oldest release the lock installs on: requires-python's `>=` bound, e.g. 3.11.5."""
    return re.fullmatch(r">=\s*([\d.]+)", _project()["requires-python"])[1]


def in_words(conjunction: str = "and") -> str:
    """ "3.11 (3.11.5 or newer), 3.12, 3.13 and 3.14": how the README and home page say it."""
    versions = supported_pythons()
    oldest, minimum = versions[0], minimum_python()
    if minimum != oldest:
        versions[0] = f"{oldest} ({minimum} or newer)"
    if len(versions) == 1:
        return versions[0]
    return f"{', '.join(versions[:-1])} {conjunction} {versions[-1]}"


if __name__ == "__main__":
    print(*supported_pythons())
