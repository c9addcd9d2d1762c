""" "Run it for real": every console transcript on a page is replayed against a real server.

See transcripts.py for the format. Each page's transcripts run in one test, so that
`pytest --update-examples` rewrites a page once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest

from conftest import load_snippet
from site_sources import SNIPPETS, page_examples, pages, relative
from transcripts import (
    SHOWN_SERVICES,
    Step,
    Transcript,
    comparable,
    free_port,
    rewrite,
    run_command,
    run_test_command,
    serve,
    serve_process,
    transcripts,
)


def transcripts_by_owner() -> list[tuple[str, list[Transcript]]]:
    """Each example's transcripts under its key (`pytest -k ex08` replays Example 8's), and
    those outside any example section (topic pages) under their page."""
    owned: dict[str, list[Transcript]] = {}
    for page in pages():
        sections = page_examples(page)
        for transcript in transcripts(page):
            owner = next(
                (
                    str(example)
                    for example in sections
                    if example.line
                    <= transcript.fence.line
                    < example.line + example.text.count("\n")
                ),
                relative(page),
            )
            owned.setdefault(owner, []).append(transcript)
    return list(owned.items())


@pytest.fixture(scope="session", autouse=True)
def require_curl():
    if shutil.which("curl") is None:
        pytest.fail(
            "the transcripts are replayed with curl; install it (apt-get install curl)"
        )


@pytest.mark.parametrize(
    ("owner", "owned"),
    transcripts_by_owner(),
    ids=[o for o, _ in transcripts_by_owner()],
)
def test_transcripts_replay(owner: str, owned: list[Transcript], request):
    update = request.config.getoption("update_examples")
    changed = []
    for transcript in owned:
        with replaying(transcript, services(transcript, request)) as run:
            for step in transcript.steps:
                actual = run(step)
                if comparable(actual) == comparable(step.shown_output):
                    continue
                if not update:
                    pytest.fail(
                        f"{transcript.where}: `{step.command}` printed:\n"
                        + "\n".join(actual)
                        + "\nbut the page shows:\n"
                        + "\n".join(step.shown_output)
                        + "\n(run `pytest --update-examples` to rewrite it)",
                        pytrace=False,
                    )
                step.shown_output = actual
                if transcript not in changed:
                    changed.append(transcript)
    if changed:
        rewrite(changed[0].fence.page, changed)


def services(transcript: Transcript, request) -> dict[str, str]:
    """The shown addresses of servers this transcript uses (SHOWN_SERVICES), each with the
    address of the real one that the tests start for it."""
    used = " ".join([transcript.server_command or "", *transcript.environment.values()])
    return {
        shown: request.getfixturevalue(fixture)
        for shown, fixture in SHOWN_SERVICES.items()
        if shown in used
    }


@contextmanager
def replaying(
    transcript: Transcript, addresses: dict[str, str]
) -> Iterator[Callable[[Step], list[str]]]:
    """How to run each command of a transcript: curl against the example served for real,
    or, for a block of test commands, each command on its own."""
    if transcript.server_command is None:
        yield lambda step: run_test_command(step.command)
        return
    variables: dict[str, str] = {}
    environment = dict(transcript.environment)
    for name, value in environment.items():
        for shown, real in addresses.items():
            environment[name] = value = value.replace(shown, real)
    # The environment is set before the snippet is imported: settings read at import see it.
    with patch.dict(os.environ, environment):
        if transcript.own_process:
            server = serve_process(transcript, environment)
        else:
            app = getattr(load_snippet(transcript.snippet), transcript.app_name)
            server = serve(app)
        with server as base_url:
            yield lambda step: run_command(
                step.command, step.shown_output, base_url, variables
            )


def test_fastapi_dev_serves_an_example_from_any_directory(tmp_path):
    """The transcripts above are replayed in-process, for speed. This runs the real
    `fastapi dev` command once, from an unrelated directory, the way a reader would."""
    fastapi_cli = Path(sys.executable).parent / "fastapi"
    snippet = SNIPPETS / "beginner" / "ex01_minimal_app.py"
    port = free_port()
    server = subprocess.Popen(
        [fastapi_cli, "dev", snippet, "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the reloader starts a child process; stop them together
    )
    try:
        body = get_when_up(f"http://127.0.0.1:{port}/hello", server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=20)[0]
    assert body == b'{"message":"Hello World"}', output
    assert (
        "Will watch for changes" in output
    )  # the reloader behind "reloads when you save"


def get_when_up(url: str, server: subprocess.Popen, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
