# --8<-- [start:app]
from typing import Annotated, Literal

from fastapi import Cookie, FastAPI, Response

app = FastAPI()

GREETINGS = {"en": "Hello", "fr": "Bonjour", "nl": "Hallo"}
ONE_YEAR = 365 * 24 * 60 * 60  # seconds


@app.get("/with-headers")
def with_headers(response: Response):
    # FastAPI copies what you set on this response into the one it sends.
    response.headers["X-Custom-Header"] = "my-value"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return {"message": "response has custom headers"}


@app.put("/language/{lang}")
def set_language(lang: Literal["en", "fr", "nl"], response: Response):
    response.set_cookie(
        key="lang",
        value=lang,
        max_age=ONE_YEAR,  # kept for a year; without it, until the browser closes
        httponly=True,  # not readable from JavaScript (document.cookie)
        secure=True,  # only sent back over HTTPS
        samesite="lax",  # not sent with requests that other sites start, except links
    )
    return {"language": lang}


@app.get("/greeting")
def greeting(lang: Annotated[str | None, Cookie()] = None):
    # A cookie is input like any other: the client may send any value, or none.
    return {"message": GREETINGS.get(lang, GREETINGS["en"])}


# --8<-- [end:app]


# --8<-- [start:forget]
@app.delete("/language")
def forget_language(response: Response):
    # The name and path (and domain, if any) say which cookie; keep the flags it had.
    response.delete_cookie(key="lang", httponly=True, secure=True, samesite="lax")
    return {"language": None}


# --8<-- [end:forget]


# --8<-- [start:mistake]
from fastapi.responses import JSONResponse

# The mistake, on an app of its own so that `app` stays one to copy.
mistake_app = FastAPI()


@mistake_app.get("/lost-headers")
def lost_headers(response: Response):
    response.headers["X-Custom-Header"] = "my-value"  # WRONG: dropped, never sent
    return JSONResponse({"message": "a response of its own"})


# --8<-- [end:mistake]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    # An https:// address, because the cookie is Secure (see below).
    client = TestClient(app, base_url="https://testserver")
    response = client.get("/with-headers")
    print(response.headers["x-custom-header"], "|", response.headers["cache-control"])
    #> my-value | public, max-age=3600

    client.put("/language/fr")
    # The client stored the cookie and sends it back with every request to this site.
    print(client.cookies["lang"], client.get("/greeting").json())
    #> fr {'message': 'Bonjour'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import re

    # A cookie is only a header the client writes: any value may come back.
    forged = {"Cookie": "lang=klingon"}
    print(TestClient(app).get("/greeting", headers=forged).json())
    #> {'message': 'Hello'}

    # Deleting sends the cookie again, empty and expiring now (the date is masked).
    deleted = client.delete("/language").headers["set-cookie"]
    print(re.sub(r"expires=[^;]+", "expires=<now>", deleted))
    #> lang=""; expires=<now>; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure
    print(client.get("/greeting").json())
    #> {'message': 'Hello'}

    # Headers set on the injected response are lost when you return your own response.
    mistake = TestClient(mistake_app)
    print("x-custom-header" in mistake.get("/lost-headers").headers)
    #> False

    # Secure: a client that honours it never sends the cookie over plain http://.
    plain_http = TestClient(app, base_url="http://testserver")
    plain_http.put("/language/fr")
    print(plain_http.cookies["lang"], plain_http.get("/greeting").json())
    #> fr {'message': 'Hello'}
# --8<-- [end:more]
