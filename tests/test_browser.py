"""The built site as a reader uses it, in a real Chromium: every page, offline, diagrams drawn,
code that fits the screen at 1280 px and on a phone. Accessibility: tests/test_accessibility.py.

Run only these with `pytest -m browser`; with `--screenshots`, every page, light and dark, is
also saved to screenshots/ (ignored by git) for people to look at. Without Chromium at
/usr/bin/chromium these tests are skipped locally and fail in CI (CI=true).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_accessibility import axe_source, serious_violations

from browser import (
    BROWSER,
    CHROMIUM,
    DESKTOP,
    IN_CI,
    NO_CHROMIUM,
    PAGES,
    PHONE,
    diagrams_in,
    wait_for_diagrams,
)
from site_sources import REPO, fences, relative, url_path

pytestmark = BROWSER

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

SCREENSHOTS = REPO / "screenshots"


# What a screen reader announces for a drawn diagram: the SVG's <title> and <desc>, which
# Mermaid writes from the accTitle and accDescr lines and links with aria-labelledby/-describedby.
DIAGRAMS_WITHOUT_TITLE_OR_DESCRIPTION = """
[...document.querySelectorAll("div.mermaid")].flatMap((div, index) => {
  const svg = div.shadowRoot.querySelector("svg");
  const text = id => ((id && svg.getElementById(id)) || {}).textContent || "";
  const named = text(svg.getAttribute("aria-labelledby")).trim()
    && text(svg.getAttribute("aria-describedby")).trim();
  return named ? [] : [index + 1];
})
"""


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_page_works_offline(visit, site_url, page: Path, color_scheme: str, request):
    """One visit per page and colour scheme, at 1280x900, checks what a desktop reader
    needs: nothing from another host and no error logged, every diagram drawn and named,
    every code block with text and a copy button, none wider than its box or covered by
    its copy button (in light mode: the layout is the same in both), and no serious WCAG
    A/AA violation (axe-core, tests/test_accessibility.py). Every problem is listed."""
    reader = visit(color_scheme, viewport=DESKTOP)
    tab = reader.page
    tab.goto(site_url + url_path(page), wait_until="networkidle")
    wait_for_diagrams(reader, page)
    where = f"{relative(page)} ({color_scheme})"
    problems = []

    blocks = code_blocks(tab)
    empty = [block["number"] for block in blocks if not block["text"]]
    if empty:
        problems.append(f"code block(s) {empty} are empty")
    without_copy = [block["number"] for block in blocks if not block["copy"]]
    if without_copy:
        problems.append(f"code block(s) {without_copy} have no copy button")
    unnamed = tab.evaluate(DIAGRAMS_WITHOUT_TITLE_OR_DESCRIPTION)
    if unnamed:
        problems.append(
            f"diagram(s) {unnamed} have no accessible title and description"
            " (accTitle and accDescr lines)"
        )
    if color_scheme == "light":
        # 88-column snippets fit the text column (toc.integrate in mkdocs.yml), console
        # transcripts wrap (extra.css).
        too_wide = [block for block in blocks if block["too_wide"]]
        if too_wide:
            problems.append(
                f"at {DESKTOP['width']} px these code blocks are wider than their box"
                f" and scroll sideways:\n{describe(too_wide)}"
            )
        hidden = [block for block in blocks if block["covered"]]
        if hidden:
            problems.append(
                f"the copy button covers code at {DESKTOP['width']} px:\n"
                + describe(hidden, "covered")
            )
    axe = axe_source()
    if axe:
        found = serious_violations(tab, axe)
        if found:
            problems.append(
                f"{len(found)} serious or critical WCAG A/AA violations:\n  "
                + "\n  ".join(found)
            )

    if request.config.getoption("screenshots"):
        SCREENSHOTS.mkdir(exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", url_path(page).lower()).strip("-") or "home"
        tab.screenshot(path=SCREENSHOTS / f"{name}-{color_scheme}.png", full_page=True)
    reader.check_clean(where)
    assert not problems, f"{where}:\n" + "\n".join(problems)


# Every code block of the page: its number, its first line, whether its content is wider than
# its box, and the text its copy button covers (Material puts the button in the top right
# corner, over the code). Only visible characters inside the block's box count: the spaces
# that pad a line (pytest pads its progress line to the terminal's width) hang past the
# wrapping edge unseen.
CODE_BLOCKS = """
() => [...document.querySelectorAll(".md-typeset pre:not(.mermaid) > code")].map(
  (code, index) => {
    const box = code.getBoundingClientRect();
    const button = code.parentElement.querySelector(".md-code__nav");
    const under = button && button.getBoundingClientRect();
    const overlaps = (a, b) =>
      a.right > b.left && a.left < b.right && a.bottom > b.top && a.top < b.bottom;
    const covered = [];
    const texts = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let text; under && (text = texts.nextNode()); ) {
      for (const word of text.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(text, word.index);
        range.setEnd(text, word.index + word[0].length);
        if ([...range.getClientRects()].some(r => overlaps(r, box) && overlaps(r, under))) {
          covered.push(word[0]);
        }
      }
    }
    return {
      number: index + 1,
      text: code.textContent.trim() !== "",
      copy: !!code.parentElement.querySelector('button[data-md-type="copy"]'),
      first_line: code.textContent.trim().split("\\n")[0].slice(0, 60),
      too_wide: code.scrollWidth > code.clientWidth,
      covered: covered.join(" "),
    };
  },
)
"""


def code_blocks(tab) -> list[dict]:
    return tab.evaluate(CODE_BLOCKS)


def describe(blocks: list[dict], detail: str = "") -> str:
    return "\n".join(
        f"  block {block['number']} ({block['first_line']!r}){detail and ': '}"
        f"{block.get(detail, '')}"
        for block in blocks
    )


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_page_fits_a_phone(visit, site_url, page: Path):
    reader = visit(viewport=PHONE)
    tab = reader.page
    tab.goto(site_url + url_path(page), wait_until="networkidle")
    wait_for_diagrams(reader, page)
    page_width = tab.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], f"{relative(page)} scrolls sideways on a phone"
    code_overflow = tab.evaluate(
        "[...document.querySelectorAll('.md-typeset pre > code')]"
        ".map(code => getComputedStyle(code).overflowX)"
    )
    assert set(code_overflow) <= {"auto", "scroll"}, (
        f"{relative(page)}: code blocks must scroll inside themselves: {code_overflow}"
    )
    hidden = [block for block in code_blocks(tab) if block["covered"]]
    assert not hidden, (
        f"{relative(page)}: on a {PHONE['width']} px phone the copy button covers code:\n"
        + describe(hidden, "covered")
    )


EXAMPLE_HEADING = re.compile(r"^## (Example \d+: .+)$", re.MULTILINE)


def example_titles() -> list[tuple[Path, str]]:
    return [
        (page, title)
        for page in PAGES
        for title in EXAMPLE_HEADING.findall(page.read_text())
    ]


def test_every_example_is_found_by_searching_its_title(visit, site_url):
    """Type each example's title into the search box: a result must lead to that example's
    section, and following the first example's result must scroll the reader to it."""
    reader = visit()
    tab = reader.page
    tab.goto(site_url, wait_until="networkidle")
    search = tab.locator("input.md-search__input")
    for number, (page, title) in enumerate(example_titles()):
        words = title.replace("`", "").split(": ", 1)[1]
        search.click()
        # Material searches on each key released: fill in all but the last letter, which
        # is typed, as a reader's last key is.
        search.fill(words[:-1])
        search.press(words[-1])
        results = tab.locator(".md-search-result__item a")
        anchor = "example-" + title.split(":")[0].split()[1] + "-"
        # The previous query's results stay on screen until the new ones arrive: poll.
        deadline = time.monotonic() + 10
        while True:
            links = [
                urlsplit(link)
                for link in results.evaluate_all("as => as.map(a => a.href)")
            ]
            hits = [
                link
                for link in links
                if link.path == "/" + url_path(page)
                and link.fragment.startswith(anchor)
            ]
            if hits or time.monotonic() > deadline:
                break
            tab.wait_for_timeout(50)
        assert hits, f"searching {words!r} does not lead to {relative(page)}#{anchor}…"
        if number == 0:
            results.and_(tab.locator(f"[href$='#{hits[0].fragment}']")).first.click()
            tab.wait_for_url(f"**/{url_path(page)}*#{hits[0].fragment}")
            tab.locator(f"h2#{hits[0].fragment}").wait_for(state="visible")
            tab.goto(site_url, wait_until="networkidle")
    reader.check_clean("search")


