"""What Example 63 claims beyond its prints: one trace crosses two real servers on
loopback, the inventory's request span a child of the checkout's call span; spans leave
both services over OTLP/HTTP, received and decoded by a collector on loopback that the test
starts; a traceparent that is malformed starts a new trace, one marked "not sampled" is
obeyed; a SKU cannot smuggle anything into the inventory's URL; without `inject` the two
services make two traces; and the outline's Jaeger exporter is gone."""

import importlib.util
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from opentelemetry.sdk import environment_variables
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from real_servers import server

from conftest import load_snippet
from site_sources import REPO
from transcripts import free_port, serve

SNIPPET = "snippets/advanced/ex63_tracing.py"
CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def example():
    """A fresh import for every test: each has its own providers and spans."""
    return load_snippet(REPO / SNIPPET)


@pytest.fixture
def spans(example) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    for provider in (example.inventory_provider, example.checkout_provider):
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def by_kind(finished, service: str, kind: str):
    [span] = [
        s
        for s in finished
        if s.resource.attributes["service.name"] == service and s.kind.name == kind
    ]
    return span


def test_one_trace_crosses_two_real_servers(example, spans, monkeypatch):
    with serve(example.app) as inventory_url, serve(example.checkout) as checkout_url:
        monkeypatch.setattr(example, "INVENTORY_URL", inventory_url)
        response = httpx2.post(f"{checkout_url}/checkout/book-1", timeout=10)
    assert response.json() == {"sku": "book-1", "reserved": True}
    finished = spans.get_finished_spans()
    assert len(finished) == 3
    entry = by_kind(finished, "checkout", "SERVER")
    call = by_kind(finished, "checkout", "CLIENT")
    served = by_kind(finished, "inventory", "SERVER")
    assert {s.context.trace_id for s in finished} == {entry.context.trace_id}
    assert entry.parent is None
    assert call.parent.span_id == entry.context.span_id
    assert served.parent.span_id == call.context.span_id
    assert served.parent.is_remote  # it came over the network, in traceparent
    assert served.name == "GET /stock/{sku}"
    assert served.attributes["http.route"] == "/stock/{sku}"
    assert served.attributes["http.response.status_code"] == 200
    port = int(inventory_url.rsplit(":", 1)[1])
    assert served.attributes["server.port"] == port
    # Nested in time too: the call inside the request, the inventory inside the call.
    assert entry.start_time <= call.start_time <= served.start_time
    assert served.end_time <= call.end_time <= entry.end_time


def test_without_inject_the_two_services_make_two_traces(example, spans):
    """The outline's instrumentor traces the requests a service receives; a call it makes
    carries the trace on only if something injects traceparent. Here nothing does."""
    forgetful = FastAPI(telemetry={"tracer_provider": example.checkout_provider})

    @forgetful.post("/checkout/{sku}")
    async def buy(sku: str):
        async with httpx2.AsyncClient(base_url=example.INVENTORY_URL) as inventory:
            return (await inventory.get(f"/stock/{sku}")).json()

    with serve(example.app) as inventory_url, serve(forgetful) as checkout_url:
        example.INVENTORY_URL = inventory_url
        httpx2.post(f"{checkout_url}/checkout/book-1", timeout=10)
    finished = spans.get_finished_spans()
    served = by_kind(finished, "inventory", "SERVER")
    assert served.parent is None
    assert len({s.context.trace_id for s in finished}) == 2


def test_a_callers_trace_is_continued(example, spans):
    response = TestClient(example.app).get(
        "/stock/book-1", headers={"traceparent": CALLER}
    )
    assert response.json()["trace_id"] == CALLER.split("-")[1]
    [served] = spans.get_finished_spans()
    assert f"{served.parent.span_id:016x}" == CALLER.split("-")[2]


@pytest.mark.parametrize(
    "header",
    [
        "00-nonsense",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero span
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # version ff
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\x00",
        "x" * 5000,
    ],
)
def test_a_malformed_traceparent_starts_a_new_trace(example, spans, header):
    response = TestClient(example.app).get(
        "/stock/book-1", headers={"traceparent": header}
    )
    assert response.status_code == 200
    [served] = spans.get_finished_spans()
    assert served.parent is None
    assert response.json()["trace_id"] == f"{served.context.trace_id:032x}"
    assert response.json()["trace_id"] != CALLER.split("-")[1]


