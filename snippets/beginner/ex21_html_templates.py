# --8<-- [start:app]
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

# Templates live in ex21_templates/, beside this file, wherever Python was started from.
templates = Jinja2Templates(directory=Path(__file__).parent / "ex21_templates")

app = FastAPI()

ITEMS = [{"name": "Widget", "price": 9.5}, {"name": "Gadget", "price": 49.99}]


# response_class=HTMLResponse tells the OpenAPI docs that this route returns HTML.
@app.get("/", response_class=HTMLResponse)
def home(request: Request, q: str = ""):
    matches = [item for item in ITEMS if q.lower() in item["name"].lower()]
    context = {"title": "Item Store", "query": q, "items": matches}
    # The request comes first: the template's url_for needs it.
    return templates.TemplateResponse(request, "index.html", context)


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    import re

    from fastapi.testclient import TestClient

    client = TestClient(app)

    # What a user types is inserted into the page escaped, so it stays text.
    attack = '"><script>alert(1)</script>'
    page = client.get("/", params={"q": attack}).text
    print(re.findall(r"<p>.*</p>", page))
    #> ['<p>Results for “&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”</p>']
    print("<script>" in page)
    #> False
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Escaped inside the attribute too: the " cannot close value="...".
    print(re.findall(r"<input.*?>", page))
    #> ['<input name="q" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">']
    print(re.findall(r"<li>.*</li>", client.get("/?q=zzz").text))
    #> ['<li>No items match.</li>']

    # url_for builds the form's absolute URL from the Host header the client sent.
    forged = client.get("/", headers={"Host": "evil.example"}).text
    print(re.findall(r"<form action=\"[^\"]*\"", forged))
    #> ['<form action="http://evil.example/"']
# --8<-- [end:more]
