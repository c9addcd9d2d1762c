"""How fast the author's and the reader's loops are, measured on this machine.

    python benchmarks/feedback_loop.py            # every figure, medians of 3 runs
    python benchmarks/feedback_loop.py --runs 5   # steadier medians
    python benchmarks/feedback_loop.py --only build reload weight

Prints figures next to their targets; it asserts nothing (timings are not tests).
Run it on an otherwise idle machine: the figures are wall-clock medians.
"""

from __future__ import annotations

import argparse
import http.server
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(REPO / "tests")
)  # the tests' helpers: serving, building, Chromium

from site_sources import examples
from transcripts import free_port

BIN = Path(sys.executable).parent
EXAMPLES = examples()
# The build's growth is measured by copying the Beginner pages, this many examples a copy.
BEGINNER_EXAMPLES = sum(1 for example in EXAMPLES if example.level == "beginner")
# Python's default bytecode cache, as on an author's machine: some environments (this
# sandbox among them) set PYTHONDONTWRITEBYTECODE, which recompiles every import every run.
QUIET = {
    **{
        name: value
        for name, value in os.environ.items()
        if name != "PYTHONDONTWRITEBYTECODE"
    },
    "NO_MKDOCS_2_WARNING": "1",
}


def median_seconds(
    action: Callable[[], object], runs: int, warm_up: bool = True
) -> float:
    if warm_up:  # fills the bytecode and OS caches, as an author's earlier runs have
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(*command, cwd=REPO, check=True, path=None) -> subprocess.CompletedProcess:
    """path: a folder whose modules come first (Zensical's script does not look in cwd)."""
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**QUIET, "PYTHONPATH": str(path)} if path else QUIET,
        capture_output=True,
        text=True,
        check=check,
    )


def pytest(*arguments) -> Callable[[], object]:
    return lambda: run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *arguments,
        check=False,
    )


def report(label: str, value: str, target: str = "", met: bool | None = None) -> None:
    verdict = "" if met is None else ("  met" if met else "  MISSED")
    print(f"  {label:<66} {value:>9}   {target}{verdict}")


# What .ci/run may take at 80 examples (about three levels), on this 2-core machine.
EXAMPLES_TARGET = 80
CI_MINUTES = 10


def suite(runs: int) -> None:
    print("1. The whole suite, per example (the browser tests apart)")
    # Minutes long, so no warm-up run; earlier runs have filled the bytecode cache.
    whole = median_seconds(pytest("-m", "not browser"), runs, warm_up=False)
    per_example = whole / len(EXAMPLES)
    report(f"pytest -m 'not browser' ({len(EXAMPLES)} examples)", f"{whole:.0f} s")
    report(
        "  per example",
        f"{per_example:.1f} s",
        "target: does not rise as levels are added",
    )
    browser = median_seconds(pytest("-m", "browser"), runs, warm_up=False)
    report("browser tests alone (pytest -m browser)", f"{browser:.0f} s")
    projected = (whole + browser) / len(EXAMPLES) * EXAMPLES_TARGET
    report(
        f"  both, at {EXAMPLES_TARGET} examples if the cost per example stays",
        f"{projected / 60:.1f} min",
        f"target: .ci/run <= {CI_MINUTES} min",
        projected <= CI_MINUTES * 60,
    )


def one_example(runs: int) -> None:
    print("2. One example's tests (what an author waits for after an edit)")
    from site_sources import one_example_modules

    # The modules `scripts/example.py check 1` names: the site-wide ones and Example 1's own.
    modules = one_example_modules("ex01")
    quick = median_seconds(
        pytest("--no-cov", "-n0", "-m", "not fuzz", *modules, "-k", "ex01_minimal_app"),
        runs,
    )
    report(
        "pytest --no-cov -n0 -m 'not fuzz' MODULES -k ex01_minimal_app",
        f"{quick:.2f} s",
        "target <= 1.5 s",
        quick <= 1.5,
    )
    fuzzed = median_seconds(
        pytest("--no-cov", "-n0", *modules, "-k", "ex01_minimal_app"), runs
    )
    report("  the same with its fuzz test (-m not given)", f"{fuzzed:.2f} s")
    loop = median_seconds(
        lambda: run(sys.executable, "scripts/example.py", "check", "1"), runs
    )
    report(
        "  scripts/example.py check 1 (the whole loop: page, transcripts, build)",
        f"{loop:.2f} s",
    )


