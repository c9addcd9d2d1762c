"""WCAG 2.2 AA on every page, light and dark, checked by axe-core in Chromium (during each
page's visit in test_browser.py, and here on the search results); a reader who uses only the
keyboard can search and read; every diagram says in words what it shows.

axe-core comes from the npm registry, pinned in package.json and package-lock.json and
installed by `npm ci` (as .ci/run does): never from a CDN. Without node_modules/ these tests
are skipped locally, with the reason in one line, and fail in CI (CI=true).
"""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser import DESKTOP, IN_CI, PAGES
from site_sources import REPO, fences

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
NO_AXE = "axe-core not found in node_modules/: accessibility tests skipped (run npm ci)"
# Every WCAG 2.0, 2.1 and 2.2 rule at levels A and AA, as axe-core tags them.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

# Violations axe finds inside Material's own templates that this site cannot fix without
# replacing them: axe rule id -> (CSS selector of the elements it is allowed on, the reason).
# Keep it empty when possible; every entry is a known barrier for some reader.
KNOWN_VIOLATIONS: dict[str, tuple[str, str]] = {}


def axe_source() -> str | None:
    """axe-core's script, or None where it is not installed (locally, without npm ci)."""
    return AXE.read_text() if AXE.exists() else None


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.exists():
        if IN_CI:
            pytest.fail(NO_AXE.replace("skipped", "cannot run in CI"), pytrace=False)
        pytest.skip(NO_AXE)
    return AXE.read_text()


@pytest.mark.browser
def test_axe_core_is_installed(axe):
    """Every page's own browser test (test_browser.py) runs axe-core when it is installed;
    this says, in one line, when it is not."""
    assert "axe" in axe


ACCESSIBLE_TEXT = {
    "accTitle": re.compile(r"^\s*accTitle\s*:\s*\S"),
    "accDescr": re.compile(r"^\s*accDescr\s*(:\s*\S|\{)"),
}


def test_every_diagram_has_a_title_and_a_description():
    """Mermaid turns accTitle and accDescr into the SVG's <title> and <desc>, which a screen
    reader announces instead of the drawing's scattered labels."""
    missing = [
        f"{fence.where}: no {keyword} line"
        for page in PAGES
        for fence in fences(page)
        if fence.language == "mermaid"
        for keyword, line in ACCESSIBLE_TEXT.items()
        if not any(line.match(text) for text in fence.body.splitlines())
    ]
    assert not missing, (
        "every diagram starts with `accTitle: <what it is>` and `accDescr: <what it shows>`"
        " lines, right after its first line:\n" + "\n".join(missing)
    )


def serious_violations(tab, axe: str) -> list[str]:
    """Run axe-core in the tab: every serious or critical WCAG A/AA violation that is not a
    KNOWN_VIOLATIONS entry, as rule, element and what is wrong."""
    tab.add_script_tag(content=axe)
    allowed = {rule: selector for rule, (selector, _) in KNOWN_VIOLATIONS.items()}
    results = tab.evaluate(RUN_AXE, [WCAG_AA, allowed])
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        allowed = KNOWN_VIOLATIONS.get(violation["id"], ("", ""))[0]
        for node in violation["nodes"]:
            if allowed and node["matches_allowed"]:
                continue
            found.append(
                f"{violation['id']} ({violation['impact']}): {' > '.join(node['target'])}"
                f"\n      {violation['help']}: {node['failureSummary'].splitlines()[-1]}"
                f"\n      {node['html'][:160]}"
            )
    return found


RUN_AXE = """
async ([tags, allowed]) => {
    const results = await axe.run(document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
    });
    for (const violation of results.violations) {
        const selector = allowed[violation.id];
        for (const node of violation.nodes) {
            const element = axe.utils.shadowSelect(node.target);
            node.matches_allowed = !!(selector && element && element.closest(selector));
        }
    }
    return results;
}
"""


def search_results_for(tab, query: str):
    """Type into the search box that has focus, and wait for the results."""
    tab.keyboard.type(query)
    results = tab.locator(".md-search-result__link")
    results.first.wait_for()
    return results


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_search_results_meet_wcag_aa(visit, site_url, axe, color_scheme: str):
    """The search overlay is not on any page until a reader opens it."""
    reader = visit(color_scheme, viewport=DESKTOP)
    tab = reader.page
    tab.goto(site_url, wait_until="networkidle")
    tab.locator("input.md-search__input").focus()
    search_results_for(tab, "fastapi dev")
    found = serious_violations(tab, axe)
    assert not found, (
        f"search results ({color_scheme}): {len(found)} serious or critical WCAG A/AA"
        " violations:\n  " + "\n  ".join(found)
    )


