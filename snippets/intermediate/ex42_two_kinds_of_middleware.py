# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
from collections.abc import AsyncIterable

from fastapi import BackgroundTasks, FastAPI
from starlette.middleware.base import BaseHTTPMiddleware

timeline: list[str] = []  # when each layer's code ran (a real app would log)


class CallNextMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        timeline.append(f"BaseHTTPMiddleware: call_next gave {response.status_code}")
        return response


class PureASGIMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # the lifespan and WebSockets pass through
            return await self.app(scope, receive, send)

        async def send_and_note(message):
            await send(message)  # passed on at once: nothing is held back
            if message["type"] == "http.response.body":
                more = message.get("more_body", False)
                timeline.append(f"ASGI middleware: sent a piece, more_body={more}")

        await self.app(scope, receive, send_and_note)
        timeline.append("ASGI middleware: the app returned")


app = FastAPI()
app.add_middleware(CallNextMiddleware)  # added first: the inner layer
app.add_middleware(PureASGIMiddleware)  # added last: the outer layer


@app.get("/report")
async def report(tasks: BackgroundTasks) -> AsyncIterable[dict[str, int]]:
    tasks.add_task(timeline.append, "background task")
    for part in (1, 2):
        yield {"part": part}  # one JSON line each, sent as it is made (Example 43)


# --8<-- [end:app]


# --8<-- [start:headers]
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeadersMiddleware:
    """Adds headers to every response the app makes, streamed ones included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)  # edits the message itself
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
            await send(message)

        await self.app(scope, receive, send_with_headers)


app.add_middleware(SecurityHeadersMiddleware)
# --8<-- [end:headers]


# --8<-- [start:contextvars]
from contextvars import ContextVar

from fastapi import Request

request_id: ContextVar[str] = ContextVar("request_id", default="-")
user: ContextVar[str] = ContextVar("user", default="unknown")


def context_app(middleware: type) -> tuple[FastAPI, list[str]]:
    """An app whose middleware sets request_id and reads back the user that the
    route sets: which of the two crosses the boundary, in each direction?"""
    seen: list[str] = []
    context = FastAPI()
    context.add_middleware(middleware, seen=seen)

    @context.get("/async")
    async def async_route():
        user.set("alice")
        return {"request_id": request_id.get()}

    @context.get("/sync")
    def sync_route():  # runs in a worker thread, in a copy of the context
        user.set("alice")
        return {"request_id": request_id.get()}

    return context, seen


class SetsContextWithCallNext(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        super().__init__(app)
        self.seen = seen

    async def dispatch(self, request: Request, call_next):
        request_id.set("r-42")
        response = await call_next(request)  # the app runs in a task of its own
        self.seen.append(user.get())
        return response


class SetsContextInASGI:
    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id.set("r-42")
        await self.app(scope, receive, send)  # the same task, so the same context
        self.seen.append(user.get())


# --8<-- [end:contextvars]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    TestClient(app).get("/report")  # curl shows the two lines below
    for entry in timeline:
        print(entry)
        #> BaseHTTPMiddleware: call_next gave 200
        #> ASGI middleware: sent a piece, more_body=True
        #> ASGI middleware: sent a piece, more_body=True
        #> ASGI middleware: sent a piece, more_body=False
        #> background task
        #> ASGI middleware: the app returned
    # --8<-- [end:demo]

    # --8<-- [start:more]
    client = TestClient(app)
    # The security headers are on the streamed response too: they were added to its
    # first message, before any of the body.
    response = client.get("/report")
    print(
        response.headers["x-content-type-options"], response.headers["x-frame-options"]
    )
    #> nosniff DENY
    # And on the 404 of an unknown path, which the app itself produced.
    print(client.get("/nowhere").headers["x-content-type-options"])
    #> nosniff

    # contextvars: a value set in the middleware before the app runs reaches the
    # route with both kinds of middleware. A value set in the route comes back out
    # only to a pure ASGI middleware, and only from an async route.
    for middleware in (SetsContextWithCallNext, SetsContextInASGI):
        context, seen = context_app(middleware)
        context_client = TestClient(context)
        for path in ("/async", "/sync"):
            got = context_client.get(path).json()["request_id"]
            print(f"{middleware.__name__} {path}: route saw {got}, then saw {seen[-1]}")
            #> SetsContextWithCallNext /async: route saw r-42, then saw unknown
            #> SetsContextWithCallNext /sync: route saw r-42, then saw unknown
            #> SetsContextInASGI /async: route saw r-42, then saw alice
            #> SetsContextInASGI /sync: route saw r-42, then saw unknown
# --8<-- [end:more]
