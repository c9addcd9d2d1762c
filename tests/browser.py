"""What every browser test module shares: Chromium, the built site on a loopback port, a tab
that records what would break a reader's page, and waiting for diagrams.

A browser test module loads these fixtures with `pytest_plugins = ["browser"]` and marks its
tests with BROWSER. Without Chromium at /usr/bin/chromium its tests are skipped locally, with
the reason in one line, and fail in CI (CI=true).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import build_site
from site_sources import fences, pages, relative

# One worker runs all of these, so Chromium starts once per module and the site is built once.
BROWSER = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
IN_CI = os.environ.get("CI") == "true"

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium phones home at start-up, which would
# look like the site making requests to other hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
NO_CHROMIUM = f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Material draws each diagram into a closed shadow root; open it so tests can look inside.
OPEN_SHADOW_ROOTS = """
const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attachShadow.call(this, { ...init, mode: "open" });
};
"""
PAGES = pages()


@pytest.fixture(scope="module")
def chromium():
    """Module-scoped on purpose: Playwright's sync API keeps an event loop running in this
    thread while the browser is open, which would break other tests' asyncio.run/anyio.run."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(
                NO_CHROMIUM.replace("skipped", "cannot run in CI"), pytrace=False
            )
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def serve_folder(
    folder: Path, handler: type[QuietHandler] = QuietHandler
) -> http.server.ThreadingHTTPServer:
    """Serve a folder's files on a free loopback port, in a thread, until .shutdown()."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def site_url(tmp_path_factory) -> Iterator[str]:
    """The site, served as static files on a free loopback port. It is built for that port
    (SITE_URL), because Material's instant navigation only works on the site's own origin."""
    folder = tmp_path_factory.mktemp("served-site")
    server = serve_folder(folder)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    build_site(folder, site_url=url)
    yield url
    server.shutdown()
    server.server_close()


@dataclass
class Visit:
    """A browser tab that records what would break a reader's page."""

    page: object
    outside_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check_clean(self, where: str) -> None:
        assert not self.outside_requests, (
            f"{where} requested other hosts: {self.outside_requests}"
        )
        assert not self.errors, f"{where} logged errors: {self.errors}"


@pytest.fixture
def visit(chromium, site_url):
    contexts = []

    def open_tab(color_scheme: str = "light", viewport: dict | None = None) -> Visit:
        context = chromium.new_context(color_scheme=color_scheme, viewport=viewport)
        contexts.append(context)
        tab = context.new_page()
        visit = Visit(tab)
        local = urlsplit(site_url).netloc

        def only_local(route):
            if urlsplit(route.request.url).netloc == local:
                route.continue_()
            else:
                visit.outside_requests.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        tab.add_init_script(OPEN_SHADOW_ROOTS)
        tab.on(
            "console",
            # Warnings too: Material reports failures of its search worker as warnings.
            lambda message: (
                message.type in ("error", "warning")
                and visit.errors.append(message.text)
            ),
        )
        tab.on("pageerror", lambda error: visit.errors.append(str(error)))
        return visit

    yield open_tab
    for context in contexts:
        context.close()


def diagrams_in(page: Path) -> list[str]:
    return [fence.body for fence in fences(page) if fence.language == "mermaid"]


ALL_DRAWN = (
    "n => document.querySelectorAll('pre.mermaid').length === 0"
    " && document.querySelectorAll('div.mermaid').length === n"
)


def wait_for_diagrams(reader: Visit, page: Path) -> None:
    """Every ```mermaid block of the page's source must become a drawn SVG. Material swaps a
    block's <pre class="mermaid"> for a <div class="mermaid"> only once Mermaid has drawn it.
    A diagram Mermaid cannot parse logs an error, which ends the wait at once."""
    tab = reader.page
    expected = len(diagrams_in(page))
    deadline = time.monotonic() + 15
    while not (drawn := tab.evaluate(ALL_DRAWN, expected)):
        if reader.errors or time.monotonic() > deadline:
            break
        tab.wait_for_timeout(50)
    if not drawn:
        undrawn = tab.evaluate(
            "[...document.querySelectorAll('pre.mermaid')].map(pre => pre.textContent.trim())"
        )
        sources = [body.strip() for body in diagrams_in(page)]
        numbers = [sources.index(text) + 1 for text in undrawn if text in sources]
        pytest.fail(
            f"{relative(page)}: diagram(s) {numbers or undrawn} of {expected} were not drawn "
            f"(a Mermaid syntax error?): {[text.splitlines()[0] for text in undrawn]} "
            f"{reader.errors}",
            pytrace=False,
        )
    drawn = tab.evaluate(
        """[...document.querySelectorAll('div.mermaid')].map(div => {
            const svg = div.shadowRoot && div.shadowRoot.querySelector('svg');
            return svg ? svg.getAttribute('aria-roledescription') : 'no svg';
        })"""
    )
    failed = [
        number for number, kind in enumerate(drawn, 1) if kind in ("error", "no svg")
    ]
    assert not failed, (
        f"{relative(page)}: diagram(s) {failed} drew an error instead: {drawn}"
    )