FOCUSED = """() => {
    const element = document.activeElement;
    const box = element.getBoundingClientRect();
    return {
        name: `${element.tagName.toLowerCase()}.${element.className}`
            + ` "${(element.textContent || "").trim().slice(0, 30)}"`,
        search: element.matches("input.md-search__input"),
        in_content: !!element.closest(".md-content"),
        // At least half of it in the window: scrolling a stop into view can leave its
        // last pixel below the window's edge.
        on_screen: box.width > 0 && box.height > 0
            && Math.min(box.bottom, innerHeight) - Math.max(box.top, 0) >= box.height / 2,
        href: element.href || "",
        box: [Math.round(box.top), Math.round(box.bottom), innerHeight],
    };
}"""


def focused_once_in_view(tab) -> dict:
    """The focused element, given the browser's (smooth) scrolling up to two seconds to
    bring it into view, as it does for a reader."""
    with contextlib.suppress(PlaywrightTimeoutError):
        tab.wait_for_function(
            """() => {
                const box = document.activeElement.getBoundingClientRect();
                return Math.min(box.bottom, innerHeight) - Math.max(box.top, 0)
                    >= box.height / 2;
            }""",
            timeout=2000,
        )
    return tab.evaluate(FOCUSED)


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_keyboard_alone_searches_and_reads(visit, site_url):
    """Tab to the search box, type, open a result with the arrow and Enter keys, skip to the
    content and move through it with Tab: every stop is on screen, in the text."""
    reader = visit(viewport=DESKTOP)
    tab = reader.page
    tab.goto(site_url, wait_until="networkidle")

    stops = []
    for _ in range(10):
        tab.keyboard.press("Tab")
        stops.append(tab.evaluate(FOCUSED))
        if stops[-1]["search"]:
            break
    assert stops[-1]["search"], (
        f"10 Tab presses never reached the search box: {[s['name'] for s in stops]}"
    )

    search_results_for(tab, "field validation")
    tab.keyboard.press("ArrowDown")
    result = tab.evaluate(FOCUSED)
    assert result["href"], (
        f"ArrowDown did not move to a search result: {result['name']}"
    )
    home = tab.title()
    tab.keyboard.press("Enter")
    tab.wait_for_url(result["href"])
    # Material swaps the page in place: wait until the new one is there, with its diagrams
    # drawn. Until then a diagram's source is a focusable code block, which Material
    # replaces with the drawing: a Tab stop in it is lost (to <body>), and the stops after
    # it move down the page once the drawing takes its place.
    tab.wait_for_function("title => document.title !== title", arg=home)
    tab.wait_for_function("document.querySelectorAll('pre.mermaid').length === 0")

    tab.keyboard.press("Tab")
    skip = tab.evaluate(FOCUSED)
    assert "md-skip" in skip["name"], (
        f"the first Tab stop is {skip['name']}, not the skip link"
    )
    tab.keyboard.press("Enter")
    # Material follows the link itself, then takes the focus off it: Tab after that, as a
    # reader would, from the place the link leads to.
    tab.wait_for_function(
        """() => location.hash === new URL(document.querySelector('.md-skip').href).hash
            && document.activeElement === document.body"""
    )
    # ...and let its smooth scroll there come to rest, as a reader would: a Tab pressed
    # while Material is still moving to the link's target is undone by it. On a busy
    # machine the scroll takes longer, so wait until the link's target is at the top of
    # the window and the page has been still for ten frames, not for a fixed time.
    tab.wait_for_function(
        """() => new Promise(resolve => {
            const target = document.getElementById(location.hash.slice(1));
            let last = scrollY, still = 0;
            const look = () => {
                const top = target.getBoundingClientRect().top;
                const arrived = top >= 0 && top < innerHeight / 2;
                still = arrived && scrollY === last ? still + 1 : 0;
                last = scrollY;
                still >= 10 ? resolve(true) : requestAnimationFrame(look);
            };
            requestAnimationFrame(look);
        })"""
    )
    top = tab.evaluate("scrollY")
    stops = []
    for _ in range(12):
        tab.keyboard.press("Tab")
        stops.append(focused_once_in_view(tab))
    astray = [stop["name"] for stop in stops if not stop["in_content"]]
    assert not astray, f"after skipping to the content, Tab went to {astray}"
    hidden = [
        f"{stop['name']} at {stop['box']}" for stop in stops if not stop["on_screen"]
    ]
    assert not hidden, f"Tab stops that a reader cannot see: {hidden}"
    assert tab.evaluate("scrollY") > top, (
        "moving with Tab did not scroll through the page"
    )
    reader.check_clean("keyboard journey")
