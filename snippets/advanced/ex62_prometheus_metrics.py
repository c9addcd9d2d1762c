# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
import os
import time

import prometheus_client as prom
from fastapi import FastAPI, Response
from prometheus_client import multiprocess

registry = prom.CollectorRegistry()  # the app's own: importing it again makes another
REQUESTS = prom.Counter(
    "http_requests", "Requests", ["method", "route", "status"], registry=registry
)
DURATION = prom.Histogram(
    "http_request_duration_seconds", "Time to answer", ["route"], registry=registry
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class MetricsMiddleware:  # pure ASGI, like Example 61's
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500  # 500: if the app raises

        async def note_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note_status)
        finally:
            # The route's template, not the URL; the rest share one value each.
            route = getattr(scope.get("route"), "path", "(unmatched)")
            method = scope["method"] if scope["method"] in METHODS else "(other)"
            REQUESTS.labels(method, route, status).inc()
            DURATION.labels(route).observe(time.perf_counter() - started)


app = FastAPI()
app.add_middleware(MetricsMiddleware)
scraped = registry  # one process: the metrics in its own memory
if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # workers: all their files, added up
    scraped = prom.CollectorRegistry()
    multiprocess.MultiProcessCollector(scraped)


@app.get("/metrics", include_in_schema=False)  # for Prometheus, not for API clients
def metrics():
    return Response(prom.generate_latest(scraped), media_type=prom.CONTENT_TYPE_LATEST)


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    return {"item_id": item_id}


# --8<-- [end:app]


# --8<-- [start:gauge]
from prometheus_client import Gauge

# livesum: the sum over the workers alive now. Gunicorn's child_exit hook forgets
# a worker that has ended, even one killed while it was answering.
IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "Being answered",
    registry=registry,
    multiprocess_mode="livesum",
)


class InProgressMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        with IN_PROGRESS.track_inprogress():
            await self.app(scope, receive, send)


app.add_middleware(InProgressMiddleware)
# --8<-- [end:gauge]


# --8<-- [start:naive]
naive_registry = prom.CollectorRegistry()  # apart from the app's own metrics
BY_URL = prom.Counter(
    "naive_requests", "By URL", ["path", "status"], registry=naive_registry
)
ACTIVE = prom.Gauge("naive_requests_active", "In flight", registry=naive_registry)
naive_app = FastAPI()  # the outline's way of counting, to break it; not served


@naive_app.middleware("http")
async def count_by_url(request, call_next):
    ACTIVE.inc()
    response = await call_next(request)  # if this raises, neither line below runs
    BY_URL.labels(request.url.path, response.status_code).inc()  # a series per URL
    ACTIVE.dec()
    return response


@naive_app.get("/items/{item_id}")
async def naive_read_item(item_id: int):
    return {"item_id": item_id}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    for path in ("/items/1", "/items/2", "/items/3", "/items/three", "/wp-login.php"):
        client.get(path)
    lines = client.get("/metrics").text.splitlines()  # the text Prometheus reads
    print("\n".join(line for line in lines if line.startswith("http_requests_total")))
    '''
    http_requests_total{method="GET",route="/items/{item_id}",status="200"} 3.0
    http_requests_total{method="GET",route="/items/{item_id}",status="422"} 1.0
    http_requests_total{method="GET",route="(unmatched)",status="404"} 1.0
    '''
    # --8<-- [end:demo]

    # --8<-- [start:more]
    from prometheus_client.parser import text_string_to_metric_families

    # The cardinality trap: 100 item ids, and a scanner trying 100 made-up paths.
    naive = TestClient(naive_app)
    for n in range(100):
        for each in (client, naive):
            each.get(f"/items/{n}")
            each.get(f"/scan-{n}.php")

    def series(source: prom.CollectorRegistry, name: str) -> int:
        scrape = prom.generate_latest(source).decode()
        families = text_string_to_metric_families(scrape)
        return sum(s.name == name for f in families for s in f.samples)

    print("by route:", series(scraped, "http_requests_total"))
    #> by route: 4
    print("by URL:", series(naive_registry, "naive_requests_total"))
    #> by URL: 200

    # Methods a client makes up share one label value too.
    for method in ("BREW", "PROPFIND", "X-ANYTHING"):
        client.request(method, "/items/1")
    print(series(scraped, "http_requests_total"))
    #> 5

    # The format version has moved on from the outline's 0.0.4.
    print(client.get("/metrics").headers["content-type"])
    #> text/plain; version=1.0.0; charset=utf-8
    # --8<-- [end:more]
