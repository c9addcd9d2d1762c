# --8<-- [start:app]
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

app = FastAPI()

# A route that returns a Response object still tells the docs what it sends: here, CSV.
CSV = {200: {"description": "A CSV table", "content": {"text/csv": {}}}}

# The only folder the download routes below are meant to serve files from.
DOWNLOADS = Path(__file__).resolve().parent / "ex22_downloads"


@app.get("/html", response_class=HTMLResponse)
def html_page():
    return "<h1>Hello HTML</h1>"  # a str, sent as it is with the HTML content type


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


@app.get("/old-url", response_class=RedirectResponse, status_code=301)
def old_url():
    return RedirectResponse("/new-url", status_code=301)  # the default would be 307


@app.get("/new-url")
def new_url():
    return {"message": "You were redirected here"}


# --8<-- [end:app]


# --8<-- [start:naive-redirect]
# The naive versions live on an app of their own, there to be broken: never serve them.
naive_app = FastAPI()


@naive_app.get("/naive-go")
def naive_go(next: str):
    # WRONG: redirects to any address at all, https://evil.example included.
    return RedirectResponse(next)


# --8<-- [end:naive-redirect]

# --8<-- [start:redirect]
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


# --8<-- [start:download]
def file_inside(folder: Path, name: str) -> Path | None:
    """The file `name` names inside `folder` (itself resolved), or None if it names
    anything else."""
    try:
        # Absolute, with every "..", "." and symbolic link worked out.
        path = (folder / name).resolve()
        if path.is_relative_to(folder) and path.is_file():
            return path
    except (OSError, ValueError):  # a name too long for the OS, or with a NUL byte
        pass
    return None


@app.get(
    "/downloads/{name:path}",
    response_class=FileResponse,
    responses={404: {"description": "No such file in the folder"}},
)
def download(name: str):
    path = file_inside(DOWNLOADS, name)
    if path is None:
        raise HTTPException(status_code=404, detail="File not found")
    return FileResponse(path, filename=path.name)  # filename: Content-Disposition


# --8<-- [end:download]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    def describe(path: str) -> str:
        response = client.get(path, follow_redirects=False)
        return f"{response.status_code} {response.headers.get('content-type')}"

    print(describe("/html"))
    #> 200 text/html; charset=utf-8
    print(describe("/text"))
    #> 200 text/plain; charset=utf-8
    print(describe("/json"))
    #> 202 application/json
    print(describe("/csv"))
    #> 200 text/csv; charset=utf-8
    print(describe("/csv/stream"))
    #> 200 text/csv; charset=utf-8
    print(describe("/downloads/price-list.csv"))
    #> 200 text/csv; charset=utf-8

    print(client.get("/csv/stream").text)
    '''
    id,square
    1,1
    2,4
    3,9
    '''

    # A redirect is a status code and a Location header; TestClient follows it by default.
    moved = client.get("/old-url", follow_redirects=False)
    print(moved.status_code, moved.headers["location"])
    #> 301 /new-url
    print(client.get("/old-url").json())
    #> {'message': 'You were redirected here'}

    # The naive redirect sends users anywhere; the checked one refuses with 422.
    naive = TestClient(naive_app)
    bounced = naive.get("/naive-go?next=https://evil.example", follow_redirects=False)
    print(bounced.status_code, bounced.headers["location"])
    #> 307 https://evil.example
    print(client.get("/go?next=//evil.example").status_code)
    #> 422
    print(client.get("/go?next=/new-url", follow_redirects=False).headers["location"])
    #> /new-url

    # The naive download hands out this very file; the checked one answers 404.
    leaked = naive.get("/naive-downloads/..%2fex22_response_types.py")
    print(leaked.status_code, "def naive_download" in leaked.text)
    #> 200 True
    print(client.get("/downloads/..%2fex22_response_types.py").status_code)
    #> 404
# --8<-- [end:demo]
