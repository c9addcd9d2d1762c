import secrets
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.testclient import TestClient

KEY = "correct-horse-battery-staple"
PROTECTED = ["/items", "/admin/stats"]


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv("BOOKSTORE_API_KEY", KEY)


@pytest.fixture
def not_configured(monkeypatch):
    monkeypatch.delenv("BOOKSTORE_API_KEY", raising=False)


@pytest.fixture
def handler_calls(example, monkeypatch):
    """Record every read of ITEMS, which the /items and /admin/stats handlers make."""
    reads = []

    class Spy(list):
        def __getitem__(self, index):
            reads.append(index)
            return super().__getitem__(index)

        def __len__(self):
            reads.append("len")
            return super().__len__()

    monkeypatch.setattr(example, "ITEMS", Spy(example.ITEMS))
    return reads


@pytest.mark.parametrize("path", PROTECTED)
def test_the_right_key_is_let_in(client, configured, path):
    assert client.get(path, headers={"X-API-Key": KEY}).status_code == 200


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Not authenticated"),
        ({"X-API-Key": ""}, "Not authenticated"),
        ({"X-API-Key": "wrong"}, "Invalid API key"),
        ({"X-API-Key": KEY[:-1]}, "Invalid API key"),
        ({"X-API-Key": KEY + "x"}, "Invalid API key"),
        ({"X-API-Key": KEY.upper()}, "Invalid API key"),
        ({"X-Api-Key-Typo": KEY}, "Not authenticated"),
        ({"X-API-Key": b"\xff\xfe non-ASCII"}, "Invalid API key"),  # 401, not a 500
    ],
)
def test_missing_or_wrong_keys_get_401_and_never_reach_the_handler(
    client, configured, handler_calls, path, headers, detail
):
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "APIKey"
    assert handler_calls == []


def test_str_compare_digest_would_crash_on_non_ascii_which_is_why_bytes_are_compared():
    with pytest.raises(TypeError):
        secrets.compare_digest("\xff\xfe", KEY)


@pytest.mark.parametrize("key", ["", "anything", KEY])
def test_a_server_without_a_configured_key_refuses_everyone(
    client, not_configured, key
):
    response = client.get("/items", headers={"X-API-Key": key})
    assert response.status_code == 401


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "guess"}])
def test_an_unauthenticated_client_gets_401_not_a_422_about_the_parameters(
    client, configured, headers
):
    response = client.get("/items", params={"limit": 1000, "skip": -1}, headers=headers)
    assert response.status_code == 401
    assert "limit" not in response.text


@pytest.mark.parametrize("path", PROTECTED)
def test_the_key_is_compared_with_compare_digest(
    client, configured, example, monkeypatch, path
):
    calls = []
    real_compare_digest = secrets.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare_digest(a, b)

    monkeypatch.setattr(example.secrets, "compare_digest", spy)
    assert client.get(path, headers={"X-API-Key": "guess"}).status_code == 401
    assert client.get(path, headers={"X-API-Key": KEY}).status_code == 200
    assert calls == [(b"guess", KEY.encode()), (KEY.encode(), KEY.encode())]


def test_public_route_needs_no_key(client, not_configured):
    response = client.get("/products")
    assert response.status_code == 200
    assert response.json()["page"] == {"skip": 0, "limit": 20}
    assert len(response.json()["products"]) == 20


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"skip": -1}, "skip"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_pagination_bounds_are_enforced_on_every_route_that_uses_the_alias(
    client, configured, params, loc
):
    for path, headers in [("/products", {}), ("/items", {"X-API-Key": KEY})]:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"] == ["query", loc]


def test_schema_documents_the_key_on_protected_routes_only(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/items"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert paths["/admin/stats"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert "security" not in paths["/products"]["get"]
    # The shared pagination parameters appear on both routes that use the alias.
    for path in ["/items", "/products"]:
        assert [p["name"] for p in paths[path]["get"]["parameters"]] == [
            "skip",
            "limit",
        ]


def test_the_401_is_documented_on_protected_routes_only(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths["/items"]["get"]["responses"]) == ["200", "401", "422"]
    assert sorted(paths["/admin/stats"]["get"]["responses"]) == ["200", "401"]
    assert sorted(paths["/products"]["get"]["responses"]) == ["200", "422"]
    assert paths["/items"]["get"]["responses"]["401"] == {
        "description": "Missing or invalid API key"
    }


def outline_app():
    """The outline's versions of both dependencies, to pin what the page says about them."""
    app = FastAPI()

    def common_pagination(skip: int = 0, limit: int = 20) -> dict:
        return {"skip": skip, "limit": limit}

    def verify_with_str_compare_digest(
        x_api_key: Annotated[str | None, Header()] = None,
    ):
        if not secrets.compare_digest(x_api_key or "", KEY):
            raise HTTPException(status_code=401)

    @app.get("/items", dependencies=[Depends(verify_with_str_compare_digest)])
    def list_items(pagination: Annotated[dict, Depends(common_pagination)]):
        return pagination

    return app


def test_the_outlines_pagination_accepts_any_numbers():
    client = TestClient(outline_app())
    response = client.get(
        "/items", params={"skip": -5, "limit": 1_000_000}, headers={"X-API-Key": KEY}
    )
    assert response.json() == {"skip": -5, "limit": 1_000_000}


def test_compare_digest_on_str_turns_a_non_ascii_key_into_a_500():
    client = TestClient(outline_app(), raise_server_exceptions=False)
    assert client.get("/items", headers={"X-API-Key": b"\xff"}).status_code == 500
    assert client.get("/items", headers={"X-API-Key": "wrong"}).status_code == 401
