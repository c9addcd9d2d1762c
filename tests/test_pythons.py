"""One list of supported Pythons, and everything that names them agrees with it.

The list is pyproject.toml's `Programming Language :: Python :: 3.X` classifiers, read by
docs_extensions/pythons.py. requires-python, the lock's command, the nox sessions, the
GitHub workflow, the README and the home page must all say the same.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml
from packaging.specifiers import SpecifierSet

from docs_extensions.pythons import in_words, minimum_python, supported_pythons
from site_sources import REPO

PYTHONS = supported_pythons()
README = (REPO / "README.md").read_text()


def minor(version: str) -> int:
    return int(version.split(".")[1])


def test_the_list_is_consecutive_releases():
    minors = [minor(version) for version in PYTHONS]
    assert minors == list(range(minors[0], minors[0] + len(minors))), PYTHONS


def test_requires_python_admits_exactly_the_list():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requires = SpecifierSet(project["requires-python"])
    assert minimum_python().startswith(f"{PYTHONS[0]}."), (
        f"requires-python {requires} does not start at {PYTHONS[0]}"
    )
    for version in PYTHONS:
        assert f"{version}.99" in requires, (
            f"requires-python {requires} excludes {version}"
        )
    assert f"3.{minor(PYTHONS[0]) - 1}.99" not in requires, (
        f"requires-python {requires} admits a Python older than {PYTHONS[0]}"
    )


def test_the_lock_is_compiled_for_the_oldest_with_the_readme_command():
    header = (REPO / "requirements.lock").read_text().splitlines()[:3]
    command = next(line for line in header if "uv pip compile" in line)
    command = command.lstrip("# ")
    assert f"--python-version {minimum_python()} " in command, command
    assert f"\n{command}\n" in README, (
        f"README.md's 'Updating the pinned versions' should show the lock's command: {command}"
    )


def test_nox_has_a_session_for_each():
    """Selected (*) or not (-, when this machine lacks that Python), one session each."""
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    sessions = re.findall(r"^[*-] (\S+)", listed.stdout, re.MULTILINE)
    assert sessions == [f"docs-{version}" for version in PYTHONS]


def test_the_workflow_tests_each():
    workflow = yaml.safe_load((REPO / ".github/workflows/site.yml").read_text())
    jobs = workflow["jobs"]
    assert jobs["docs"]["strategy"]["matrix"]["python"] == PYTHONS
    # The whole suite runs on the newest, as .ci/run picks it (coverage's verdict needs 3.12+);
    # the published build on the oldest.
    image = jobs["suite"]["container"]["image"]
    assert re.fullmatch(rf"python:{re.escape(PYTHONS[-1])}-\w+", image), image
    for name, job in jobs.items():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/setup-python@"):
                wanted = step["with"]["python-version"]
                assert wanted in (PYTHONS[0], "${{ matrix.python }}"), (name, wanted)


def test_the_readme_names_them_and_says_why_not_the_one_before():
    quick_start = README.split("## Quick start", 1)[1].split("```", 1)[0]
    wanted = f"with Python {in_words('or')}:"
    assert wanted in " ".join(quick_start.split()), (
        f"README.md's Quick start should say {wanted!r}:\n{quick_start}"
    )
    assert f"Python 3.{minor(PYTHONS[0]) - 1} is not supported" in README


def test_the_home_page_names_them(built_site):
    home = (built_site / "index.html").read_text()
    assert "[[python-versions]]" not in home
    assert f"checked on Python {in_words('and')}:" in home
