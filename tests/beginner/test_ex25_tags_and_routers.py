import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def schema(client):
    return client.get("/openapi.json").json()


def test_router_prefix_and_path_make_the_urls(client):
    assert client.get("/users", follow_redirects=False).json() == [
        {"id": 1, "username": "alice"}
    ]
    assert client.get("/users/7").json() == {"id": 7, "username": "alice"}
    assert client.get("/items", follow_redirects=False).status_code == 200
    assert (
        client.get("/users/", follow_redirects=False).status_code == 307
    )  # the other way round


def test_delete_answers_204_with_an_empty_body(client):
    response = client.delete("/users/1")
    assert response.status_code == 204
    assert response.content == b""


def test_route_tags_extend_the_router_tags(schema):
    assert schema["paths"]["/users/{user_id}"]["delete"]["tags"] == ["users", "admin"]
    assert schema["paths"]["/users/{user_id}"]["get"]["tags"] == ["users"]


def test_tags_metadata_is_copied_to_the_schema_in_order(schema, example):
    assert schema["tags"] == example.app.openapi_tags
    assert [tag["name"] for tag in schema["tags"]] == ["users", "items", "monitoring"]


def test_an_explicit_description_wins_over_the_docstring_which_is_the_default(schema):
    assert (
        schema["paths"]["/version"]["get"]["description"]
        == "The version of the running service."
    )
    assert schema["paths"]["/items"]["get"]["description"].startswith(
        "The whole catalogue"
    )
    # Without a docstring, there is no description at all.
    assert "description" not in schema["paths"]["/health"]["get"]


def test_deprecated_changes_only_the_schema(schema, client):
    assert schema["paths"]["/items/list"]["get"]["deprecated"] is True
    assert "deprecated" not in schema["paths"]["/items"]["get"]
    response = client.get("/items/list")
    assert response.status_code == 200
    assert response.json() == client.get("/items").json()
    # No Deprecation or Sunset header tells clients: only readers of the docs learn it.
    assert not {"deprecation", "sunset"} & set(response.headers)


def test_a_hidden_route_is_missing_from_the_docs_but_not_protected(schema, client):
    assert not any(path.startswith("/internal") for path in schema["paths"])
    assert client.get("/internal/metrics").json() == {"requests_served": 42}


def test_the_outlines_slash_path_redirects_every_method(example):
    client = TestClient(example.slash_app, follow_redirects=False)
    schema = client.get("/openapi.json").json()
    assert list(schema["paths"]) == ["/users/"]
    for method in ["GET", "POST", "DELETE"]:
        response = client.request(method, "/users")
        assert response.status_code == 307, method
        assert response.headers["location"] == "http://testserver/users/"
    assert client.get("/users/").status_code == 200
    assert client.post("/users/").status_code == 405


def test_health_and_version_answer(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/version").json() == {"version": "1.0.0"}
