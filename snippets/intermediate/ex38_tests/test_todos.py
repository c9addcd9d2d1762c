import pytest
from ex38_testclient import app
from fastapi.testclient import TestClient


@pytest.fixture
def client():
    with TestClient(app) as client:  # runs the lifespan: a fresh, empty list
        yield client


def test_a_new_todo_can_be_read_back(client):
    created = client.post("/todos", json={"title": "Write tests"})
    assert created.status_code == 201
    assert created.json() == {"title": "Write tests", "id": 1}
    assert client.get("/todos/1").json() == created.json()


def test_every_test_starts_with_no_todos(client):
    assert client.get("/todos/1").status_code == 404
