# --8<-- [start:app]
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

# Templates live in ex21_templates/, beside this file, wherever Python was started from.
templates = Jinja2Templates(
    directory=Path(__file__).resolve().parent / "ex21_templates"
)

app = FastAPI()

ITEMS = [
    {"name": "Widget", "price": 9.99},
    {"name": "Gadget", "price": 49.99},
    {"name": "Gizmo", "price": 15},
]


# response_class=HTMLResponse tells the OpenAPI docs that this route returns HTML.
@app.get("/", response_class=HTMLResponse)
def home(request: Request, q: str = ""):
    matches = [item for item in ITEMS if q.lower() in item["name"].lower()]
    return templates.TemplateResponse(
        request,  # first: the template can then use url_for and request itself
        "index.html",  # a file name inside the templates folder
        {
            "title": "Item Store",
            "query": q,
            "items": matches,
        },  # the template's variables
    )


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    import re

    from fastapi.testclient import TestClient

    client = TestClient(app)
    page = client.get("/")
    print(page.status_code, page.headers["content-type"])
    #> 200 text/html; charset=utf-8
    print(page.text)
    '''
    <!DOCTYPE html>
    <html lang="en">
    <head>
      <meta charset="utf-8">
      <title>Item Store</title>
    </head>
    <body>
      <h1>Item Store</h1>
      <form action="http://testserver/">
        <input name="q" value="">
      </form>
      <ul>
        <li>Widget: $9.99</li>
        <li>Gadget: $49.99</li>
        <li>Gizmo: $15.00</li>
      </ul>
    </body>
    </html>
    '''

    # What a user types is inserted into the page escaped, so it stays text.
    attack = '"><script>alert(1)</script>'
    found = client.get("/", params={"q": attack})
    print(re.findall(r"<input.*>|<p>.*</p>", found.text))
    '''
    [
        '<input name="q" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">',
        '<p>Results for “&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”</p>',
    ]
    '''
# --8<-- [end:demo]
