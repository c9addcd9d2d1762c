"""What Example 65 claims about its Dockerfile. No container engine runs here, so the file
is parsed and checked statically, and its command line (CMD) and health check are run for
real from a folder laid out as the image's /app would be."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from packaging.markers import Marker
from packaging.requirements import Requirement

from site_sources import REPO, SNIPPETS
from transcripts import free_port, serve, wait_for_port

FOLDER = SNIPPETS / "advanced" / "ex65_container"
APP_MODULE = SNIPPETS / "advanced" / "ex65_container.py"
# In a reader's project, the build context holds main.py; here it is the example module.
CONTEXT_FILES = {
    "main.py": APP_MODULE,
    "requirements.lock": FOLDER / "requirements.lock",
}
# What the image's Python sees when pip evaluates the lock's markers.
IMAGE_ENVIRONMENT = {
    "python_version": "3.13",
    "python_full_version": "3.13.13",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "extra": "",
}


@dataclass
class Instruction:
    stage: int  # 0 for the first FROM's stage, 1 for the next...
    keyword: str
    arguments: str


def parse(text: str) -> list[Instruction]:
    """Dockerfile instructions, with continuation lines joined and comments dropped (as
    BuildKit reads them: a comment line inside a continued instruction is skipped)."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword, arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


INSTRUCTIONS = parse((FOLDER / "Dockerfile").read_text())
FINAL_STAGE = max(instruction.stage for instruction in INSTRUCTIONS)


def final(keyword: str) -> list[Instruction]:
    return [
        instruction
        for instruction in INSTRUCTIONS
        if instruction.stage == FINAL_STAGE and instruction.keyword == keyword
    ]


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD; fails for the shell form."""
    value = json.loads(arguments)
    assert isinstance(value, list), arguments
    assert all(isinstance(part, str) for part in value), arguments
    return value


def cmd() -> list[str]:
    (instruction,) = final("CMD")
    return exec_form(instruction.arguments)


def healthcheck() -> list[str]:
    (instruction,) = final("HEALTHCHECK")
    _, _, command = instruction.arguments.partition("CMD ")
    return exec_form(command)


# --- The file, read statically ---


def test_every_base_image_is_pinned_and_both_stages_share_it():
    images = [i.arguments.split()[0] for i in INSTRUCTIONS if i.keyword == "FROM"]
    assert len(images) == 2  # a build stage and a run stage
    for image in images:
        pinned_tag = re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image)
        digest = re.fullmatch(r"[\w./:-]+@sha256:[0-9a-f]{64}", image)
        assert pinned_tag or digest, f"{image} is not pinned to a release or digest"
    # The venv copied from the build stage links to that stage's Python.
    assert images[0] == images[1]


def test_a_numeric_non_root_user_runs_the_command():
    keywords = [i.keyword for i in INSTRUCTIONS if i.stage == FINAL_STAGE]
    (user,) = final("USER")
    assert user.arguments.isdigit() and user.arguments != "0"
    assert keywords.index("USER") < keywords.index("CMD")
    assert keywords.index("USER") < keywords.index("HEALTHCHECK")
    # The code is copied without --chown: owned by root, not writable by the app user.
    assert all("--chown" not in copy.arguments for copy in final("COPY"))


def test_cmd_and_health_check_are_exec_form():
    assert cmd()[0] == "uvicorn"
    assert "--proxy-headers" in cmd()
    assert (
        "--forwarded-allow-ips" not in cmd()
    )  # set per deployment, in the environment
    assert healthcheck()[:2] == ["python", "-c"]


def test_no_secret_is_baked_into_env_or_arg():
    secret = re.compile(r"secret|password|passwd|token|key|credential", re.IGNORECASE)
    for instruction in INSTRUCTIONS:
        if instruction.keyword in {"ENV", "ARG"}:
            for pair in shlex.split(instruction.arguments):
                assert not secret.search(pair), f"{instruction.keyword} {pair}"


def test_the_build_stage_installs_the_lock_and_the_run_stage_copies_only_the_venv():
    build = [i for i in INSTRUCTIONS if i.stage == 0 and i.keyword == "RUN"]
    assert any(
        "--require-hashes" in run.arguments and "-r requirements.lock" in run.arguments
        for run in build
    )
    assert all("pip install" not in run.arguments for run in final("RUN"))
    copies = [copy.arguments for copy in final("COPY")]
    assert copies == ["--from=build /opt/venv /opt/venv", "main.py ."]


def test_the_image_lock_pins_what_the_tests_run_and_is_complete():
    text = (FOLDER / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([a-z0-9-]+)==(\S+) \\$", text, re.MULTILINE))
    entries = re.split(r"\n(?=[a-z])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in entry for entry in entries)
    project = (REPO / "requirements.lock").read_text()
    for name, version in pins.items():
        assert metadata.version(name) == version, name  # the version the tests ran
        assert re.search(rf"^{name}=={re.escape(version)}\b", project, re.MULTILINE)
    for name in pins:
        for requirement in map(Requirement, metadata.requires(name) or []):
            marker = requirement.marker or Marker("python_version >= '0'")
            if marker.evaluate(IMAGE_ENVIRONMENT):
                assert requirement.name.lower().replace("_", "-") in pins, (
                    f"{name} needs {requirement}, which the image lock lacks"
                )
    wanted = (FOLDER / "requirements.in").read_text().split()
    assert set(wanted) <= set(pins)


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` out of the build context: Docker's rules (the
    last matching pattern wins, `!` re-includes, a matched folder takes its contents)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").strip("/")
        regex = re.escape(body).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            result = not negated
    return result


def test_dockerignore_sends_only_what_the_dockerfile_copies():
    lines = (FOLDER / ".dockerignore").read_text().splitlines()
    patterns = [line for line in lines if line and not line.startswith("#")]
    for path in [
        ".env",
        ".env.production",
        ".git/config",
        ".venv/bin/python",
        "venv/lib/site.py",
        "tests/test_main.py",
        "__pycache__/main.cpython-313.pyc",
        "Dockerfile",
        "secrets/db-password",
    ]:
        assert ignored(path, patterns), path
    sources = [
        copy.arguments.split()[0] for copy in INSTRUCTIONS if copy.keyword == "COPY"
    ]
    context_sources = [source for source in sources if not source.startswith("--")]
    assert context_sources == ["requirements.lock", "main.py"]
    for source in context_sources:
        assert not ignored(source, patterns), source


# --- The command line and the health check, run for real ---


@pytest.fixture
def image_app(tmp_path) -> Path:
    """A folder laid out as the image's /app: the files the run stage copies."""
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    shutil.copy(CONTEXT_FILES["main.py"], app_dir / "main.py")
    return app_dir