def copy_project(into: Path) -> Path:
    # docs_extensions too: mkdocs.yml names its modules, which must be this tree's own;
    # overrides: mkdocs.yml's theme.custom_dir.
    for name in ["docs", "snippets", "docs_extensions", "overrides"]:
        shutil.copytree(
            REPO / name, into / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    # pyproject.toml: the home page names the supported Pythons from its classifiers.
    for name in ["mkdocs.yml", "pyproject.toml"]:
        shutil.copy(REPO / name, into / name)
    return into


def build(runs: int) -> None:
    print("3. Building the site")
    with tempfile.TemporaryDirectory() as scratch:
        project = copy_project(Path(scratch))
        mkdocs = median_seconds(
            lambda: run(sys.executable, "-m", "mkdocs", "build", "-q", cwd=project),
            runs,
        )
        report(
            f"mkdocs build ({len(EXAMPLES)} examples)",
            f"{mkdocs:.2f} s",
            "target <= 2 s",
            mkdocs <= 2,
        )
        zensical = median_seconds(
            lambda: run(
                BIN / "zensical", "build", "-f", "mkdocs.yml", cwd=project, path=project
            ),
            runs,
        )
        report("zensical build, same mkdocs.yml", f"{zensical:.2f} s")
        # Growth: the Beginner pages copied k times over, as if the course had k levels.
        config = (project / "mkdocs.yml").read_text()
        times = []
        for copies in (1, 2, 3):
            extra_nav = ""
            for number in range(1, copies):
                shutil.copytree(
                    project / "docs" / "beginner",
                    project / "docs" / f"copy{number}",
                    dirs_exist_ok=True,
                )
                extra_nav += f"  - Copy {number}: copy{number}/index.md\n"
            (project / "mkdocs.yml").write_text(config.rstrip("\n") + "\n" + extra_nav)
            seconds = median_seconds(
                lambda: run(sys.executable, "-m", "mkdocs", "build", "-q", cwd=project),
                runs,
            )
            times.append(seconds)
            report(
                f"  mkdocs build with {len(EXAMPLES) + (copies - 1) * BEGINNER_EXAMPLES}"
                " examples",
                f"{seconds:.2f} s",
            )
        per_example = (times[-1] - times[0]) / (2 * BEGINNER_EXAMPLES)
        report("  cost of one more example", f"{per_example * 1000:.0f} ms")


def wait_for(url: str, contains: str = "", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if contains in response.read().decode():
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{url} never showed {contains!r}")


def reload(runs: int) -> None:
    print(
        "4. Edit to reload: save a snippet, until `mkdocs serve` serves the changed page"
    )
    with tempfile.TemporaryDirectory() as scratch:
        project = copy_project(Path(scratch))
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "serve",
                "-a",
                f"127.0.0.1:{port}",
                "--livereload",
            ],
            cwd=project,
            env=QUIET,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            page = f"http://127.0.0.1:{port}/beginner/application-basics/"
            wait_for(page)
            snippet = project / "snippets" / "beginner" / "ex01_minimal_app.py"
            original = snippet.read_text()
            times = []
            for attempt in range(runs):
                marker = f"edited_{attempt}_{time.time_ns()}"
                start = time.perf_counter()
                snippet.write_text(
                    original.replace("def hello():", f"def hello():  # {marker}", 1)
                )
                wait_for(page, contains=marker)
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            report(
                "save ex01 -> page shows the edit",
                f"{seconds:.2f} s",
                "target <= 1.5 s",
                seconds <= 1.5,
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)


@dataclass
class Visit:
    cold_bytes: int  # over the network, first visit in a fresh browser profile
    warm_bytes: int  # the same page again, with the browser cache filled
    loaded_mermaid: bool
    diagrams_drawn_ms: float  # from navigation start until no diagram is left undrawn


# Resolves with the moment (ms after navigation start) no <pre class="mermaid"> is left, that
# is, when Material has replaced the last diagram's source with its drawing.
RECORD_WHEN_DIAGRAMS_ARE_DRAWN = """
window.diagramsDrawn = new Promise(resolve => {
  document.addEventListener("DOMContentLoaded", () => {
    const drawn = () => document.querySelectorAll("pre.mermaid").length === 0;
    if (drawn()) return resolve(performance.now());
    new MutationObserver((_, observer) => {
      if (drawn()) { observer.disconnect(); resolve(performance.now()); }
    }).observe(document.body, { childList: true, subtree: true });
  });
});
"""


class Traffic:
    """Every byte a static server sends and every path asked of it. Counted at the server,
    because a page's own network log leaves out what its workers fetch (Material's search
    worker is one)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.bytes = 0
        self.paths: list[str] = []

    def add(self, count: int) -> None:
        with self.lock:
            self.bytes += count


def serve_counting(folder: Path, traffic: Traffic) -> http.server.ThreadingHTTPServer:
    from browser import QuietHandler, serve_folder

    class CountingHandler(QuietHandler):
        def setup(self) -> None:
            super().setup()
            write = self.wfile.write

            def counted(data) -> int:
                traffic.add(len(data))
                return write(data)

            self.wfile.write = counted

        def log_request(self, code="-", size="-") -> None:
            traffic.paths.append(self.path)

    return serve_folder(folder, CountingHandler)


def visit_twice(browser, url: str, traffic: Traffic) -> Visit:
    context = browser.new_context()
    tab = context.new_page()
    tab.add_init_script(RECORD_WHEN_DIAGRAMS_ARE_DRAWN)
    traffic.reset()
    tab.goto(url, wait_until="networkidle")
    drawn = tab.evaluate("new Promise(resolve => window.diagramsDrawn.then(resolve))")
    tab.wait_for_load_state("networkidle")
    cold = traffic.bytes
    # The vendored library lives in mermaid-<version>/; the small stand-in loader does not count.
    mermaid = any(re.search(r"/mermaid-\d", path) for path in traffic.paths)
    traffic.reset()
    tab.goto(url, wait_until="networkidle")
    warm = traffic.bytes
    context.close()
    return Visit(cold, warm, mermaid, drawn)


# Targets for a reader's first visit (cold cache), as served by a plain static server with no
# compression, the way the browser tests serve the site.
DIAGRAM_PAGE_KIB = 1600
DIAGRAMS_DRAWN_S = 1.0


def page_weight(runs: int) -> None:
    print(
        "5. What a reader's browser loads on each page (bytes over the network, cold cache)"
        " and when its last diagram is drawn"
    )
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS, diagrams_in
    from conftest import build_site
    from site_sources import pages, relative, url_path

    with tempfile.TemporaryDirectory() as scratch:
        traffic = Traffic()
        server = serve_counting(Path(scratch) / "site", traffic)
        port = server.server_address[1]
        build_site(Path(scratch) / "site", site_url=f"http://127.0.0.1:{port}/")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                warm = []
                for page in pages():
                    url = f"http://127.0.0.1:{port}/{url_path(page)}"
                    visits = [visit_twice(browser, url, traffic) for _ in range(runs)]
                    cold = (
                        statistics.median(visit.cold_bytes for visit in visits) / 1024
                    )
                    warm.append(statistics.median(visit.warm_bytes for visit in visits))
                    name = relative(page).removeprefix("docs/")
                    count = len(diagrams_in(page))
                    if count:
                        drawn = statistics.median(
                            visit.diagrams_drawn_ms for visit in visits
                        )
                        report(
                            f"{name} ({count} diagram{'s' if count > 1 else ''})",
                            f"{cold:.0f} KiB",
                            f"target <= {DIAGRAM_PAGE_KIB} KiB",
                            cold <= DIAGRAM_PAGE_KIB,
                        )
                        report(
                            "  last diagram drawn after navigation start",
                            f"{drawn / 1000:.2f} s",
                            f"target <= {DIAGRAMS_DRAWN_S:g} s",
                            drawn <= DIAGRAMS_DRAWN_S * 1000,
                        )
                    else:
                        mermaid = any(visit.loaded_mermaid for visit in visits)
                        report(
                            f"{name} (no diagram)",
                            f"{cold:.0f} KiB",
                            "target: loads no Mermaid",
                            not mermaid,
                        )
                report(
                    "any page again, warm cache (largest)",
                    f"{max(warm) / 1024:.0f} KiB",
                )
                browser.close()
        finally:
            server.shutdown()
            server.server_close()


FIGURES = {
    "suite": suite,
    "example": one_example,
    "build": build,
    "reload": reload,
    "weight": page_weight,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="repetitions per figure; the median is shown",
    )
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=list(FIGURES))
    arguments = parser.parse_args()
    print(
        f"FastAPI by Example feedback loop, {os.cpu_count()} cores, median of {arguments.runs} runs"
    )
    for name in arguments.only:
        FIGURES[name](arguments.runs)


if __name__ == "__main__":
    main()
