import json
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from site_sources import SNIPPETS

ORDERS = SNIPPETS / "beginner" / "ex10_orders"


def order_file(name: str) -> dict:
    return json.loads((ORDERS / name).read_text())


def test_valid_order_is_totalled_exactly_with_the_default_country(client):
    response = client.post("/orders", json=order_file("order.json"))
    assert response.status_code == 200
    assert response.content == (
        b'{"ship_to":{"street":"123 Main St","city":"Portland","country":"US"},'
        b'"total":64.48}'
    )


def test_errors_at_every_depth_come_back_together(client):
    response = client.post("/orders", json=order_file("bad-order.json"))
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "shipping_address", "city"],
                "msg": "Field required",
            },
            {
                "type": "int_parsing",
                "loc": ["body", "items", 1, "product_id"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            },
            {
                "type": "greater_than",
                "loc": ["body", "items", 1, "quantity"],
                "msg": "Input should be greater than 0",
            },
        ]
    }


@pytest.mark.parametrize(
    ("change", "loc", "error_type"),
    [
        ({"items": []}, ["body", "items"], "too_short"),
        ({"items": {"product_id": 1}}, ["body", "items"], "list_type"),
        (
            {"shipping_address": "Portland"},
            ["body", "shipping_address"],
            "model_attributes_type",
        ),
        (
            {"items": [{"product_id": 1, "quantity": -3, "unit_price": 29.99}]},
            ["body", "items", 0, "quantity"],
            "greater_than",
        ),
        (
            {"items": [{"product_id": 1, "quantity": 1, "unit_price": -1}]},
            ["body", "items", 0, "unit_price"],
            "greater_than_equal",
        ),
        (
            {"items": [{"product_id": 1, "quantity": 1, "unit_price": 0.001}]},
            ["body", "items", 0, "unit_price"],
            "decimal_max_places",
        ),
    ],
)
def test_nested_errors_point_at_their_place(client, change, loc, error_type):
    response = client.post("/orders", json={**order_file("order.json"), **change})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (loc, error_type)
    ]


def test_unknown_fields_in_nested_objects_are_dropped(client):
    order = order_file("order.json")
    order["shipping_address"]["planet"] = "Mars"
    order["items"][0]["colour"] = "red"
    assert client.post("/orders", json=order).status_code == 200


def test_extra_forbid_is_not_inherited_by_nested_models():
    class Address(BaseModel):
        city: str

    class Order(BaseModel):
        model_config = ConfigDict(extra="forbid")
        shipping_address: Address

    order = Order.model_validate(
        {"shipping_address": {"city": "Portland", "planet": "Mars"}}
    )
    assert order.shipping_address.model_dump() == {"city": "Portland"}


def test_the_outline_models_accept_empty_orders_and_negative_quantities():
    class Address(BaseModel):
        street: str
        city: str
        country: str = "US"

    class OrderItem(BaseModel):
        product_id: int
        quantity: int
        unit_price: float

    class Order(BaseModel):
        customer_name: str
        shipping_address: Address
        items: list[OrderItem]
        notes: str | None = None

    app = FastAPI()

    @app.post("/orders")
    def create_order(order: Order):
        return {"total": sum(item.quantity * item.unit_price for item in order.items)}

    client = TestClient(app)
    address = {"street": "123 Main St", "city": "Portland"}
    empty = {"customer_name": "Alice", "shipping_address": address, "items": []}
    response = client.post("/orders", json=empty)
    assert (response.status_code, response.json()) == (200, {"total": 0})
    negative = {
        **empty,
        "items": [{"product_id": 1, "quantity": -3, "unit_price": 29.99}],
    }
    response = client.post("/orders", json=negative)
    assert (response.status_code, response.json()) == (200, {"total": -89.97})


def test_nan_token_deep_in_the_body_is_a_422(client):
    order = json.dumps(order_file("order.json")).replace("29.99", "NaN")
    response = client.post(
        "/orders", content=order, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "finite_number",
            "loc": ["body", "items", 0, "unit_price"],
            "msg": "Input should be a finite number",
        }
    ]


def test_each_model_is_a_schema_component(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"Address", "Order", "OrderItem"} <= set(schemas)
    assert schemas["Order"]["properties"]["shipping_address"] == {
        "$ref": "#/components/schemas/Address"
    }
    assert schemas["Order"]["properties"]["items"]["minItems"] == 1
    assert schemas["Address"]["properties"]["country"]["default"] == "US"


def test_unit_price_is_example_8s_money(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["OrderItem"]["properties"]["unit_price"]["anyOf"] == [
        {"type": "number", "minimum": 0.0},
        {"type": "string"},
    ]
    assert schemas["OrderItem"]["properties"]["quantity"]["maximum"] == 1000


@pytest.mark.parametrize(
    ("line", "error_type"),
    [
        ({"quantity": 1001}, "less_than_equal"),
        ({"quantity": 10**4299}, "less_than_equal"),
        ({"unit_price": ""}, "decimal_parsing"),
        ({"unit_price": "1e999999999"}, "decimal_max_digits"),
    ],
)
def test_line_limits(client, line, error_type):
    order = order_file("order.json")
    order["items"][0].update(line)
    response = client.post("/orders", json=order)
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == [error_type]


def test_without_a_quantity_limit_a_huge_quantity_is_a_500():
    class OrderItem(BaseModel):
        quantity: int = Field(gt=0)
        unit_price: Decimal = Field(ge=0, max_digits=8, decimal_places=2)

    app = FastAPI()

    @app.post("/orders")
    def create_order(items: list[OrderItem]):
        return {"total": sum(item.quantity * item.unit_price for item in items)}

    client = TestClient(app, raise_server_exceptions=False)
    line = {"quantity": 10**4299, "unit_price": "29.99"}  # 4300 digits: still readable
    assert client.post("/orders", json=[line]).status_code == 500


def test_a_body_that_is_not_utf8_is_a_declared_400(client):
    content = (
        json.dumps(order_file("order.json")).replace("Alice", "Zoé").encode("latin-1")
    )
    response = client.post(
        "/orders", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    responses = client.get("/openapi.json").json()["paths"]["/orders"]["post"][
        "responses"
    ]
    assert set(responses) == {"200", "400", "422"}
