# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:app]
from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    # A JSON answer needs no scripts, styles or frames: nothing may load or frame it.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers older than CSP 2
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",  # HTTPS only
    "X-Content-Type-Options": "nosniff",  # the Content-Type is final: no sniffing
    "Referrer-Policy": "no-referrer",  # no URL of ours sent to another site
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:  # adds SECURITY_HEADERS to every HTTP response
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the lifespan and WebSockets pass through
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)  # a route's own policy wins
            await send(message)

        await self.app(scope, receive, send_with_headers)


app = FastAPI(docs_url=None, redoc_url=None)  # /docs comes back below, with its policy
app.add_middleware(SecurityHeaders)


@app.get("/orders/{order_id}")
async def order(order_id: int) -> dict[str, int | str]:
    return {"id": order_id, "status": "shipped"}


# --8<-- [end:app]


# --8<-- [start:docs]
import base64
import hashlib
import re

from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

DOCS_HTML = get_swagger_ui_html(openapi_url="/openapi.json", title="Orders").body
# The page's inline script is allowed by its hash, computed here from the page this app
# writes: any other inline script, injected or not, is refused.
INLINE = re.findall(rb"<script>(.*?)</script>", DOCS_HTML, re.DOTALL)
HASHES = [
    base64.b64encode(hashlib.sha256(script).digest()).decode() for script in INLINE
]
SWAGGER = "https://cdn.jsdelivr.net"  # where FastAPI's page loads Swagger UI from
DOCS_POLICY = (
    f"default-src 'none'; script-src {SWAGGER} "
    + " ".join(f"'sha256-{digest}'" for digest in HASHES)
    + f"; style-src {SWAGGER} 'unsafe-inline'; img-src https://fastapi.tiangolo.com data:"
    + "; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@app.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_HTML, headers={"Content-Security-Policy": DOCS_POLICY})


# --8<-- [end:docs]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    urls = ["/orders/7", "/nowhere", "/orders/seven"]  # 200, and FastAPI's 404 and 422
    print([client.get(url).headers["x-frame-options"] for url in urls])
    #> ['DENY', 'DENY', 'DENY']
    # --8<-- [end:demo]

    # --8<-- [start:more]
    answer = client.get("/orders/7")
    print(answer.json(), answer.headers["content-security-policy"])
    #> {'id': 7, 'status': 'shipped'} default-src 'none'; frame-ancestors 'none'
    print("x-xss-protection" in answer.headers)  # obsolete: see above
    #> False

    # /docs sends its own policy, which the middleware leaves alone.
    page = client.get("/docs")
    policy = page.headers["content-security-policy"]
    print(policy.split("; ")[1].split(" ")[:2])
    #> ['script-src', 'https://cdn.jsdelivr.net']
    # The hash in it is the hash of the inline script the page really contains.
    script = re.search(r"<script>(.*?)</script>", page.text, re.DOTALL)[1]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    print(f"'sha256-{digest}'" in policy, "x-frame-options" in page.headers)
    #> True True

    # The outline's development CORS: any origin, with credentials. A request that
    # carries a cookie gets its Origin echoed back, so any site can read the answer.
    from fastapi.middleware.cors import CORSMiddleware

    open_cors = FastAPI()
    open_cors.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_credentials=True
    )

    @open_cors.get("/me")
    async def me() -> dict[str, str]:
        return {"name": "alice"}

    asked = {"Origin": "https://evil.example", "Cookie": "session=alice"}
    cors = TestClient(open_cors).get("/me", headers=asked).headers
    print(cors["access-control-allow-origin"], cors["access-control-allow-credentials"])
    #> https://evil.example true
    # --8<-- [end:more]
