"""What Example 47 claims beyond its prints: which keys a model accepts and writes, what
the schema says about them, that the pinned Pydantic does not warn about
populate_by_name, and how the outline's closing advice really behaves."""

import warnings
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


@pytest.mark.parametrize(
    "body",
    [
        {"productId": 7, "unitPrice": "9.99"},
        {"product_id": 7, "unit_price": "9.99"},
        {"productId": 7, "unit_price": 9.99, "quantity": 1},
    ],
)
def test_aliases_and_names_are_accepted_and_aliases_written(client, body):
    response = client.post("/order-lines", json=body)
    assert response.status_code == 200
    assert response.content == b'{"productId":7,"unitPrice":"9.99","quantity":1}'


def test_the_alias_and_the_name_together_is_an_extra_key(client):
    body = {"productId": 7, "product_id": 8, "unitPrice": "9.99"}
    response = client.post("/order-lines", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "extra_forbidden",
            "loc": ["body", "product_id"],
            "msg": "Extra inputs are not permitted",
        }
    ]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"productID": 7, "unitPrice": "9.99"},
            [("missing", "productId"), ("extra_forbidden", "productID")],
        ),
        (
            {"productId": 7, "unitPrice": "9.99", "quantity": 0},
            [("greater_than_equal", "quantity")],
        ),
        ({"productId": 7, "unitPrice": "9.999"}, [("decimal_max_places", "unitPrice")]),
        (
            {"product_id": "seven", "unit_price": "9.99"},
            [("int_parsing", "product_id")],
        ),
    ],
)
def test_errors_name_a_key_as_sent_and_a_missing_one_by_its_alias(client, body, errors):
    response = client.post("/order-lines", json=body)
    assert response.status_code == 422
    assert [(e["type"], e["loc"][-1]) for e in response.json()["detail"]] == errors


def test_the_schema_has_the_aliases_and_forbids_other_keys(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("OrderLine-Input", "OrderLine-Output"):
        assert list(schemas[name]["properties"]) == [
            "productId",
            "unitPrice",
            "quantity",
        ]
        assert schemas[name]["additionalProperties"] is False
    assert schemas["OrderLine-Input"]["required"] == ["productId", "unitPrice"]


def test_a_single_field_alias_accepts_only_the_alias(client):
    assert client.post(
        "/legacy/items", json={"ItemID": 1, "Cost_USD": "5.50"}
    ).json() == {
        "ItemID": 1,
        "Cost_USD": "5.50",
    }
    response = client.post("/legacy/items", json={"item_id": 1, "cost": "5.50"})
    assert response.status_code == 422


def test_model_dump_uses_names_unless_told_otherwise(example):
    line = example.OrderLine(productId=7, unitPrice=Decimal("9.99"))
    assert line.product_id == 7
    assert line.model_dump() == {
        "product_id": 7,
        "unit_price": Decimal("9.99"),
        "quantity": 1,
    }
    assert line.model_dump_json(by_alias=True) == (
        '{"productId":7,"unitPrice":"9.99","quantity":1}'
    )


def test_serialize_by_alias_makes_aliases_the_default_in_python_too():
    class Line(BaseModel):
        model_config = ConfigDict(alias_generator=to_camel, serialize_by_alias=True)
        product_id: int

    assert Line(productId=7).model_dump() == {"productId": 7}


def test_populate_by_name_still_works_without_a_warning_on_the_pinned_pydantic():
    """The outline's populate_by_name: Pydantic's documentation says it is not
    recommended since 2.11 and will be deprecated in v3, in favour of validate_by_name.
    The pinned 2.14 still accepts it silently, and it behaves the same."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Old(BaseModel):
            model_config = ConfigDict(populate_by_name=True, alias_generator=to_camel)
            product_id: int

        class New(BaseModel):
            model_config = ConfigDict(validate_by_name=True, alias_generator=to_camel)
            product_id: int

        for model in (Old, New):
            assert model(product_id=1).product_id == model(productId=1).product_id == 1
            assert model.model_config.get("validate_by_alias", True) is True


def test_the_outlines_routes_and_their_keys(example):
    client = TestClient(example.outline_app)
    body = {"productId": 7, "quantity": 2}
    assert client.post("/as-model", json=body).json() == body
    assert client.post("/as-dict", json=body).json() == {"product_id": 7, "quantity": 2}
    assert client.post("/by-name", json=body).json() == {"product_id": 7, "quantity": 2}
    schema = client.get("/openapi.json").json()
    by_name = schema["paths"]["/by-name"]["post"]["responses"]["200"]["content"]
    assert by_name["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OutlineOrderItem"
    }
    assert list(schema["components"]["schemas"]["OutlineOrderItem"]["properties"]) == [
        "productId",
        "quantity",
    ]
