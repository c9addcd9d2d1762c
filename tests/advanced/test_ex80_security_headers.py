"""What Example 80 claims beyond its prints: each header on every kind of response, the
/docs policy checked against every resource of the page, what the outline's headers do,
and the production checklist, every item of which links to an example."""

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.testclient import TestClient

from site_sources import DOCS
from transcripts import serve

EXPECTED = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/orders/7", 200),
        ("GET", "/nowhere", 404),
        ("GET", "/orders/seven", 422),
        ("POST", "/orders/7", 405),
        ("GET", "/openapi.json", 200),
    ],
)
def test_every_header_on_every_kind_of_answer(client, method, url, status):
    response = client.request(method, url)
    assert response.status_code == status
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], name


def test_no_x_xss_protection_anywhere(client):
    for url in ["/orders/7", "/nowhere", "/docs"]:
        assert "x-xss-protection" not in client.get(url).headers


def test_the_headers_reach_a_real_client_once_each(example):
    import httpx2

    with serve(example.app) as url:
        response = httpx2.get(url + "/orders/7")
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], name


def test_a_streamed_answer_gets_them_too(example):
    from fastapi.responses import StreamingResponse

    streaming = FastAPI()
    streaming.add_middleware(example.SecurityHeaders)

    @streaming.get("/stream")
    async def stream():
        return StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")

    response = TestClient(streaming).get("/stream")
    assert response.text == "ab"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_route_keeps_its_own_value(example):
    from fastapi import Response

    own = FastAPI()
    own.add_middleware(example.SecurityHeaders)

    @own.get("/embeddable")
    async def embeddable(response: Response):
        response.headers["Content-Security-Policy"] = (
            "frame-ancestors https://a.example"
        )
        return {}

    headers = TestClient(own).get("/embeddable").headers
    assert headers.get_list("content-security-policy") == [
        "frame-ancestors https://a.example"
    ]


def test_websockets_and_the_lifespan_pass_through(example):
    from fastapi import WebSocket

    ws_app = FastAPI()
    ws_app.add_middleware(example.SecurityHeaders)

    @ws_app.websocket("/ws")
    async def echo(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    with TestClient(ws_app) as client, client.websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"


def test_a_crash_answers_500_without_them(example):
    """ServerErrorMiddleware sits outside every middleware added with add_middleware."""
    crashing = FastAPI()
    crashing.add_middleware(example.SecurityHeaders)

    @crashing.get("/crash")
    async def crash():
        raise RuntimeError("a bug")

    response = TestClient(crashing, raise_server_exceptions=False).get("/crash")
    assert response.status_code == 500
    assert "content-security-policy" not in response.headers
    wrapped = TestClient(
        example.SecurityHeaders(crashing), raise_server_exceptions=False
    )
    assert wrapped.get("/crash").headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ /docs


class Resources(HTMLParser):
    """What a page makes the browser load or run: (directive, source) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" in attributes:
            self.found.append(("script-src", attributes["src"]))
        elif tag == "script":
            self.in_script = True
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.found.append(("style-src", attributes["href"]))
        elif tag == "link" and "icon" in attributes.get("rel", ""):
            self.found.append(("img-src", attributes["href"]))

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            digest = base64.b64encode(hashlib.sha256(data.encode()).digest()).decode()
            self.found.append(("script-src", f"'sha256-{digest}'"))


def allows(policy: str, directive: str, source: str) -> bool:
    """Whether a policy lets a page load `source` under `directive` (host sources,
    'self', 'none', hashes and default-src: what these pages use)."""
    directives = {
        part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
    }
    allowed = directives.get(directive, directives.get("default-src", []))
    if source.startswith("'sha256-"):
        return source in allowed
    if source.startswith("/"):
        return "'self'" in allowed
    origin = re.match(r"https?://[^/]+", source)[0]
    return origin in allowed


def page_resources(html: str) -> list[tuple[str, str]]:
    parser = Resources()
    parser.feed(html)
    return parser.found


def test_the_docs_policy_allows_everything_the_page_loads_and_runs(client):
    page = client.get("/docs")
    policy = page.headers["content-security-policy"]
    found = page_resources(page.text)
    assert {directive for directive, _ in found} == {
        "script-src",
        "style-src",
        "img-src",
    }
    assert all(allows(policy, directive, source) for directive, source in found)
    assert "/openapi.json" in page.text and allows(
        policy, "connect-src", "/openapi.json"
    )


def test_the_docs_policy_refuses_any_other_inline_script(client):
    policy = client.get("/docs").headers["content-security-policy"]
    injected = page_resources("<script>alert(document.cookie)</script>")
    assert not allows(policy, *injected[0])
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert not allows(policy, "script-src", "https://evil.example/x.js")


def test_the_api_policy_refuses_everything_the_docs_page_needs(client):
    """Why /docs needs its own policy: under the API's, nothing of it loads or runs."""
    page = client.get("/docs")
    found = page_resources(page.text)
    assert not any(allows(EXPECTED["content-security-policy"], *f) for f in found)


def test_the_outlines_default_src_self_breaks_fastapis_docs():
    html = get_swagger_ui_html(openapi_url="/openapi.json", title="Docs").body.decode()
    found = page_resources(html)
    refused = [f for f in found if not allows("default-src 'self'", *f)]
    assert (
        refused == found
    )  # the CDN's script and stylesheet, the icon, the inline script
    assert len(found) == 4


def test_the_docs_page_is_framed_by_nobody(client):
    headers = client.get("/docs").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_the_outlines_development_cors_lets_any_site_read_logged_in_answers():
    open_cors = FastAPI()
    open_cors.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_credentials=True
    )

    @open_cors.get("/me")
    async def me():
        return {"name": "alice"}

    client = TestClient(open_cors)
    origin = {"Origin": "https://evil.example"}
    with_cookie = client.get("/me", headers={**origin, "Cookie": "session=alice"})
    assert with_cookie.headers["access-control-allow-origin"] == "https://evil.example"
    assert with_cookie.headers["access-control-allow-credentials"] == "true"
    preflight = client.options(
        "/me",
        headers={**origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["access-control-allow-origin"] == "https://evil.example"


# ------------------------------------------------------------------ the checklist


PAGE = DOCS / "advanced" / "integration.md"
EXAMPLE_LINK = re.compile(
    r"\[Example (?P<text>\d+)\]\("
    r"(?:(?:\.\./(?:beginner|intermediate|advanced)/)?[a-z0-9-]+\.md)?"
    r"#example-(?P<anchor>\d+)-[a-z0-9_-]+\)"
)


def checklist_items() -> list[str]:
    text = PAGE.read_text()
    section = re.search(
        r"^## The production checklist$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL
    )
    assert section, f"{PAGE} has no `## The production checklist` section"
    items = re.findall(
        r"^- (.*?)(?=^- |^\*\*|\Z)", section[1], re.MULTILINE | re.DOTALL
    )
    return [" ".join(item.split()) for item in items]


def test_every_checklist_item_links_to_an_example():
    items = checklist_items()
    assert len(items) >= 25
    unlinked = [item for item in items if not EXAMPLE_LINK.search(item)]
    assert not unlinked, "checklist items without a link to an example:\n" + "\n".join(
        unlinked
    )


def test_every_example_link_of_the_checklist_says_the_number_it_points_to():
    for item in checklist_items():
        for link in EXAMPLE_LINK.finditer(item):
            assert link["text"] == link["anchor"], link[0]