def test_a_caller_marking_its_trace_unsampled_switches_recording_off(example, spans):
    """The SDK's default sampler is ParentBased: a caller's flags decide. Worth knowing at
    the edge of a system, where callers are not yours (the page says how to choose)."""
    unsampled = CALLER[:-2] + "00"
    response = TestClient(example.app).get(
        "/stock/book-1", headers={"traceparent": unsampled}
    )
    assert response.json()["trace_id"] == CALLER.split("-")[1]
    assert spans.get_finished_spans() == ()


def test_inventory_down_is_a_502_and_an_error_span(example, spans, monkeypatch):
    monkeypatch.setattr(example, "INVENTORY_URL", f"http://127.0.0.1:{free_port()}")
    response = TestClient(example.checkout).post("/checkout/book-1")
    assert response.status_code == 502
    assert response.json() == {"detail": "Inventory unreachable"}
    call = by_kind(spans.get_finished_spans(), "checkout", "CLIENT")
    assert call.status.status_code == trace.StatusCode.ERROR


def test_an_inventory_error_is_a_502_too(example, spans):
    async def failing_inventory():
        def answer(request):
            return httpx2.Response(500, json={"detail": "boom"})

        async with httpx2.AsyncClient(
            transport=httpx2.MockTransport(answer), base_url="http://b"
        ) as client:
            yield client

    example.checkout.dependency_overrides[example.inventory_client] = failing_inventory
    assert TestClient(example.checkout).post("/checkout/book-1").status_code == 502


@pytest.mark.parametrize(
    "sku", ["a%3Fadmin%3D1", "..", "%2E%2E", "a%23b", "A" * 41, "Book"]
)
def test_a_sku_cannot_smuggle_anything_into_the_inventory_url(example, spans, sku):
    response = TestClient(example.checkout).post(f"/checkout/{sku}")
    assert response.status_code in (404, 422)
    assert not any(s.kind.name == "CLIENT" for s in spans.get_finished_spans())


def test_fastapi_makes_no_spans_without_a_provider():
    """FastAPI's telemetry works through OpenTelemetry's providers: with none configured
    (the global one is a stand-in), it does nothing at all."""
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
    app = FastAPI()

    @app.get("/")
    def root():
        return trace.get_current_span().get_span_context().is_valid

    assert TestClient(app).get("/").json() is False


def test_operation_spans_add_fastapis_own_steps():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI(telemetry={"tracer_provider": provider})

    @app.get("/")
    def root():
        return None

    TestClient(app).get("/")
    assert sorted(s.name for s in exporter.get_finished_spans()) == [
        "GET /",
        "fastapi.dependencies",
        "fastapi.endpoint",
        "fastapi.serialization",
    ]


def test_a_sampler_of_your_own_can_overrule_the_callers_flags(example):
    """At the edge: record every request, whatever the caller's flags say."""
    exporter = InMemorySpanExporter()
    edge = sampling.ParentBased(
        root=sampling.ALWAYS_ON, remote_parent_not_sampled=sampling.ALWAYS_ON
    )
    provider = TracerProvider(sampler=edge)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI(telemetry={"tracer_provider": provider})

    @app.get("/")
    def root():
        return None

    TestClient(app).get("/", headers={"traceparent": CALLER[:-2] + "00"})
    [server] = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert f"{server.context.trace_id:032x}" == CALLER.split("-")[1]


def test_fastapi_steps_aside_for_the_instrumentation_package(example, spans):
    """FastAPI looks for opentelemetry-instrumentation-asgi's middleware in the app's
    stack (not installed here: a class of the same module and name stands in for it),
    and leaves tracing to it."""
    stand_in = type("OpenTelemetryMiddleware", (), {})
    stand_in.__module__ = "opentelemetry.instrumentation.asgi"

    def init(self, app):
        self.app = app

    async def call(self, scope, receive, send):
        await self.app(scope, receive, send)

    stand_in.__init__, stand_in.__call__ = init, call
    example.app.add_middleware(stand_in)
    response = TestClient(example.app).get("/stock/book-1")
    assert response.status_code == 200
    assert spans.get_finished_spans() == ()


# Export over OTLP/HTTP, from two real processes, to a collector on loopback.


