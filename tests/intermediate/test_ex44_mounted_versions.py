"""What Example 44 claims beyond its prints: what a mounted application shares with its
parent and what it does not, and that each version survives the fuzzer, which reads only
the parent's schema."""

import pytest
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient
from test_fuzz import same_cases_every_run, send_junk

KEY = {"x-api-key": "s3cret"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/items/7", {"id": 7, "name": "Widget"}),
        ("/v2/items/7", {"id": 7, "title": "Widget", "tags": ["tools"]}),
        ("/", {"v1": "/v1/docs", "v2": "/v2/docs"}),
    ],
)
def test_each_version_answers_in_its_own_shape(client, path, body):
    assert client.get(path).json() == body


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_each_version_has_its_own_docs_and_schema(client, version):
    schema = client.get(f"/{version}/openapi.json").json()
    assert schema["servers"] == [{"url": f"/{version}"}]
    assert schema["info"]["version"] == f"{version[1]}.0.0"
    assert list(schema["paths"]) == ["/items/{item_id}"]
    docs = client.get(f"/{version}/docs")
    assert docs.status_code == 200
    assert f"url: '/{version}/openapi.json'," in docs.text
    assert client.get("/openapi.json").json()["paths"].keys() == {"/"}


def test_the_mounts_own_path_redirects_and_its_root_is_a_404(client):
    response = client.get("/v1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/v1/"
    assert client.get("/v1/").status_code == 404
    assert client.get("/v3/items/1").status_code == 404


@pytest.mark.fuzz
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_each_version_survives_generated_requests(example, version):
    """test_fuzz.py reads the parent's schema, which lists only `/`: fuzz each version
    from its own schema, through the parent, as clients reach it."""
    import schemathesis
    from hypothesis import given
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi(f"/{version}/openapi.json", example.app)
    operation = schema["/items/{item_id}"]["GET"]
    requests = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @same_cases_every_run()
    @given(case=requests)
    def survives(case):
        assert case.path == "/items/{item_id}"
        response = case.call_and_validate(allow_redirects=False)
        assert response.request.url.startswith(f"http://testserver/{version}/items/")

    survives()
    with TestClient(example.app, raise_server_exceptions=False) as client:
        send_junk(client, "get", f"/{version}/items/1", f"/{version}")


@pytest.fixture
def gateway(example):
    example.started.clear()
    with TestClient(example.gateway) as client:
        yield client


def test_the_parents_dependency_guards_only_its_own_routes(gateway):
    assert gateway.get("/orders/1").status_code == 401
    assert gateway.get("/orders/1", headers=KEY).json() == {"order_id": 1}
    response = gateway.get("/internal/users/1")  # no key at all
    assert response.status_code == 200


def test_the_parents_middleware_wraps_the_mount(gateway):
    assert gateway.get("/internal/users/1").headers["x-gateway"] == "yes"
    assert gateway.get("/internal/nowhere").headers["x-gateway"] == "yes"


def test_the_parents_exception_handler_does_not_reach_the_mount(gateway):
    assert gateway.get("/orders/one", headers=KEY).json() == {
        "error": "invalid request"
    }
    response = gateway.get("/internal/users/one")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "user_id"]


def test_the_mounts_lifespan_never_runs_but_the_parents_state_reaches_it(
    example, gateway
):
    response = gateway.get("/internal/users/1").json()
    assert response["db"] == "the gateway's connection pool"
    assert response["app"] == "Internal API"  # request.app is the mounted app
    assert example.started == ["gateway"]


def test_the_parents_lifespan_can_run_the_mounts(example):
    example.started.clear()
    with TestClient(example.fixed_gateway) as client:
        assert example.started == ["internal"]
        assert client.get("/internal/users/1").json()["db"] == (
            "the gateway's connection pool"
        )


def test_the_parents_cors_answers_preflights_for_the_mount():
    """The outline: each version can have 'independently configured ... CORS settings'.
    A CORSMiddleware on the parent sees every preflight first and refuses the origin
    that only the mounted app allows."""
    parent, child = FastAPI(), FastAPI()

    @child.get("/items")
    def items() -> list[str]:
        return []

    parent.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"])
    child.add_middleware(CORSMiddleware, allow_origins=["https://partner.example"])
    parent.mount("/v1", child)
    preflight = {"access-control-request-method": "GET"}
    client = TestClient(parent)
    refused = client.options(
        "/v1/items", headers={"origin": "https://partner.example", **preflight}
    )
    assert refused.status_code == 400
    assert refused.text == "Disallowed CORS origin"
    allowed = client.options(
        "/v1/items", headers={"origin": "https://shop.example", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