def image_environment(**extra: str) -> dict[str, str]:
    """The ENV lines of the run stage, with this test's venv standing in for /opt/venv."""
    env = {**os.environ, **extra}
    env.pop("FORWARDED_ALLOW_IPS", None)
    env.update(extra)
    for instruction in final("ENV"):
        for pair in shlex.split(instruction.arguments):
            name, _, value = pair.partition("=")
            env[name] = value.replace("/opt/venv/bin", str(Path(sys.executable).parent))
            env[name] = env[name].replace("$PATH", os.environ["PATH"])
    return env


def on_port(argv: list[str], port: int) -> list[str]:
    """The command with its port replaced, and 0.0.0.0 replaced by loopback: nothing here
    listens beyond this machine."""
    text = json.dumps(argv).replace("8000", str(port)).replace("0.0.0.0", "127.0.0.1")
    return json.loads(text)


def get(url: str, headers: dict[str, str] | None = None) -> dict:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_the_cmd_serves_the_app_and_the_health_check_passes_then_fails(image_app):
    port = free_port()
    env = image_environment(FORWARDED_ALLOW_IPS="192.0.2.10")
    server = subprocess.Popen(
        on_port(cmd(), port),
        cwd=image_app,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, server)
        assert get(f"http://127.0.0.1:{port}/health") == {"status": "ok"}
        probe = subprocess.run(on_port(healthcheck(), port), env=env, check=False)
        assert probe.returncode == 0
        # A client that forges X-Forwarded-For is not the trusted proxy: ignored.
        spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        seen = get(f"http://127.0.0.1:{port}/whoami", spoofed)
        assert seen == {"client": "127.0.0.1", "scheme": "http"}
    finally:
        # What `docker stop` sends to PID 1: SIGTERM, then uvicorn shuts down cleanly.
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises SIGTERM so that its exit status says why
    # it stopped (Docker shows 143, 128 + 15).
    assert server.returncode == -signal.SIGTERM
    assert "Application shutdown complete" in output
    assert "Finished server process" in output
    probe = subprocess.run(
        on_port(healthcheck(), port), env=env, capture_output=True, check=False
    )
    assert probe.returncode != 0


def test_the_trusted_proxys_forwarded_headers_are_used(image_app):
    port = free_port()
    env = image_environment(FORWARDED_ALLOW_IPS="127.0.0.1")  # here, curl is the proxy
    with subprocess.Popen(
        on_port(cmd(), port), cwd=image_app, env=env, stdout=subprocess.DEVNULL
    ) as server:
        try:
            wait_for_port(port, server)
            forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
            seen = get(f"http://127.0.0.1:{port}/whoami", forwarded)
            assert seen == {"client": "203.0.113.9", "scheme": "https"}
        finally:
            server.terminate()


def unhealthy_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health():
        return JSONResponse({"status": "database unreachable"}, status_code=503)

    return app


def test_the_health_check_fails_on_a_503_where_the_outlines_passes():
    with serve(unhealthy_app()) as url:
        port = int(url.rsplit(":", 1)[1])
        ours = subprocess.run(
            on_port(healthcheck(), port), capture_output=True, check=False
        )
        assert ours.returncode != 0
        # The outline's probe: httpx's get() returns the 503 without raising, so the
        # container would be reported healthy (httpx2 is httpx's successor, same API).
        outlines = f"import httpx2; httpx2.get('{url}/health')"
        theirs = subprocess.run([sys.executable, "-c", outlines], check=False)
        assert theirs.returncode == 0
    with pytest.raises(urllib.error.URLError):
        get(f"{url}/health")  # the server is gone: nothing answers
