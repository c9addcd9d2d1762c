import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

JSON = {"content-type": "application/json"}


def post(client, body: dict):
    return client.post("/products", json=body)


def test_valid_product_is_returned_with_defaults_and_a_stripped_name(client):
    response = post(client, {"name": "  Laptop  ", "price": 999.99, "sku": "LAP-0042"})
    assert response.status_code == 200
    assert response.content == (
        b'{"name":"Laptop","price":"999.99","sale_price":null,"quantity":0,"sku":"LAP-0042"}'
    )


def test_all_field_errors_come_back_together_with_exact_bodies(client):
    response = post(
        client, {"name": "   ", "price": 0, "quantity": -1, "sku": "lap-42"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "value_error",
                "loc": ["body", "name"],
                "msg": "Value error, name cannot be blank",
                "input": "   ",
                "ctx": {"error": {}},
            },
            {
                "type": "greater_than",
                "loc": ["body", "price"],
                "msg": "Input should be greater than 0",
                "input": 0,
                "ctx": {"gt": 0},
            },
            {
                "type": "greater_than_equal",
                "loc": ["body", "quantity"],
                "msg": "Input should be greater than or equal to 0",
                "input": -1,
                "ctx": {"ge": 0},
            },
            {
                "type": "string_pattern_mismatch",
                "loc": ["body", "sku"],
                "msg": "String should match pattern '^[A-Z]{3}-[0-9]{4}$'",
                "input": "lap-42",
                "ctx": {"pattern": "^[A-Z]{3}-[0-9]{4}$"},
            },
        ]
    }


def test_field_limits_run_before_the_validator(client):
    # min_length counts the raw value: "" fails it, and the validator never sees it.
    assert post(client, {"name": "", "price": 1}).json()["detail"][0]["type"] == (
        "string_too_short"
    )
    # max_length counts the spaces that the validator would strip.
    padded = "x" * 100 + " "
    assert post(client, {"name": padded, "price": 1}).json()["detail"][0]["type"] == (
        "string_too_long"
    )


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("price", 9.999, "decimal_max_places"),
        ("price", 1234567.8, "decimal_whole_digits"),  # 8 digits, 2 after the point
        ("price", "Infinity", "finite_number"),
        ("price", "NaN", "finite_number"),
        ("quantity", 10_001, "less_than_equal"),
        ("quantity", 2.5, "int_from_float"),
        ("sale_price", 0, "greater_than"),
    ],
)
def test_field_limits(client, field, value, error_type):
    response = post(client, {"name": "Laptop", "price": 10, field: value})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", field], error_type)
    ]


def test_unknown_fields_are_refused(client):
    response = post(client, {"name": "Laptop", "price": 10, "colour": "silver"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "extra_forbidden",
            "loc": ["body", "colour"],
            "msg": "Extra inputs are not permitted",
            "input": "silver",
        }
    ]


def test_model_validator_error_belongs_to_the_body(client):
    body = {"name": "Laptop", "price": 10, "sale_price": 12}
    response = post(client, body)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "value_error",
            "loc": ["body"],
            "msg": "Value error, sale_price must be lower than price",
            "input": body,
            "ctx": {"error": {}},
        }
    ]
    assert (
        post(client, {**body, "sale_price": 10}).status_code == 422
    )  # equal is not lower
    assert post(client, {**body, "sale_price": "9.99"}).status_code == 200


def test_model_validator_runs_only_when_every_field_is_valid(client):
    response = post(client, {"name": "Laptop", "price": -1, "sale_price": 5})
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "price"]]


def test_outline_float_price_lets_infinity_through_and_refuses_nan(example):
    assert example.OutlinePrice.model_validate({"price": "Infinity"}).price == float(
        "inf"
    )
    with pytest.raises(ValidationError, match="greater_than"):
        example.OutlinePrice.model_validate({"price": "NaN"})


def test_returning_an_infinite_float_price_is_a_500():
    class Product(BaseModel):
        price: float = Field(gt=0)

    app = FastAPI()

    @app.post("/products")
    def create_product(product: Product):
        return product

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/products", json={"price": "Infinity"}).status_code == 500


def test_allow_inf_nan_false_closes_the_gap_for_floats():
    class Product(BaseModel):
        price: float = Field(gt=0, allow_inf_nan=False)

    with pytest.raises(ValidationError, match="finite_number"):
        Product.model_validate({"price": "Infinity"})


def test_nan_token_in_the_body_is_a_422(client):
    content = b'{"name": "Laptop", "price": NaN}'
    response = client.post("/products", content=content, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] == "NaN"


def test_schema_carries_field_metadata_and_limits(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Product"]
    assert schema["required"] == ["name", "price"]
    assert schema["additionalProperties"] is False
    name = schema["properties"]["name"]
    assert name["examples"] == ["Laptop", "Mouse"]
    assert (name["minLength"], name["maxLength"]) == (1, 100)
    # A Decimal is accepted as a number or a string, and documented so.
    price_types = [option["type"] for option in schema["properties"]["price"]["anyOf"]]
    assert price_types == ["number", "string"]
    assert schema["properties"]["sku"]["anyOf"][0]["pattern"] == "^[A-Z]{3}-[0-9]{4}$"


def test_validators_leave_no_trace_in_the_schema(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Product"]
    assert schema["properties"]["name"] == {
        "type": "string",
        "maxLength": 100,
        "minLength": 1,
        "title": "Name",
        "description": "Product name",
        "examples": ["Laptop", "Mouse"],
    }
    text = str(schema).lower()
    assert "blank" not in text and "lower than" not in text


def test_the_price_schema_describes_its_limits(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Product"]
    price = schema["properties"]["price"]
    assert price["description"] == "In euros"
    assert price["anyOf"] == [
        {
            "type": "number",
            "multipleOf": 0.01,
            "maximum": 999999.99,
            "exclusiveMinimum": 0,
        },
        {
            "type": "string",
            "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$",
            "not": {"pattern": "^[0.]*$"},
        },
    ]
    assert schema["properties"]["sale_price"]["anyOf"] == [
        *price["anyOf"],
        {"type": "null"},
    ]


@pytest.mark.parametrize(
    "price", [0.01, 999999.99, "0.01", "000001", "999999.99", "10.5"]
)
def test_every_price_the_schema_describes_is_accepted(client, price):
    assert post(client, {"name": "Laptop", "price": price}).status_code == 200


@pytest.mark.parametrize(
    "price", ["0", "0.00", "000000", 0, 1000000, 0.001, "1e999999999"]
)
def test_prices_the_schema_excludes_are_refused(client, price):
    assert post(client, {"name": "Laptop", "price": price}).status_code == 422


def test_the_exclusion_is_about_the_cross_field_rule_only(client):
    """Both prices valid on their own, as the schema says; only the model validator objects."""
    body = {"name": "Laptop", "price": 10000, "sale_price": 999999.99}
    response = post(client, body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body"]]


def test_a_body_that_is_not_utf8_is_a_declared_400(client):
    content = '{"name": "Café", "price": 1}'.encode("latin-1")
    assert client.post("/products", content=content, headers=JSON).status_code == 400
    responses = client.get("/openapi.json").json()["paths"]["/products"]["post"][
        "responses"
    ]
    assert set(responses) == {"200", "400", "422"}
