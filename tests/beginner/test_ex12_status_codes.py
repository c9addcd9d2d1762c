from itertools import count

import pytest

WIDGET = {"name": "Widget", "price": 9.99}


@pytest.fixture(autouse=True)
def empty_store(example, monkeypatch):
    """Each test starts with no items and ids from 1 (transcripts share this module)."""
    monkeypatch.setattr(example, "items", {})
    monkeypatch.setattr(example, "new_ids", count(1))


def test_create_is_201_with_a_location_that_serves_the_new_item(client):
    response = client.post("/items", json=WIDGET)
    assert response.status_code == 201
    assert response.json() == {**WIDGET, "id": 1}
    location = response.headers["location"]
    assert location == "/items/1"
    assert client.get(location).json() == {**WIDGET, "id": 1}


def test_ids_are_not_reused_after_a_delete(client):
    client.post("/items", json=WIDGET)
    client.delete("/items/1")
    assert client.post("/items", json=WIDGET).json()["id"] == 2


def test_read_is_200_and_a_missing_item_is_404_not_200(client):
    client.post("/items", json=WIDGET)
    assert client.get("/items/1").status_code == 200
    response = client.get("/items/2")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_delete_is_204_with_an_empty_body_then_404(client):
    client.post("/items", json=WIDGET)
    response = client.delete("/items/1")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers.get("content-length") in (None, "0")
    response = client.delete("/items/1")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_a_dict_returned_with_204_is_dropped_silently(client, example):
    client.post("/items", json=WIDGET)
    response = client.delete("/items")
    assert response.status_code == 204
    assert response.content == b""
    assert example.items == {}


def test_invalid_input_is_422_not_201(client):
    response = client.post("/items", json={"name": "Widget"})
    assert response.status_code == 422
    assert "location" not in response.headers


def test_the_schema_documents_success_codes_and_the_declared_404(client):
    paths = client.get("/openapi.json").json()["paths"]
    post = paths["/items"]["post"]["responses"]
    assert list(post) == ["201", "422"]
    assert post["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StoredItem"
    }
    read = paths["/items/{item_id}"]["get"]["responses"]
    assert read["404"] == {"description": "No item has this id"}
    delete = paths["/items/{item_id}"]["delete"]["responses"]
    assert delete["204"] == {"description": "Successful Response"}  # no content schema


def test_fastapi_adds_no_location_header_by_itself():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()

    @app.post("/things", status_code=201)
    def create_thing():
        return {"id": 1}

    response = TestClient(app).post("/things")
    assert response.status_code == 201
    assert "location" not in response.headers
