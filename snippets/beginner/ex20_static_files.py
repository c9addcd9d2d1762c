# --8<-- [start:app]
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

# The folder this file is in, wherever Python was started from.
HERE = Path(__file__).resolve().parent

app = FastAPI()

# Every GET /static/<path> is answered from the folder ex20_static/, beside this file.
app.mount("/static", StaticFiles(directory=HERE / "ex20_static"), name="static")


@app.get("/")
def home(request: Request):
    # url_for builds a file's URL from the mount's name; it knows the prefix /static.
    return {
        "message": "API is running",
        "stylesheet": str(request.url_for("static", path="css/app.css")),
        "logo": str(request.url_for("static", path="images/logo.svg")),
    }


# --8<-- [end:app]

# --8<-- [start:html]
# html=True: a directory URL such as /site/ is answered with the index.html inside it.
app.mount(
    "/site", StaticFiles(directory=HERE / "ex20_spa_dist", html=True), name="site"
)
# --8<-- [end:html]


# --8<-- [start:spa]
from starlette.exceptions import HTTPException


class SPAStaticFiles(StaticFiles):
    """StaticFiles that answers a client-side route, such as /spa/books/42, with
    index.html."""

    async def get_response(self, path: str, scope):
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            # A missing asset (a name with a suffix, like app.js) stays a 404.
            if error.status_code != 404 or Path(path).suffix:
                raise
            return await super().get_response("index.html", scope)


app.mount(
    "/spa", SPAStaticFiles(directory=HERE / "ex20_spa_dist", html=True), name="spa"
)
# --8<-- [end:spa]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/").json()["stylesheet"])
    #> http://testserver/static/css/app.css

    # The content type comes from the file's extension.
    css = client.get("/static/css/app.css")
    print(css.status_code, css.headers["content-type"])
    #> 200 text/css; charset=utf-8
    logo = client.get("/static/images/logo.svg")
    print(logo.status_code, logo.headers["content-type"])
    #> 200 image/svg+xml

    # A file that is not there, and an attempt to climb out of the folder: both 404.
    print(client.get("/static/missing.txt").status_code)
    #> 404
    print(client.get("/static/%2e%2e/ex20_static_files.py").status_code)
    #> 404
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # html=True serves index.html for a directory, but not for an unknown path.
    print(client.get("/site/").status_code)
    #> 200
    print(client.get("/site/books/42").status_code)
    #> 404
    # SPAStaticFiles falls back to index.html for routes, but not for missing assets.
    print(client.get("/spa/books/42").status_code)
    #> 200
    print(client.get("/spa/assets/missing.js").status_code)
    #> 404

    # The outline's StaticFiles(directory="static") looks in the working directory.
    try:
        StaticFiles(directory="static")
    except RuntimeError as error:
        print(error)
        #> Directory 'static' does not exist
# --8<-- [end:more]
