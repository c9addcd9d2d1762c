# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:app]
import hashlib
import json
import re
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Response

app = FastAPI()
ARTICLES = {1: {"id": 1, "title": "Caching in HTTP"}}
RESPONSES = {304: {"description": "Not Modified"}, 404: {"description": "No article"}}


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (W/"x" matches "x"), with a list of tags, or `*`."""
    tags = re.findall(r'(?:W/)?("[^"]*")', if_none_match)  # tags may hold commas
    return if_none_match.strip() == "*" or etag.removeprefix("W/") in tags


@app.get("/articles/{article_id}", responses=RESPONSES)
@app.head("/articles/{article_id}", responses=RESPONSES)  # GET alone answers HEAD 405
def read_article(
    article_id: int, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    if article_id not in ARTICLES:
        raise HTTPException(404, "No such article")
    body = json.dumps(ARTICLES[article_id], separators=(",", ":")).encode()
    # A strong ETag, a digest of the exact bytes; caches may reuse the response for
    # 60 s, then must check it with If-None-Match.
    etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
    headers = {"ETag": etag, "Cache-Control": "max-age=60"}
    if if_none_match is not None and matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)  # the same headers, no body
    return Response(body, media_type="application/json", headers=headers)


# --8<-- [end:app]


# --8<-- [start:naive]
# The outline's way, on a second app that `fastapi dev` does not serve.
naive_app = FastAPI()


@naive_app.get("/users/{user_id}/avatar")
def naive_avatar(user_id: int, response: Response) -> dict[str, str]:
    data = {"url": f"https://cdn.example.com/avatars/{user_id}.jpg"}
    # A digest of json.dumps(data, sort_keys=True), not of the bytes FastAPI sends.
    digest = hashlib.md5(json.dumps(data, sort_keys=True).encode()).hexdigest()
    response.headers["ETag"] = f'"{digest}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return data  # WRONG: If-None-Match is never read, so there is never a 304


@naive_app.get("/feed")
def naive_feed(response: Response) -> dict[str, list[str]]:
    # WRONG: no-cache means "check with me before each use", and with no ETag or
    # Last-Modified there is nothing to check with: every check is a full 200.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Authorization"  # the route never reads Authorization
    return {"items": ["post1", "post2"]}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    etag = client.get("/articles/1").headers["etag"]
    # The client sends its copy's ETag back: nothing changed, so no body.
    response = client.get("/articles/1", headers={"If-None-Match": etag})
    print(response.status_code, response.content)
    #> 304 b''
    ARTICLES[1]["title"] = "Caching in HTTP, revised"  # a new version, a new ETag
    response = client.get("/articles/1", headers={"If-None-Match": etag})
    print(response.status_code, response.headers["etag"])
    #> 200 "61aa9cb2e74877db"
    # --8<-- [end:demo]

    # --8<-- [start:more]
    etag = response.headers["etag"]
    # If-None-Match compares weakly, takes a list, and `*` stands for any version.
    for value in [f"W/{etag}", f'"stale", {etag}', "*", '"stale"']:
        response = client.get("/articles/1", headers={"If-None-Match": value})
        print(value, response.status_code)
        #> W/"61aa9cb2e74877db" 304
        #> "stale", "61aa9cb2e74877db" 304
        #> * 304
        #> "stale" 200
    # A condition never turns a missing article into a 304.
    print(client.get("/articles/2", headers={"If-None-Match": "*"}).status_code)
    #> 404

    # HEAD: the same status and headers as GET, and no body.
    response = client.head("/articles/1")
    print(response.status_code, response.headers["etag"], response.content)
    #> 200 "61aa9cb2e74877db" b''
    print(client.head("/articles/1", headers={"If-None-Match": etag}).status_code)
    #> 304

    # What a 304 carries, and what it leaves out: no body, no Content-Length, no
    # Content-Type (uvicorn adds Date and Server on the wire).
    response = client.get("/articles/1", headers={"If-None-Match": etag})
    print(dict(response.headers))
    #> {'etag': '"61aa9cb2e74877db"', 'cache-control': 'max-age=60'}

    # The outline's avatar: its ETag sent back still gets the whole body...
    naive = TestClient(naive_app)
    response = naive.get("/users/7/avatar")
    etag = response.headers["etag"]
    again = naive.get("/users/7/avatar", headers={"If-None-Match": etag})
    print(again.status_code, again.json())
    #> 200 {'url': 'https://cdn.example.com/avatars/7.jpg'}
    # ...and it is not a digest of the body that was sent.
    print(etag == f'"{hashlib.md5(response.content).hexdigest()}"')
    #> False
    # Its feed says "check with me first", and offers nothing to check with.
    print(naive.get("/feed").headers.get("etag"), naive.get("/feed").status_code)
    #> None 200
# --8<-- [end:more]