SEARCH_INDEX = "/search/search_index.json"


def index_requests(tab) -> list[str]:
    """The tab's requests for the search index, from now on, as they happen."""
    requested = []
    tab.on(
        "request",
        lambda request: (
            urlsplit(request.url).path == SEARCH_INDEX and requested.append(request.url)
        ),
    )
    return requested


def test_search_index_loads_only_when_the_reader_goes_to_search(visit, site_url):
    """docs/assets/javascripts/search-on-demand.js holds Material's request for the search
    index back until the search box gets the keyboard (a click, "/", the phone's search
    icon), or a page opened from a search result must highlight its terms (?h=)."""
    page = next(page for page in PAGES if EXAMPLE_HEADING.search(page.read_text()))
    reader = visit()
    tab = reader.page
    loaded = index_requests(tab)
    tab.goto(site_url + url_path(page), wait_until="networkidle")
    tab.wait_for_timeout(500)
    assert not loaded, "the search index loaded before anyone searched"

    tab.keyboard.press("/")
    tab.keyboard.type("lifespan")
    tab.locator(".md-search-result__item").first.wait_for()
    assert len(loaded) == 1, loaded

    opened_from_result = visit().page
    loaded = index_requests(opened_from_result)
    opened_from_result.goto(
        site_url + url_path(page) + "?h=fastapi", wait_until="networkidle"
    )
    opened_from_result.locator("mark[data-md-highlight]").first.wait_for()
    assert len(loaded) == 1, loaded
    reader.check_clean("search on demand")