def collector(received: list[ExportTraceServiceRequest]) -> FastAPI:
    """What an OTLP/HTTP collector does with traces, reduced to keeping them: the body is
    an ExportTraceServiceRequest, encoded with protobuf."""
    app = FastAPI()

    @app.post("/v1/traces")
    async def traces(request: Request):
        received.append(ExportTraceServiceRequest.FromString(await request.body()))
        return Response(b"", media_type="application/x-protobuf")

    @app.post("/v1/{signal}")
    async def other(signal: str):  # metrics and logs, if a service sent any
        return Response(b"", media_type="application/x-protobuf")

    return app


@contextmanager
def service(argv: list[str], env: dict[str, str]) -> Iterator[str]:
    """One of the example's services, run with `fastapi run` as its own process."""
    with server(["fastapi", *argv], env, workers=1) as running:
        yield running.base_url


def test_both_services_export_one_trace_over_otlp_http():
    received: list[ExportTraceServiceRequest] = []
    with serve(collector(received)) as collector_url:
        export = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        with service(["run", SNIPPET], export) as inventory_url:
            env = {**export, "INVENTORY_URL": inventory_url}
            with service(["run", SNIPPET, "--app", "checkout"], env) as checkout_url:
                response = httpx2.post(f"{checkout_url}/checkout/book-1", timeout=30)
                assert response.status_code == 200
                spans = wait_for_spans(received, 3)
    by_service = {(service, span.kind): span for service, span in spans}
    entry = by_service[("checkout", ProtoSpan.SPAN_KIND_SERVER)]
    call = by_service[("checkout", ProtoSpan.SPAN_KIND_CLIENT)]
    served = by_service[("inventory", ProtoSpan.SPAN_KIND_SERVER)]
    assert entry.trace_id == call.trace_id == served.trace_id
    assert len(entry.trace_id) == 16 and entry.parent_span_id == b""
    assert call.parent_span_id == entry.span_id
    assert served.parent_span_id == call.span_id
    assert (entry.name, call.name, served.name) == (
        "POST /checkout/{sku}",
        "GET /stock/{sku}",
        "GET /stock/{sku}",
    )


def wait_for_spans(received, count: int) -> list[tuple[str, ProtoSpan]]:
    """(service.name, span) for every span the collector has received, once there are
    `count` of them (each service exports in its own batches)."""
    deadline = time.monotonic() + 30
    while True:
        spans = [
            (service_name(resource_spans), span)
            for request in list(received)
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        if len(spans) >= count or time.monotonic() > deadline:
            assert len(spans) == count, spans
            return spans
        threading.Event().wait(0.05)


def service_name(resource_spans) -> str:
    [name] = [
        attribute.value.string_value
        for attribute in resource_spans.resource.attributes
        if attribute.key == "service.name"
    ]
    return name


def test_spans_are_sent_only_when_an_endpoint_is_configured(example, monkeypatch):
    assert example.inventory_provider._active_span_processor._span_processors == ()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    configured = load_snippet(REPO / SNIPPET)
    [processor] = configured.inventory_provider._active_span_processor._span_processors
    assert type(processor).__name__ == "BatchSpanProcessor"
    configured.inventory_provider.shutdown()
    configured.checkout_provider.shutdown()


# What the outline gets wrong.


def test_the_outlines_jaeger_exporter_is_gone():
    """Removed from opentelemetry-python in 1.22 (December 2023); the SDK no longer
    knows its settings either. Jaeger itself takes OTLP."""
    assert importlib.util.find_spec("opentelemetry.exporter.jaeger") is None
    assert not any("JAEGER" in name for name in dir(environment_variables))
    assert importlib.util.find_spec("opentelemetry.exporter.otlp.proto.http")


def test_the_outlines_attribute_names_are_the_old_ones():
    from opentelemetry.semconv._incubating.attributes import db_attributes as old_db
    from opentelemetry.semconv.attributes import db_attributes, url_attributes

    assert db_attributes.DB_QUERY_TEXT == "db.query.text"
    assert url_attributes.URL_FULL == "url.full"
    assert old_db.DB_STATEMENT == "db.statement"  # only among the incubating ones
    assert not hasattr(db_attributes, "DB_STATEMENT")


def test_no_instrumentation_package_is_needed():
    """The outline installs opentelemetry-instrumentation-fastapi; FastAPI 0.165 traces by
    itself (and steps aside if that instrumentor is installed on an app)."""
    assert importlib.util.find_spec("opentelemetry.instrumentation") is None  # not here
    assert importlib.util.find_spec("fastapi.telemetry")  # the spans above came from it
