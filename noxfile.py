"""The doc tests on every supported Python: `nox` runs them on each one this machine has.

One session per Python (`nox -l` lists them, `nox -s docs-3.13` runs one). Each installs
requirements.lock into its own environment under .nox/, as a reader would, and runs the
suite except the parts that run once, on one Python, with the README's test command.
`nox` alone runs the sessions whose Python the machine has, and names the others in one line.

The list of Pythons is pyproject.toml's classifiers (docs_extensions/pythons.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nox
from nox.logger import logger
from python_discovery import get_interpreter  # nox's own finder

# nox does not put the noxfile's folder on sys.path, and the GitHub workflow runs nox without
# the project installed.
sys.path.insert(0, str(Path(__file__).parent))
from docs_extensions.pythons import pyenv_python, supported_pythons

PYTHONS = supported_pythons()

# Not Python-dependent, and so run once by the README's test command: the browser tests
# (Chromium), the fuzzing (slow), the drift proof (runs the suite again on a copy), and the
# workflow's lint (Node). Everything else runs on every Python, new test files included.
RUN_ONCE = [
    "-m",
    "not browser and not fuzz",
    "--ignore=tests/test_drift.py",
    "--ignore=tests/test_workflow.py",
]

nox.options.default_venv_backend = "uv"  # installs the lock in seconds, from one cache
# Check the Pythons the machine has; fetching one would need more than the package
# registries, which are all that CI machines here reach.
nox.options.download_python = "never"
# nox makes a missing Python an error when CI is set. Here only sessions whose Python was
# found run by default; the GitHub workflow, whose jobs each set up their own Python, passes
# --error-on-missing-interpreters.
nox.options.error_on_missing_interpreters = False


def find_python(version: str) -> str | None:
    """Where the machine keeps `version`: pyenv's folder, else wherever nox would look."""
    if found := pyenv_python(version):
        return found
    interpreter = get_interpreter(version)
    return interpreter.executable if interpreter else None


def doc_tests(session: nox.Session) -> None:
    """The doc tests, with the lock installed as a reader installs it."""
    session.install("-r", "requirements.lock")
    session.run("pytest", "--no-cov", *RUN_ONCE, *session.posargs)


FOUND = {version: find_python(version) for version in PYTHONS}
for version, interpreter in FOUND.items():
    # A missing one keeps its version as the spec, so that `nox -s docs-3.14` says why.
    nox.session(name=f"docs-{version}", python=interpreter or version)(doc_tests)

# Without -s, `nox` runs what the machine has, and names each missing Python in one line
# (nox itself would print three). With -s, as .ci/run calls it once per Python, the line
# would only repeat.
nox.options.sessions = [f"docs-{version}" for version, found in FOUND.items() if found]
if not any(re.match(r"-[se]$|--sessions?\b", arg) for arg in sys.argv[1:]):
    for version, found in FOUND.items():
        if not found:
            logger.warning(
                f"Session docs-{version} skipped: no Python {version} on PATH"
                " or in ~/.pyenv/versions"
            )