LEAD_INS = {"Try it", "Run it for real"}
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def headings(page: Path) -> list[str]:
    """A page's headings as a reader sees them (no backticks), code blocks left out."""
    text = page.read_text()
    for fence in reversed(fences(page)):
        text = text[: fence.body_start] + text[fence.body_end :]
    return [heading.replace("`", "") for heading in HEADING.findall(text)]


def test_toc_and_search_results_name_the_examples(visit, site_url):
    """ "Try it" and "Run it for real" are bold lead-ins, not headings, so neither the table of
    contents nor search results are labelled with them. "fastapi dev" is in every example's
    transcript: the results must be labelled by the examples' titles."""
    every_heading = {heading for page in PAGES for heading in headings(page)}
    reader = visit(viewport=DESKTOP)
    tab = reader.page
    page = next(page for page in PAGES if EXAMPLE_HEADING.search(page.read_text()))
    tab.goto(site_url + url_path(page), wait_until="networkidle")
    toc = tab.locator("nav.md-nav--secondary a").evaluate_all(
        "links => links.map(link => link.textContent.trim())"
    )
    assert toc == headings(page)[1:], f"{relative(page)}: table of contents {toc}"
    assert not LEAD_INS & set(toc), f"{relative(page)}: table of contents {toc}"

    search = tab.locator("input.md-search__input")
    search.click()
    search.press_sequentially("fastapi dev")
    titles = tab.locator(".md-search-result__article :is(h1, h2)")
    titles.first.wait_for()
    labels = titles.evaluate_all("hs => hs.map(h => h.textContent.trim())")
    assert set(labels) <= every_heading, (
        f"search results labelled with what is not a heading: {set(labels) - every_heading}"
    )
    assert not LEAD_INS & set(labels), f"search results labelled {labels}"
    examples = [label for label in labels if EXAMPLE_HEADING.match("## " + label)]
    assert len(examples) >= 3, f"searching 'fastapi dev' found no examples: {labels}"
    reader.check_clean("table of contents and search")


def test_instant_navigation_keeps_diagrams_drawing(visit, site_url):
    """Material swaps pages without reloading; diagrams on the new page must still be drawn,
    and the Mermaid library must still come from this site."""
    with_diagrams = [page for page in PAGES if diagrams_in(page)]
    reader = visit()
    tab = reader.page
    tab.goto(site_url, wait_until="networkidle")
    tab.evaluate("window.stillTheSameDocument = true")
    for page in with_diagrams:
        tab.locator(f"nav.md-nav--primary a[href$='{url_path(page)}']").first.click()
        tab.wait_for_url(site_url + url_path(page))
        wait_for_diagrams(reader, page)
        assert tab.evaluate("window.stillTheSameDocument === true"), (
            "the page was reloaded"
        )
    reader.check_clean("instant navigation")


def test_diagrams_stay_readable_in_dark_mode(visit, site_url):
    page = next(page for page in PAGES if diagrams_in(page))
    reader = visit("light")
    tab = reader.page
    tab.goto(site_url + url_path(page), wait_until="networkidle")
    wait_for_diagrams(reader, page)
    light = label_and_node_colors(tab)
    tab.locator("form[data-md-component='palette'] label:visible").first.click()
    tab.wait_for_function(
        "document.body.getAttribute('data-md-color-scheme') === 'slate'"
    )
    dark = label_and_node_colors(tab)
    assert dark != light, "the diagram kept its light-mode colours"
    for text, fill in [light, dark]:
        assert contrast(text, fill) >= 4.5, (
            f"unreadable diagram label: {text} on {fill}"
        )
    reader.check_clean("dark mode")


def label_and_node_colors(tab) -> tuple[str, str]:
    """The first diagram node's label colour and fill colour, as the reader sees them:
    Material draws both translucent, so they are composited over the page background."""
    label, fill, page = tab.evaluate(
        '''() => {
            const node = document.querySelector('div.mermaid').shadowRoot.querySelector('.node');
            const label = node.querySelector('.nodeLabel, text');
            const shape = node.querySelector('rect, polygon, circle, path');
            const probe = document.createElement('div');
            probe.style.background = 'var(--md-default-bg-color)';
            document.body.append(probe);
            const page = getComputedStyle(probe).backgroundColor;
            probe.remove();
            return [getComputedStyle(label).color, getComputedStyle(shape).fill, page];
        }'''
    )
    node = over(fill, rgba(page))
    return over(label, node), node


def rgba(color: str) -> tuple[float, ...]:
    red, green, blue, *alpha = (float(part) for part in re.findall(r"[\d.]+", color))
    return red, green, blue, (alpha[0] if alpha else 1.0)


def over(color: str, background: tuple[float, ...]) -> tuple[float, ...]:
    """An rgba() colour painted over an opaque background."""
    *rgb, alpha = rgba(color)
    return (
        *(
            alpha * c + (1 - alpha) * b
            for c, b in zip(rgb, background[:3], strict=True)
        ),
        1.0,
    )


def contrast(color_a: tuple[float, ...], color_b: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two opaque colours."""

    def luminance(color: tuple[float, ...]) -> float:
        channels = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in (part / 255 for part in color[:3])
        ]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    lighter, darker = sorted([luminance(color_a), luminance(color_b)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
