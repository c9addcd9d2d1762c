"""What Example 76 claims beyond its prints: each version's document lists exactly that
version's operations and models, is valid OpenAPI 3.1, and has its own docs page; every
operation of the app belongs to one version; v1's operations are deprecated; every v1
answer, errors included, carries Deprecation, Sunset and Link, with dates that parse and
agree (RFC 9745, RFC 8594); after the sunset v1 answers 410. And the outline's single
document: both versions under one number, and nothing a v1 client would notice."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

VERSIONS = ["v1", "v2"]


def operations_of(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method in methods
    }


def routes_of(router) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_each_document_lists_exactly_its_versions_operations(client, example, version):
    document = client.get(f"/{version}/openapi.json").json()
    router = example.VERSIONS[version][1]
    assert operations_of(document) == routes_of(router)
    assert all(path.startswith(f"/{version}/") for path in document["paths"])


@pytest.mark.parametrize(
    "url", ["/v1/openapi.json", "/v2/openapi.json", "/openapi.json"]
)
def test_every_document_is_valid_openapi(client, url):
    document = client.get(url).json()
    assert document["openapi"].startswith("3.1.")
    # Against the OpenAPI 3.1 JSON Schema (schemathesis carries the official one).
    schemathesis.openapi.from_dict(document).validate()


def test_every_operation_of_the_app_is_in_exactly_one_version(client):
    documents = [client.get(f"/{v}/openapi.json").json() for v in VERSIONS]
    everything = operations_of(client.get("/openapi.json").json())
    v1, v2 = (operations_of(document) for document in documents)
    assert v1 | v2 == everything
    assert not v1 & v2


def test_v1_is_deprecated_and_v2_is_not(client):
    for version, deprecated in (("v1", True), ("v2", False)):
        document = client.get(f"/{version}/openapi.json").json()
        flags = {
            operation.get("deprecated", False)
            for methods in document["paths"].values()
            for operation in methods.values()
        }
        assert flags == {deprecated}


def test_each_document_has_only_its_own_models(client):
    v1 = client.get("/v1/openapi.json").json()["components"]["schemas"]
    v2 = client.get("/v2/openapi.json").json()["components"]["schemas"]
    assert "ItemV1" in v1 and "ItemV2" not in v1
    assert "ItemV2" in v2 and "ItemV1" not in v2


@pytest.mark.parametrize("version", VERSIONS)
def test_each_docs_page_loads_its_own_document(client, version):
    response = client.get(f"/{version}/docs")
    assert response.status_code == 200
    assert f"url: '/{version}/openapi.json'," in response.text


@pytest.mark.parametrize("url", ["/v3/openapi.json", "/v3/docs", "/items/docs"])
def test_an_unknown_version_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/items/1", 200),
        ("/v1/items/99", 404),
        ("/v1/items/one", 422),
        ("/v1/openapi.json", 200),
        ("/v1/docs", 200),
    ],
)
def test_every_v1_answer_announces_the_sunset(client, example, url, status):
    response = client.get(url)
    assert response.status_code == status
    for name, value in example.V1_HEADERS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("url", ["/v2/items/1", "/v2/items/99", "/v2/docs", "/docs"])
def test_other_answers_do_not(client, url):
    headers = client.get(url).headers
    assert not {"deprecation", "sunset", "link"} & set(headers)


def test_the_dates_parse_and_the_sunset_is_not_before_the_deprecation(client, example):
    headers = client.get("/v1/items/1").headers
    # RFC 9745: a Structured Field Date, "@" and whole seconds since 1970.
    assert headers["deprecation"].startswith("@")
    deprecated = int(headers["deprecation"][1:])
    assert deprecated == example.DEPRECATED.timestamp()
    # RFC 8594: an HTTP date, in GMT.
    sunset = parsedate_to_datetime(headers["sunset"])
    assert sunset == example.SUNSET
    # RFC 9745, section 4: the sunset must not be earlier than the deprecation.
    assert sunset.timestamp() >= deprecated


def test_after_the_sunset_v1_answers_410_and_v2_is_untouched(
    client, example, monkeypatch
):
    monkeypatch.setattr(example, "now", lambda: example.SUNSET)
    response = client.get("/v1/items/1")
    assert response.status_code == 410
    assert response.json() == {"detail": "API v1 is retired: use /v2"}
    assert response.headers["sunset"] == example.V1_HEADERS["Sunset"]
    assert client.get("/v2/items/1").status_code == 200
    before = example.SUNSET - timedelta(seconds=1)
    monkeypatch.setattr(example, "now", lambda: before)
    assert client.get("/v1/items/1").status_code == 200


def test_410_is_declared_for_v1_only(client):
    v1 = client.get("/v1/openapi.json").json()["paths"]["/v1/items/{item_id}"]
    v2 = client.get("/v2/openapi.json").json()["paths"]["/v2/items/{item_id}"]
    assert "410" in v1["get"]["responses"]
    assert "410" not in v2["get"]["responses"]


def test_v1_serves_the_same_item_under_its_old_field_name(client):
    assert client.get("/v1/items/1").json() == {
        "id": 1,
        "name": "Widget",
        "price": "9.99",
    }
    assert client.get("/v2/items/1").json()["title"] == "Widget"


@pytest.fixture
def naive(example):
    return TestClient(example.naive_app)


def test_the_outlines_one_document_puts_both_versions_under_2_0_0(naive):
    document = naive.get("/openapi.json").json()
    assert document["info"]["version"] == "2.0.0"
    assert set(document["paths"]) == {"/v1/items/{item_id}", "/items/{item_id}"}
    assert naive.get("/v1/openapi.json").status_code == 404


def test_the_outlines_current_version_has_no_version_in_its_path(naive):
    assert naive.get("/items/1").json()["title"] == "Widget"
    assert naive.get("/items/99").status_code == 404


def test_the_outlines_deprecated_route_tells_its_clients_nothing(naive):
    response = naive.get("/v1/items/1")
    assert response.status_code == 200
    assert not {"deprecation", "sunset", "link"} & set(response.headers)


def test_a_deprecated_field_is_marked_in_the_schema_and_warns_when_read(example):
    schema = example.ItemWithOldField.model_json_schema()
    assert schema["properties"]["name"]["deprecated"] is True
    item = example.ItemWithOldField(id=1, title="Widget", price=1, tags=[])
    # Under warnings-as-errors (as this project runs), reading it fails.
    with pytest.warns(DeprecationWarning):
        _ = item.name
    assert item.model_dump()["name"] is None  # serializing it does not warn


def test_headers_set_through_the_routes_response_are_lost_on_errors():
    """Why the headers come from a middleware: set on the `Response` a dependency
    receives, they are on the route's answers but not on its 404 or 422."""
    from fastapi import Depends, FastAPI, HTTPException, Response

    app = FastAPI()

    def announce(response: Response):
        response.headers["Sunset"] = "Wed, 30 Jun 2027 00:00:00 GMT"

    @app.get("/items/{item_id}", dependencies=[Depends(announce)])
    def read_item(item_id: int):
        if item_id != 1:
            raise HTTPException(404)
        return {}

    client = TestClient(app)
    assert "sunset" in client.get("/items/1").headers
    assert "sunset" not in client.get("/items/2").headers
    assert "sunset" not in client.get("/items/one").headers
