from itertools import count

import pytest
from fastapi.testclient import TestClient

WIDGET = {"name": "Widget"}
STORED = {"name": "Widget", "id": 1}


@pytest.fixture(autouse=True)
def empty_store(example, monkeypatch):
    """Each test starts with no items and ids from 1 (transcripts share this module)."""
    monkeypatch.setattr(example, "items", {})
    monkeypatch.setattr(example, "new_ids", count(1))


def test_create_is_201_with_a_location_that_serves_the_new_item(client):
    response = client.post("/items", json=WIDGET)
    assert response.status_code == 201
    assert response.json() == STORED
    location = response.headers["location"]
    assert location == "/items/1"
    assert client.get(location).json() == STORED


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
    response = TestClient(example.naive_app).delete("/items")
    assert response.status_code == 204
    assert response.content == b""
    assert example.items == {}


def test_the_counterexample_is_not_served_by_app(client, example):
    client.post("/items", json=WIDGET)
    assert client.delete("/items").status_code == 405
    assert 1 in example.items


def test_a_body_that_is_not_json_text_is_400(client, example):
    for body in [b"\xff", b"[" * 100_000]:  # not UTF-8; nested too deep
        response = client.post(
            "/items", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json() == {"detail": "There was an error parsing the body"}
    assert example.items == {}


def test_invalid_input_is_422_not_201(client):
    response = client.post("/items", json={"title": "Widget"})
    assert response.status_code == 422
    assert "location" not in response.headers


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": 1e400}',  # valid JSON, too big for a float
        b'{"name": Infinity}',
        b'{"name": NaN}',
        b"[NaN]",
    ],
)
def test_a_number_json_cannot_write_back_is_422_not_201_or_500(client, example, body):
    response = client.post(
        "/items", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert example.items == {}


def test_the_422_names_the_refused_field_without_echoing_it(client):
    response = client.post(
        "/items",
        content=b'{"name": Infinity}',
        headers={"Content-Type": "application/json"},
    )
    assert response.json() == {
        "detail": [
            {
                "type": "string_type",
                "loc": ["body", "name"],
                "msg": "Input should be a valid string",
            }
        ]
    }


def test_the_schema_documents_success_codes_and_the_declared_404(client):
    paths = client.get("/openapi.json").json()["paths"]
    post = paths["/items"]["post"]["responses"]
    assert list(post) == ["201", "400", "422"]
    assert post["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StoredItem"
    }
    read = paths["/items/{item_id}"]["get"]["responses"]
    assert read["404"] == {"description": "No item has this id"}
    delete = paths["/items/{item_id}"]["delete"]["responses"]
    assert delete["204"] == {"description": "Successful Response"}  # no content schema


def test_fastapi_adds_no_location_header_by_itself():
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/things", status_code=201)
    def create_thing():
        return {"id": 1}

    response = TestClient(app).post("/things")
    assert response.status_code == 201
    assert "location" not in response.headers
