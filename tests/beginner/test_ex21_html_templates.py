import re

import jinja2
import pytest
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient
from markupsafe import Markup

ATTACKS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    "<img src=x onerror=alert(1)>",
    "Tom & Jerry",
]


def test_home_renders_the_template_as_html(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert re.findall(r"<li>(.*)</li>", response.text) == [
        "Widget: $9.50",
        "Gadget: $49.99",
    ]
    assert "<title>Item Store</title>" in response.text
    assert "<p>" not in response.text  # no "Results for" line without a query


def test_search_filters_and_reports_no_match(client):
    assert re.findall(r"<li>(.*)</li>", client.get("/?q=GAD").text) == [
        "Gadget: $49.99"
    ]
    assert re.findall(r"<li>(.*)</li>", client.get("/?q=zzz").text) == [
        "No items match."
    ]


@pytest.mark.parametrize("attack", ATTACKS)
def test_user_input_is_escaped_everywhere_it_appears(client, attack):
    html = client.get("/", params={"q": attack}).text
    assert "<script" not in html and "<img" not in html
    escaped = attack.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    assert f'<input name="q" value="{escaped}">' in html
    assert f"<p>Results for “{escaped}”</p>" in html


def test_safe_filter_and_markup_turn_escaping_off(example):
    env = example.templates.env
    assert env.from_string("{{ v }}").render(v="<b>") == "&lt;b&gt;"
    assert env.from_string("{{ v | safe }}").render(v="<b>") == "<b>"
    assert env.from_string("{{ v }}").render(v=Markup("<b>")) == "<b>"


def test_autoescaping_depends_on_the_file_extension(tmp_path):
    for name in ["page.html", "page.htm", "page.xml", "page.txt", "page.jinja2"]:
        (tmp_path / name).write_text("{{ v }}")
    templates = Jinja2Templates(directory=tmp_path)
    app = FastAPI()

    @app.get("/{name}")
    def page(request: Request, name: str):
        return templates.TemplateResponse(request, name, {"v": "<script>"})

    client = TestClient(app)
    for name in ["page.html", "page.htm", "page.xml"]:
        assert client.get(f"/{name}").text == "&lt;script&gt;", name
    for name in ["page.txt", "page.jinja2"]:
        response = client.get(f"/{name}")
        assert response.text == "<script>", name
        assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_a_hand_made_environment_does_not_escape_by_default():
    assert (
        jinja2.Environment().from_string("{{ v }}").render(v="<script>") == "<script>"
    )


def test_the_old_call_with_request_in_the_context_fails(example):
    app = FastAPI()

    @app.get("/")
    def old_style(request: Request):
        return example.templates.TemplateResponse("index.html", {"request": request})

    with pytest.raises(TypeError, match="unhashable type: 'dict'"):
        TestClient(app).get("/")
    assert TestClient(app, raise_server_exceptions=False).get("/").status_code == 500


def test_a_relative_templates_folder_fails_on_each_request_not_at_startup(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    templates = Jinja2Templates(directory="templates")  # no error: nothing is read yet
    app = FastAPI()

    @app.get("/")
    def home(request: Request):
        return templates.TemplateResponse(request, "index.html", {})

    with pytest.raises(jinja2.TemplateNotFound):
        TestClient(app).get("/")
    assert TestClient(app, raise_server_exceptions=False).get("/").status_code == 500


def test_response_class_changes_the_docs_not_the_response(example):
    schema = TestClient(example.app).get("/openapi.json").json()
    assert list(schema["paths"]["/"]["get"]["responses"]["200"]["content"]) == [
        "text/html"
    ]

    app = FastAPI()

    @app.get("/")  # no response_class
    def home(request: Request):
        return example.templates.TemplateResponse(
            request, "index.html", {"title": "t", "query": "", "items": []}
        )

    client = TestClient(app)
    assert client.get("/").headers["content-type"] == "text/html; charset=utf-8"
    content = client.get("/openapi.json").json()["paths"]["/"]["get"]["responses"][
        "200"
    ]
    assert list(content["content"]) == ["application/json"]


def test_url_for_builds_links_from_the_host_header_the_client_sent(client):
    """The Host header is client input: without TrustedHostMiddleware (or a proxy that
    checks it), the page's form points wherever the request said it was sent."""
    page = client.get("/", headers={"Host": "evil.example"}).text
    assert '<form action="http://evil.example/">' in page


def test_trusted_host_middleware_refuses_an_unknown_host(example):
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app = FastAPI()
    app.mount("/", example.app)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["shop.example"])
    client = TestClient(app)
    refused = client.get("/", headers={"Host": "evil.example"})
    assert (refused.status_code, refused.text) == (400, "Invalid host header")
    assert client.get("/", headers={"Host": "shop.example"}).status_code == 200


@pytest.mark.parametrize(
    ("template", "value", "what_runs"),
    [
        # A whole URL: nothing in it to escape.
        ('<a href="{{ v }}">', "javascript:alert(1)", "javascript:alert(1)"),
        # Inside a script block, outside quotes: no character of it is escaped.
        ("<script>var n = {{ v }};</script>", "1; alert(1)", "1; alert(1)"),
        # In an on...= attribute, &#39; is decoded back to ' before the script runs.
        ("<b onclick=\"go('{{ v }}')\">", "');alert(1);('", "go('');alert(1);('')"),
    ],
)
def test_escaping_does_not_protect_scripts_urls_and_event_handlers(
    example, template, value, what_runs
):
    import html

    rendered = example.templates.env.from_string(template).render(v=value)
    assert what_runs in html.unescape(rendered)
