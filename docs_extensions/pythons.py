"""The Pythons the site supports: one list, the `Programming Language :: Python :: 3.X`
classifiers in pyproject.toml.

noxfile.py runs the doc tests on each of them, the home page names them, and
tests/test_pythons.py fails when requires-python, the lock's command, the GitHub workflow or
the README says otherwise. `python -m docs_extensions.pythons` prints them, and with
`--newest-installed` the path of the newest one this machine has (.ci/run uses both).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


def pyenv_python(version: str) -> str | None:
    """The newest pyenv build of `version` ("3.12"), or None. pyenv's shims on PATH answer
    only for the active version, so look in its folder."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    builds = [
        folder
        for folder in root.glob(f"{version}.*")
        if re.fullmatch(rf"{re.escape(version)}\.\d+", folder.name)
        and (folder / "bin" / f"python{version}").exists()
    ]
    if not builds:
        return None
    newest = max(builds, key=lambda folder: int(folder.name.split(".")[2]))
    return str(newest / "bin" / f"python{version}")


def newest_installed() -> str | None:
    """The newest supported Python that runs here: pyenv's, else one on PATH."""
    for version in reversed(supported_pythons()):
        for candidate in (pyenv_python(version), shutil.which(f"python{version}")):
            if candidate and runs(candidate):
                return candidate
    return None


def runs(python: str) -> bool:
    """A pyenv shim for a version that is not active exists, and fails."""
    return (
        subprocess.run([python, "-c", ""], check=False, capture_output=True).returncode
        == 0
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--newest-installed"]:
        found = newest_installed()
        if not found:
            sys.exit(f"none of the supported Pythons ({in_words('or')}) is installed")
        print(found)
    else:
        print(*supported_pythons())
