"""What Example 53 claims beyond its prints: the customised schema is still valid
OpenAPI whose references all resolve, /docs still loads it, and every scheme it declares
is one the code enforces."""

import copy

import pytest
import schemathesis
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient

from conftest import load_snippet
from site_sources import SNIPPETS

SNIPPET = SNIPPETS / "intermediate" / "ex53_custom_openapi.py"


def unresolved_refs(schema: dict) -> list[str]:
    """Every "$ref" in a schema that does not point at something in it."""

    def resolves(ref: str) -> bool:
        node = schema
        for part in ref.removeprefix("#/").split("/"):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    found = []

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not resolves(ref):
                found.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def test_the_schema_is_valid_openapi_and_every_reference_resolves(example):
    schemathesis.openapi.from_asgi("/openapi.json", example.app).validate()
    assert unresolved_refs(example.app.openapi()) == []


def test_docs_and_redoc_still_load_the_schema(client):
    """The pages themselves need the CDN (Beginner Example 2); what the app serves is
    the HTML that points at /openapi.json, and the schema it can read."""
    for page in ("/docs", "/redoc"):
        response = client.get(page)
        assert response.status_code == 200
        assert "/openapi.json" in response.text
        assert "cdn.jsdelivr.net" in response.text
    assert client.get("/openapi.json").status_code == 200


def test_the_schema_is_built_once_and_keeps_the_apps_own_metadata(example):
    first = example.app.openapi()
    assert example.app.openapi() is first
    assert first["info"] == {
        "title": "Shop",
        "version": "0.1.0",
        "x-logo": {"url": "https://example.com/logo.png"},
    }
    assert first["openapi"] == "3.1.0"


def test_a_route_added_after_the_first_build_is_missing_until_the_cache_is_cleared():
    example = load_snippet(SNIPPET)
    example.app.openapi()

    @example.app.get("/late")
    async def late():
        return None

    assert "/late" not in example.app.openapi()["paths"]
    example.app.openapi_schema = None
    assert "/late" in example.app.openapi()["paths"]
    assert example.app.openapi()["info"]["x-logo"]  # the override runs again


def test_operation_ids_are_the_function_names_and_unique(example):
    schema = example.app.openapi()
    ids = [
        operation["operationId"]
        for section in ("paths", "webhooks")
        for methods in schema[section].values()
        for operation in methods.values()
    ]
    assert ids == ["create_item", "item_created"]


def test_webhooks_do_not_get_the_apps_operation_id_function():
    app = FastAPI(generate_unique_id_function=lambda route: route.name)

    @app.webhooks.post("sent")
    def sent() -> None:
        """A webhook without an operation_id of its own."""

    operation = app.openapi()["webhooks"]["sent"]["post"]
    assert operation["operationId"] == "sentsent_post"


def test_two_routes_with_one_name_are_a_duplicate_operation_id():
    app = FastAPI(generate_unique_id_function=lambda route: route.name)
    first, second = APIRouter(prefix="/a"), APIRouter(prefix="/b")

    @first.get("/")
    def list_all():
        return []

    @second.get("/")
    def list_all():  # noqa: F811 (the same name, in another module)
        return []

    app.include_router(first)
    app.include_router(second)
    with pytest.warns(UserWarning, match="Duplicate Operation ID list_all"):
        app.openapi()


def test_the_tags_based_id_of_fastapis_docs_fails_at_import_for_an_untagged_route():
    app = FastAPI(generate_unique_id_function=lambda r: f"{r.tags[0]}-{r.name}")
    with pytest.raises(IndexError):

        @app.get("/untagged")
        def untagged():
            return None


def test_the_scheme_is_required_by_the_operation_that_checks_it(example):
    schema = example.app.openapi()
    assert schema["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    }
    assert schema["paths"]["/items"]["post"]["security"] == [{"APIKeyHeader": []}]


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv("API_KEY", "s3cret")
    return TestClient(load_snippet(SNIPPET).app)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "guess"}, {"X-API-Key": ""}, {"X-API-Key": "s3cret "}],
)
def test_a_missing_or_wrong_key_is_a_401_with_its_challenge(keyed, headers):
    response = keyed.post("/items", json={"name": "Widget"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"


def test_a_key_that_is_not_ascii_is_a_401_not_a_500(keyed):
    response = keyed.post(
        "/items", json={"name": "Widget"}, headers={"X-API-Key": "é".encode()}
    )
    assert response.status_code == 401


def test_the_right_key_creates_the_item(keyed):
    response = keyed.post(
        "/items", json={"name": "Widget"}, headers={"X-API-Key": "s3cret"}
    )
    assert response.status_code == 200
    assert response.json() == {"name": "Widget"}


def test_without_a_configured_key_every_key_is_refused(client):
    for key in ("", "s3cret", "anything"):
        response = client.post(
            "/items", json={"name": "Widget"}, headers={"X-API-Key": key}
        )
        assert response.status_code == 401


def test_the_webhook_is_documented_not_served(client, example):
    assert "item-created" in example.app.openapi()["webhooks"]
    assert client.post("/item-created").status_code == 404


# The outline's override (naive_app).


def test_the_outlines_schema_replaces_the_apps_metadata_and_drops_its_servers(example):
    schema = example.naive_app.openapi()
    assert schema["info"] == {"title": "My API", "version": "1.0.0"}
    assert "servers" not in schema
    assert example.naive_app.servers == [{"url": "https://api.example.com"}]


def test_the_outlines_scheme_is_neither_required_nor_checked(example):
    schema = example.naive_app.openapi()
    assert "ApiKeyHeader" in schema["components"]["securitySchemes"]
    assert all(
        "security" not in operation
        for methods in schema["paths"].values()
        for operation in methods.values()
    )
    assert "security" not in schema
    response = TestClient(example.naive_app).post("/orders", json={"quantity": 1})
    assert response.status_code == 200


def test_the_outlines_webhook_points_at_a_schema_that_does_not_exist(example):
    schema = example.naive_app.openapi()
    # The meta-schema check passes: it does not follow references...
    schemathesis.openapi.from_dict(copy.deepcopy(schema)).validate()
    # ...and one of them leads nowhere.
    assert unresolved_refs(schema) == ["#/components/schemas/Item"]


def test_the_outlines_override_fails_on_an_app_without_models():
    """Its own example app has two routes and no model, so get_openapi writes no
    "components", and the override's first assignment raises KeyError: /openapi.json is
    a 500, and /docs has nothing to draw."""
    app = FastAPI()

    @app.get("/health")
    def health():
        return {"status": "ok"}

    def outline_openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title="My API", version="1.0.0", routes=app.routes)
        schema["components"]["securitySchemes"] = {}
        app.openapi_schema = schema
        return schema

    app.openapi = outline_openapi
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/openapi.json").status_code == 500
    assert (
        client.get("/docs").status_code == 200
    )  # the page, which then fails to load it
    with pytest.raises(KeyError, match="components"):
        app.openapi()
