"""Shell transcripts on pages ("Run it for real"), and how to replay them.

A ```console block on a page is a transcript:

    $ fastapi dev snippets/beginner/ex01_minimal_app.py
    $ curl -s http://127.0.0.1:8000/hello
    {"message":"Hello World"}

The first command starts the example's server (it may set environment variables first, as
in `$ API_KEY=s3cret fastapi dev ...`, which are set while the transcript replays, and may
name another application object of the snippet with `--app NAME`, as `fastapi dev` allows). Each
following `$ curl ...` line is run for real against that app served by uvicorn on a free
loopback port, and the lines under it must be exactly what curl printed, except the values
of VOLATILE_HEADERS. `pytest --update-examples` writes them instead of checking.

A server command with other options (`fastapi run FILE --workers 2`), or one that starts
uvicorn or Gunicorn by module path (`gunicorn snippets.advanced.ex64_x:app -c FILE`), is run
for real, as its own processes, from the repository root, on a free loopback port: the replay
adds the host and port options (PORT_OPTIONS), so the page shows the command a reader types.

A server command may name a database or cache at its usual local address, as a reader with
one running would type it: `$ REDIS_URL=redis://127.0.0.1:6379/0 fastapi run ...`. The replay
starts the real server (tests/servers.py) and puts its address in place of each address in
SHOWN_SERVICES.

A command may keep what it printed in a shell variable for the commands after it, as a reader's
shell does; it shows no output itself. The commands run in bash, so pipes work too:

    $ TOKEN=$(curl -s -d username=alice -d password=... http://127.0.0.1:8000/token | jq -r .access_token)
    $ curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/users/me

A WebSocket conversation is shown with the websockets library's own client, after the server
command, the way a reader types it: lines starting with `> ` are what the reader typed (sent to
the client's standard input, each once the client has gone quiet), `< ` lines what the server
sent, as the client prints them:

    $ python -m websockets ws://127.0.0.1:8000/ws
    Connected to ws://127.0.0.1:8000/ws.
    > hello
    < echo: hello
    Connection closed: 1000 (OK).

A block that starts with `$ pytest ...` shows an example's own test files being run: each
command runs from the repository root, as a reader would type it, and the lines under it must
be what it printed, except durations ("in 0.12s").
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import uvicorn

from site_sources import REPO, Fence, fences

PROMPT = "$ "
# The address every transcript is written against: `fastapi dev`'s default.
SHOWN_ORIGIN = "http://127.0.0.1:8000"
# Optionally preceded by environment variables, as a shell allows: `API_KEY=x fastapi dev ...`.
SERVER_COMMAND = re.compile(
    r"^(?P<environment>(?:[A-Z][A-Z0-9_]*=\S+ )*)"
    r"(?P<program>fastapi (?:dev|run)|uvicorn|gunicorn) (?P<target>\S+)"
    r"(?P<options>(?: \S+)*)$"
)
# How each program is told where to listen when a transcript runs it as its own process.
PORT_OPTIONS = {
    "fastapi": ["--host", "127.0.0.1", "--port", "{port}"],
    "uvicorn": ["--host", "127.0.0.1", "--port", "{port}"],
    "gunicorn": ["--bind", "127.0.0.1:{port}"],
}
WEBSOCKET_CLIENT = "python -m websockets "
# A shell variable set from a command's output, for the commands after it: a token from a
# login, used as `-H "Authorization: Bearer $TOKEN"`. It shows no output of its own.
ASSIGNMENT = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)=\$\((?P<command>curl .*)\)$")
# What the websockets client adds for a terminal: its "> " prompt, cursor moves, erasing.
TERMINAL_CONTROL = re.compile(
    r"(?:> )+(?=\x1b7|\r|\n|$)|\x1b[78]|\x1b\[[0-9;]*[A-Za-z]|\r"
)
# Addresses a transcript may show for a server the tests start, and the fixture that starts it.
SHOWN_SERVICES = {
    "redis://127.0.0.1:6379/0": "redis_url",
    "postgresql+asyncpg://examples@127.0.0.1:5432/examples": "postgres_url",
}
# A command that runs an example's test files; it needs no server.
TEST_COMMAND = re.compile(r"^pytest\b")
# Response headers whose values change on every run; their values are not compared.
VOLATILE_HEADERS = ("date", "x-process-time", "etag", "last-modified", "retry-after")
VOLATILE = re.compile(
    rf"^({'|'.join(VOLATILE_HEADERS)}): .*$", re.IGNORECASE | re.MULTILINE
)
DURATION = re.compile(r"\b(in) \d+(?:\.\d+)?s\b")


@dataclass
class Step:
    command: str
    shown_output: list[str]


@dataclass
class Transcript:
    fence: Fence
    server_command: str | None  # None: a block of test commands, which need no server
    snippet: Path | None
    steps: list[Step]
    environment: dict[str, str]  # variables the server command sets, e.g. an API key
    app_name: (
        str  # the application object it serves: `app`, or the one `--app NAME` names
    )
    own_process: bool = (
        False  # run the server command itself, not the app in this process
    )

    @property
    def where(self) -> str:
        return self.fence.where


def parse(fence: Fence) -> Transcript:
    lines = [line.removeprefix(fence.indent) for line in fence.body.splitlines()]
    if not lines or not lines[0].startswith(PROMPT):
        raise ValueError(f"{fence.where}: a console block starts with a `$ ` command")
    server_command = lines[0].removeprefix(PROMPT)
    if TEST_COMMAND.match(server_command):
        return parse_test_commands(fence, lines)
    match = SERVER_COMMAND.match(server_command)
    if not match:
        raise ValueError(
            f"{fence.where}: a console block starts by serving an example "
            f"(`fastapi dev snippets/...py`), not with {server_command!r}"
        )
    target = match["target"]
    if not match["program"].startswith(
        "fastapi"
    ):  # a module path: snippets.level.ex:app
        target = target.split(":")[0].replace(".", "/") + ".py"
    snippet = REPO / target
    if not snippet.is_file():
        raise ValueError(f"{fence.where}: {target} does not exist")
    options = match["options"].split()
    app_name = "app"
    if options[:1] == ["--app"] and len(options) >= 2:
        app_name, options = options[1], options[2:]
    own_process = bool(options) or not match["program"].startswith("fastapi")
    steps: list[Step] = []
    for line in lines[1:]:
        if line.startswith(PROMPT):
            command = line.removeprefix(PROMPT)
            if not (
                command.startswith(("curl ", WEBSOCKET_CLIENT))
                or ASSIGNMENT.match(command)
            ):
                raise ValueError(
                    f"{fence.where}: only `curl`, `{WEBSOCKET_CLIENT}` and "
                    f"`NAME=$(curl ...)` commands follow the server, not {command!r}"
                )
            steps.append(Step(command, []))
        elif steps:
            steps[-1].shown_output.append(line)
        elif line.strip():
            raise ValueError(
                f"{fence.where}: the server command's own output is not shown: {line!r}"
            )
    if not steps:
        raise ValueError(f"{fence.where}: the transcript has no curl command to replay")
    environment = dict(pair.split("=", 1) for pair in match["environment"].split())
    return Transcript(
        fence, server_command, snippet, steps, environment, app_name, own_process
    )


def parse_test_commands(fence: Fence, lines: list[str]) -> Transcript:
    steps: list[Step] = []
    for line in lines:
        if line.startswith(PROMPT):
            command = line.removeprefix(PROMPT)
            if not TEST_COMMAND.match(command):
                raise ValueError(
                    f"{fence.where}: a block of test commands has only `$ pytest ...` "
                    f"lines, not {command!r}"
                )
            steps.append(Step(command, []))
        else:
            steps[-1].shown_output.append(line)
    return Transcript(fence, None, None, steps, {}, "")


def run_test_command(command: str) -> list[str]:
    """Run a shown `pytest ...` command from the repository root, as a reader would (in a
    new process, so none of this test run's options or plugins leak into it)."""
    argv = shlex.split(command)
    result = subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # a failing test run is shown like any other output
        # No cache folder left beside the example's tests; the output is the same.
        # pytest fits its lines to the terminal: the width of the page's code, every time.
        # On CI (CI or BUILD_NUMBER set) it stops shortening its summary lines; a reader's
        # terminal is not a CI job.
        env={
            **{k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")},
            "PYTEST_ADDOPTS": "-p no:cacheprovider",
            "PY_COLORS": "0",
            "COLUMNS": "80",
        },
    )
    return [line.rstrip() for line in result.stdout.splitlines()]


def transcripts(page: Path) -> list[Transcript]:
    return [parse(fence) for fence in fences(page) if fence.language == "console"]


def free_port() -> int:
    """A loopback port free right now, for a server that must be told its port up front."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(app, logs: bool = False) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port; yield its base URL.

    With `logs`, uvicorn's own loggers (its access log and its error log) are left as they
    are and propagate, so a test's `caplog` sees what a server's log would show."""
    options = {"log_config": None} if logs else {"log_level": "warning"}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_process(transcript: Transcript, environment: dict[str, str]) -> Iterator[str]:
    """Run a transcript's server command for real, with these environment variables,
    listening on a free loopback port; yield its base URL. Its processes (workers included)
    are stopped together at the end."""
    argv = shlex.split(transcript.server_command)
    argv = argv[
        len(transcript.environment) :
    ]  # the VAR=value words go to the environment
    port = free_port()
    argv += [part.format(port=port) for part in PORT_OPTIONS[argv[0]]]
    program = Path(sys.executable).parent / argv[0]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [str(program), *argv[1:]],
            cwd=REPO,
            env={**os.environ, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the server and its workers, stopped as one group
        )
        try:
            wait_for_port(port, server, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def wait_for_port(
    port: int, server: subprocess.Popen, log: IO[str] | None = None, timeout: float = 30
) -> None:
    """Wait until a server process accepts connections on a loopback port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                output = ""
                if log:
                    log.seek(0)
                    output = log.read()
                raise RuntimeError(
                    f"the server did not start on port {port}:\n{output}"
                ) from None
            time.sleep(0.05)


def run_command(
    command: str, shown_output: list[str], base_url: str, variables: dict[str, str]
) -> list[str]:
    """Run one command that follows the server command, against base_url. `variables`
    holds the shell variables set by earlier `NAME=$(...)` commands of the same block."""
    if command.startswith(WEBSOCKET_CLIENT):
        return run_websocket_client(command, shown_output, base_url)
    assignment = ASSIGNMENT.match(command)
    if assignment:
        output = run_curl(assignment["command"], base_url, variables)
        variables[assignment["name"]] = "\n".join(output)
        return []
    return run_curl(command, base_url, variables)


def run_websocket_client(command: str, shown: list[str], base_url: str) -> list[str]:
    """Run `python -m websockets URL`, typing each `> ` line of the shown conversation once
    the client has printed what the page shows before it (or, for a new conversation, once
    it has gone quiet), and return what a terminal would show."""
    typed = [line[2:] for line in shown if line.startswith("> ")]
    # How many lines the page shows before each typed line, and in all.
    expected = [
        index - number
        for number, index in enumerate(
            index for index, line in enumerate(shown) if line.startswith("> ")
        )
    ] + [len(shown) - len(typed)]
    websocket_url = base_url.replace("http://", "ws://")
    argv = shlex.split(
        command.replace(SHOWN_ORIGIN.replace("http://", "ws://"), websocket_url)
    )
    output = bytearray()
    boundaries = []
    with subprocess.Popen(
        [sys.executable, *argv[1:]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as client:
        reader = threading.Thread(target=read_all, args=(client.stdout, output))
        reader.start()
        for line, lines_before in zip(typed, expected, strict=False):
            wait_for_lines(output, lines_before, client)
            boundaries.append(len(output))
            client.stdin.write(line.encode() + b"\n")
            client.stdin.flush()
        wait_for_lines(output, expected[-1], client)
        client.stdin.close()  # end of input: the client closes the connection, as Ctrl-D
        client.wait(timeout=10)
        reader.join(timeout=10)
    terminal: list[str] = []
    for index, (start, end) in enumerate(
        zip([0, *boundaries], [*boundaries, len(output)], strict=True)
    ):
        if index:
            terminal.append("> " + typed[index - 1])
        terminal.extend(shown_lines(output[start:end]))
    ws_origin = SHOWN_ORIGIN.replace("http://", "ws://")
    return [line.replace(websocket_url, ws_origin) for line in terminal]


def shown_lines(raw: bytes) -> list[str]:
    text = TERMINAL_CONTROL.sub("", raw.decode())
    return [line for line in text.splitlines() if line.strip()]


def read_all(stream: IO[bytes], into: bytearray) -> None:
    while chunk := stream.read1():
        into.extend(chunk)


def wait_for_lines(
    output: bytearray, wanted: int, client: subprocess.Popen, timeout: float = 10
) -> None:
    """Wait until the client has printed `wanted` lines in all (the conversation so far, as
    the page shows it) and then gone quiet for a moment, or has exited."""
    deadline = time.monotonic() + timeout
    while len(shown_lines(bytes(output))) < max(wanted, 1):
        if client.poll() is not None or time.monotonic() > deadline:
            return
        time.sleep(0.02)
    seen = -1
    while len(output) != seen and time.monotonic() < deadline:
        seen = len(output)
        time.sleep(0.3)


def run_curl(
    command: str, base_url: str, variables: dict[str, str] | None = None
) -> list[str]:
    """Run one shown curl command against base_url, from the repository root (so paths in
    -F @file arguments read as they do on the page), in bash, as a reader's shell runs it
    (pipes such as `| jq -r .access_token`, and `$VARIABLES` set earlier in the block);
    return the lines it printed."""
    result = subprocess.run(
        ["bash", "-c", "set -o pipefail; " + command.replace(SHOWN_ORIGIN, base_url)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,  # the return code is checked below, with curl's message
        env={**os.environ, **(variables or {})},
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{command!r} exited {result.returncode}: {result.stderr.strip()}"
        )
    output = result.stdout.replace("\r\n", "\n").replace(base_url, SHOWN_ORIGIN)
    return [line.rstrip() for line in output.splitlines()]


def comparable(lines: list[str]) -> str:
    return DURATION.sub(r"\1 (varies)", VOLATILE.sub(r"\1: (varies)", "\n".join(lines)))


def render(transcript: Transcript) -> str:
    """The block's body as it should read, from its commands and their shown outputs."""
    lines = [PROMPT + transcript.server_command] if transcript.server_command else []
    for step in transcript.steps:
        lines.append(PROMPT + step.command)
        lines.extend(step.shown_output)
    indent = transcript.fence.indent
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines)


def rewrite(page: Path, updated: list[Transcript]) -> None:
    """Write new outputs into a page. Tests of other examples on the same page may rewrite it
    at the same time (pytest-xdist), so each block is found again by its old text, under a
    lock, in the page as it is now."""
    with open(page, "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        text = handle.read()
        for transcript in updated:
            old = transcript.fence.body
            starts = [match.start() for match in re.finditer(re.escape(old), text)]
            if not starts:
                raise RuntimeError(
                    f"{transcript.where}: the block changed while its outputs were written"
                )
            start = min(starts, key=lambda at: abs(at - transcript.fence.body_start))
            text = text[:start] + render(transcript) + text[start + len(old) :]
        handle.seek(0)
        handle.write(text)
        handle.truncate()
