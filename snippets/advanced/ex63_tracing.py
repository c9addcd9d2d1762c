# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:providers]
import os

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def tracer_provider(service: str) -> TracerProvider:
    """Where one service's spans go: to the OTLP endpoint the environment names."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if "OTEL_EXPORTER_OTLP_ENDPOINT" in os.environ:  # e.g. http://127.0.0.1:4318
        # In batches, from a thread of its own: a request never waits for the export.
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


# --8<-- [end:providers]


# --8<-- [start:app]
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, HTTPException, Path
from opentelemetry import propagate, trace

SKU = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,40}$")]  # safe inside another URL
SPANS = {"operation_spans": False}  # a span per request; True adds FastAPI's steps

# Service B. FastAPI traces each request, continuing the trace its traceparent names.
inventory_provider = tracer_provider("inventory")
app = FastAPI(telemetry={"tracer_provider": inventory_provider, **SPANS})


@app.get("/stock/{sku}")
async def stock(sku: SKU):
    trace_id = trace.get_current_span().get_span_context().trace_id
    return {"sku": sku, "available": 3, "trace_id": f"{trace_id:032x}"}  # to show it


# Service A calls B, and passes the trace on in a traceparent header.
checkout_provider = tracer_provider("checkout")
checkout = FastAPI(telemetry={"tracer_provider": checkout_provider, **SPANS})
tracer = checkout_provider.get_tracer("checkout")
INVENTORY_URL = os.environ.get("INVENTORY_URL", "http://127.0.0.1:8000")


async def inventory_client():
    async with httpx2.AsyncClient(base_url=INVENTORY_URL, timeout=5) as client:
        yield client


@checkout.post("/checkout/{sku}", responses={502: {"description": "No inventory"}})
async def buy(
    sku: SKU, inventory: Annotated[httpx2.AsyncClient, Depends(inventory_client)]
):
    with tracer.start_as_current_span("GET /stock/{sku}", kind=trace.SpanKind.CLIENT):
        headers = {}
        propagate.inject(headers)  # traceparent: this trace, and this span as parent
        try:
            response = await inventory.get(f"/stock/{sku}", headers=headers)
            response.raise_for_status()
        except httpx2.HTTPError:
            raise HTTPException(502, "Inventory unreachable") from None
    return {"sku": sku, "reserved": response.json()["available"] > 0}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    import opentelemetry.sdk.trace.export.in_memory_span_exporter as memory
    from fastapi.testclient import TestClient
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    spans = memory.InMemorySpanExporter()  # keeps the finished spans, to print them
    for provider in (inventory_provider, checkout_provider):
        provider.add_span_processor(SimpleSpanProcessor(spans))

    async def inventory_in_this_process():  # the tests use two real servers
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://b") as c:
            yield c

    checkout.dependency_overrides[inventory_client] = inventory_in_this_process
    TestClient(checkout).post("/checkout/book-1")
    finished = {span.context.span_id: span for span in spans.get_finished_spans()}

    def who(span) -> str:
        return f"{span.resource.attributes['service.name']} {span.kind.name}"

    for span in sorted(finished.values(), key=lambda span: span.start_time):
        parent = who(finished[span.parent.span_id]) if span.parent else "none"
        print(f"{who(span)} {span.name}, parent: {parent}")
        #> checkout SERVER POST /checkout/{sku}, parent: none
        #> checkout CLIENT GET /stock/{sku}, parent: checkout SERVER
        #> inventory SERVER GET /stock/{sku}, parent: checkout CLIENT
    print("traces:", len({span.context.trace_id for span in finished.values()}))
    #> traces: 1
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import importlib.util

    # A caller's traceparent: version, trace id, the caller's span id, flags (01: sampled).
    inventory = TestClient(app)
    caller = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    print(inventory.get("/stock/book-1", headers=caller).json()["trace_id"])
    #> 4bf92f3577b34da6a3ce929d0e0e4736

    # A header that is not a valid traceparent is ignored: a new trace begins.
    spans.clear()
    made_up = inventory.get("/stock/book-1", headers={"traceparent": "00-nonsense"})
    new_trace = made_up.json()["trace_id"] not in caller["traceparent"]
    print(made_up.status_code, new_trace, len(spans.get_finished_spans()))
    #> 200 True 1

    # Flags 00, "not sampled": the default sampler follows the caller, records nothing.
    spans.clear()
    unsampled = {"traceparent": caller["traceparent"][:-2] + "00"}
    trace_id = inventory.get("/stock/book-1", headers=unsampled).json()["trace_id"]
    print(trace_id, len(spans.get_finished_spans()))
    #> 4bf92f3577b34da6a3ce929d0e0e4736 0

    # The outline's Jaeger exporter left opentelemetry-python in 1.22 (2023).
    print(importlib.util.find_spec("opentelemetry.exporter.jaeger"))
    #> None
    # --8<-- [end:more]
