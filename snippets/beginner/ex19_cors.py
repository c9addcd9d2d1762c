# --8<-- [start:app]
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    # Exact origins: scheme, host and port, with no path and no trailing slash.
    allow_origins=["http://localhost:5173", "https://app.example.com"],
    allow_credentials=True,  # the browser may send cookies and read the answer
    allow_methods=["GET", "POST", "DELETE"],
    allow_headers=["Authorization", "X-Request-ID"],
    expose_headers=["X-Request-ID"],  # response headers the page's JavaScript may read
    max_age=600,  # the browser may reuse a preflight answer for 10 minutes
)


@app.get("/api/items")
def list_items():
    return [{"id": 1, "name": "Keyboard"}]


@app.delete("/api/items/{item_id}", status_code=204)
def delete_item(item_id: int):
    return None


# --8<-- [end:app]

# --8<-- [start:wildcard]
# WRONG: never combine a wildcard with credentials. See what Starlette sends for it.
wildcard_app = FastAPI()
wildcard_app.add_middleware(
    CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"]
)


@wildcard_app.get("/api/me")
def who_is_logged_in():
    return {"user": "alice", "email": "alice@example.com"}


# --8<-- [end:wildcard]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # A preflight: asked before a DELETE with an Authorization header is sent.
    preflight = {
        "Origin": "http://localhost:5173",
        "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization",
    }
    response = client.options("/api/items/1", headers=preflight)
    print(response.status_code, response.headers["access-control-allow-origin"])
    #> 200 http://localhost:5173
    # The same question from a page on any other origin.
    evil = {**preflight, "Origin": "https://evil.example"}
    response = client.options("/api/items/1", headers=evil)
    print(response.status_code, response.text)
    #> 400 Disallowed CORS origin
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A GET needs no preflight: it runs either way, and only the answer's header differs.
    response = client.get("/api/items", headers={"Origin": "http://localhost:5173"})
    print(response.headers["access-control-allow-origin"])
    #> http://localhost:5173
    response = client.get("/api/items", headers={"Origin": "https://evil.example"})
    print(response.status_code, "access-control-allow-origin" in response.headers)
    #> 200 False

    def cors_headers(response) -> dict[str, str]:
        return {k: v for k, v in response.headers.items() if k.startswith("access-")}

    # Everything the allowed preflight answered.
    response = client.options("/api/items/1", headers=preflight)
    print(response.text, cors_headers(response))
    '''
    OK
    {
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-max-age': '600',
        'access-control-allow-headers': 'Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Request-ID',
        'access-control-allow-credentials': 'true',
        'access-control-allow-origin': 'http://localhost:5173',
    }
    '''
    # A header the browser wants to send, and the list does not name.
    response = client.options(
        "/api/items/1",
        headers={**preflight, "Access-Control-Request-Headers": "x-api-key"},
    )
    print(response.status_code, response.text)
    #> 400 Disallowed CORS headers
    # vary: Origin tells caches that the answer depends on the Origin header.
    response = client.get("/api/items", headers={"Origin": "https://evil.example"})
    print(cors_headers(response), response.headers["vary"])
    '''
    {
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'X-Request-ID',
    }
    Origin
    '''
    # --8<-- [end:more]

    # --8<-- [start:wildcard_demo]
    # The wildcard with credentials: Starlette echoes back whatever origin asks.
    wildcard_client = TestClient(wildcard_app)
    response = wildcard_client.get(
        "/api/me", headers={"Origin": "https://evil.example", "Cookie": "session=abc"}
    )
    print(cors_headers(response), response.json())
    '''
    {
        'access-control-allow-origin': 'https://evil.example',
        'access-control-allow-credentials': 'true',
    }
    {'user': 'alice', 'email': 'alice@example.com'}
    '''
    # --8<-- [end:wildcard_demo]
