# --8<-- [start:app]
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

app = FastAPI()

DOWNLOADS = Path(__file__).resolve().parent / "ex22_downloads"
# FastAPI cannot see inside a response object: this tells the docs it sends CSV.
CSV = {200: {"description": "A CSV table", "content": {"text/csv": {}}}}


@app.get("/html", response_class=HTMLResponse)
def html_page():
    return "<h1>Hello HTML</h1>"  # a str, sent as it is with the HTML content type


@app.get("/price-list", response_class=FileResponse, responses=CSV)
def price_list():
    # filename= adds a Content-Disposition header: the browser saves the file.
    return FileResponse(DOWNLOADS / "price-list.csv", filename="price-list.csv")


@app.get("/old-url", response_class=RedirectResponse, status_code=301)
def old_url():
    return RedirectResponse("/new-url", status_code=301)  # the default would be 307


@app.get("/new-url")
def new_url():
    return {"message": "You were redirected here"}


# --8<-- [end:app]


# --8<-- [start:more-classes]
from collections.abc import Iterator

from fastapi.responses import (
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)


@app.get("/text", response_class=PlainTextResponse)
def plain_text():
    return "Hello, plain text world!"


@app.get("/json", status_code=202)  # for the docs: the response sets its own status
def accepted():
    # A response object sets its own status code and headers; FastAPI sends it as is.
    return JSONResponse(
        {"status": "queued"}, status_code=202, headers={"Location": "/jobs/1"}
    )


@app.get("/csv", response_class=Response, responses=CSV)
def csv_data():
    return Response(
        content="id,name,price\n1,Widget,9.99\n2,Gadget,49.99\n",
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="data.csv"'},
    )


@app.get("/csv/stream", response_class=StreamingResponse, responses=CSV)
def csv_stream():
    def rows() -> Iterator[str]:
        yield "id,square\n"
        for number in range(1, 4):
            yield f"{number},{number * number}\n"  # sent as soon as it is produced

    return StreamingResponse(rows(), media_type="text/csv")


# --8<-- [end:more-classes]


# --8<-- [start:naive-redirect]
# The naive versions live on an app of their own, there to be broken: never serve them.
naive_app = FastAPI()


@naive_app.get("/naive-go")
def naive_go(next: str):
    # WRONG: redirects to any address at all, https://evil.example included.
    return RedirectResponse(next)


# --8<-- [end:naive-redirect]

# --8<-- [start:redirect]
from typing import Annotated

from fastapi import Query

# A path on this site: "/" or "/segment/segment...", never "//host" or "https://host".
LOCAL_PATH = r"^/([A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*)?$"


@app.get("/go", response_class=RedirectResponse)  # documented as a 307
def go(next: Annotated[str, Query(pattern=LOCAL_PATH)] = "/"):
    return RedirectResponse(next)


# --8<-- [end:redirect]


# --8<-- [start:naive-download]
@naive_app.get("/naive-downloads/{name:path}")
def naive_download(name: str):
    # WRONG: "../" in name walks out of the folder, and "/etc/passwd" replaces it.
    return FileResponse(DOWNLOADS / name)


# --8<-- [end:naive-download]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    for path in ["/html", "/price-list"]:
        response = client.get(path)
        print(path, response.status_code, response.headers["content-type"])
        #> /html 200 text/html; charset=utf-8
        #> /price-list 200 text/csv; charset=utf-8
    print(client.get("/price-list").headers["content-disposition"])
    #> attachment; filename="price-list.csv"

    # A redirect is a status and a Location header; TestClient follows it by default.
    moved = client.get("/old-url", follow_redirects=False)
    print(moved.status_code, moved.headers["location"])
    #> 301 /new-url
    print(client.get("/old-url").json())
    #> {'message': 'You were redirected here'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    for path in ["/text", "/json", "/csv", "/csv/stream"]:
        response = client.get(path)
        print(path, response.status_code, response.headers["content-type"])
        #> /text 200 text/plain; charset=utf-8
        #> /json 202 application/json
        #> /csv 200 text/csv; charset=utf-8
        #> /csv/stream 200 text/csv; charset=utf-8
    print(client.get("/csv/stream").text)
    '''
    id,square
    1,1
    2,4
    3,9
    '''

    # The naive redirect sends users anywhere; the checked one refuses with 422.
    naive = TestClient(naive_app)
    bounced = naive.get("/naive-go?next=https://evil.example", follow_redirects=False)
    print(bounced.status_code, bounced.headers["location"])
    #> 307 https://evil.example
    print(client.get("/go?next=//evil.example").status_code)
    #> 422
    print(client.get("/go?next=/new-url", follow_redirects=False).headers["location"])
    #> /new-url

    # The naive download hands out this very file.
    leaked = naive.get("/naive-downloads/..%2fex22_response_types.py")
    print(leaked.status_code, "def naive_download" in leaked.text)
    #> 200 True
# --8<-- [end:more]
