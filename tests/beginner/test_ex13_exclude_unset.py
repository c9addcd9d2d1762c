import pytest

ROUTES = ["", "/exclude-unset", "/exclude-defaults", "/exclude-none"]

# The exact bytes each route sends for each stored item.
EXPECTED = {
    (
        1,
        "",
    ): b'{"name":"Widget","description":null,"price":"9.99","tax":null,"tags":[]}',
    (1, "/exclude-unset"): b'{"name":"Widget","price":"9.99"}',
    (1, "/exclude-defaults"): b'{"name":"Widget","price":"9.99"}',
    (1, "/exclude-none"): b'{"name":"Widget","price":"9.99","tags":[]}',
    (
        2,
        "/exclude-unset",
    ): b'{"name":"Gadget","description":"A cool gadget","price":"49.99"}',
    (3, "/exclude-unset"): (
        b'{"name":"Gizmo","description":null,"price":"0","tax":null,"tags":[]}'
    ),
    (3, "/exclude-defaults"): b'{"name":"Gizmo","price":"0"}',
    (3, "/exclude-none"): b'{"name":"Gizmo","price":"0","tags":[]}',
}


@pytest.mark.parametrize(("item_id", "route"), list(EXPECTED))
def test_each_flag_sends_exactly(client, item_id, route):
    response = client.get(f"/items/{item_id}{route}")
    assert response.status_code == 200
    assert response.content == EXPECTED[item_id, route]


@pytest.mark.parametrize("route", ROUTES)
def test_a_missing_item_is_404_on_every_route_and_documented(client, route):
    response = client.get(f"/items/99{route}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}
    documented = client.get("/openapi.json").json()["paths"][
        f"/items/{{item_id}}{route}"
    ]
    assert documented["get"]["responses"]["404"] == {
        "description": "No item has this id"
    }


def test_the_flags_change_the_response_not_the_stored_item(client, example):
    before = example.items[1].model_dump()
    client.get("/items/1/exclude-unset")
    assert example.items[1].model_dump() == before


def test_every_route_documents_the_same_model_where_only_name_and_price_are_required(
    client,
):
    schema = client.get("/openapi.json").json()
    for route in ROUTES:
        ok = schema["paths"][f"/items/{{item_id}}{route}"]["get"]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Item"
        }
    assert schema["components"]["schemas"]["Item"]["required"] == ["name", "price"]


def test_an_explicit_none_counts_as_set(example):
    item = example.Item(name="Lamp", price=5, tax=None)
    assert item.model_dump(exclude_unset=True) == {
        "name": "Lamp",
        "price": 5,
        "tax": None,
    }
    assert item.model_dump(exclude_none=True) == {
        "name": "Lamp",
        "price": 5,
        "tags": [],
    }


def test_in_a_request_body_exclude_unset_gives_the_fields_the_client_sent():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from pydantic import BaseModel

    class ItemChanges(BaseModel):
        name: str | None = None
        description: str | None = None
        price: float | None = None

    app = FastAPI()

    @app.patch("/items/{item_id}")
    def update_item(item_id: int, changes: ItemChanges) -> dict:
        return changes.model_dump(exclude_unset=True)

    response = TestClient(app).patch("/items/1", json={"description": None, "price": 5})
    assert response.json() == {"description": None, "price": 5.0}


def test_each_item_gets_its_own_copy_of_the_list_default(example):
    first, second = example.Item(name="a", price=1), example.Item(name="b", price=2)
    first.tags.append("x")
    assert second.tags == []
