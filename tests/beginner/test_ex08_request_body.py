import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

JSON = {"content-type": "application/json"}


def test_total_is_exact_and_written_as_a_json_number(client):
    response = client.post("/items", json={"name": "Widget", "price": 9.99, "tax": 0.8})
    assert response.status_code == 200
    assert response.content == b'{"item_name":"Widget","total_price":10.79}'


def test_optional_fields_may_be_left_out(client):
    response = client.post("/items", json={"name": "Widget", "price": 9.99})
    assert response.json() == {"item_name": "Widget", "total_price": 9.99}


def test_missing_field_is_422_naming_it(client):
    response = client.post("/items", json={"price": 9.99})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"type": "missing", "loc": ["body", "name"], "msg": "Field required"}
        ]
    }


def test_invalid_json_is_422_json_invalid(client):
    response = client.post("/items", content="{'name': 'Widget'}", headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"type": "json_invalid", "loc": ["body", 1], "msg": "JSON decode error"}
        ]
    }


def test_no_body_at_all_is_422(client):
    response = client.post("/items")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required"}
    ]


BODY = b'{"name": "Widget", "price": 9.99}'


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Content-Type: not parsed as JSON (FastAPI's strict_content_type)
        {"content-type": "application/x-www-form-urlencoded"},  # what curl -d sends
        {"content-type": "text/plain"},
    ],
)
def test_a_json_body_without_a_json_content_type_is_422(client, headers):
    response = client.post("/items", content=BODY, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
        }
    ]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/ld+json"]
)
def test_json_content_types_are_parsed(client, content_type):
    response = client.post(
        "/items", content=BODY, headers={"content-type": content_type}
    )
    assert response.status_code == 200


def test_unambiguous_strings_are_converted_and_unknown_fields_dropped(client):
    body = {"name": "Widget", "price": "9.99", "colour": "red"}
    assert client.post("/items", json=body).json() == {
        "item_name": "Widget",
        "total_price": 9.99,
    }
    response = client.post("/items", json={"name": "Widget", "price": "cheap"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "decimal_parsing"


@pytest.mark.parametrize(
    ("price", "error_type"),
    [
        (-0.01, "greater_than_equal"),
        (1000000, "decimal_whole_digits"),
        (9.999, "decimal_max_places"),
        ("1e1000000", "decimal_max_digits"),
        ("", "decimal_parsing"),
    ],
)
def test_money_has_limits(client, price, error_type):
    response = client.post("/items", json={"name": "Widget", "price": price})
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == [error_type]


@pytest.mark.parametrize("price", [0, 0.01, 999999.99, "9.9", " 9.99 "])
def test_money_accepts_every_price_from_0_to_999999_99(client, price):
    response = client.post("/items", json={"name": "Widget", "price": price})
    assert response.status_code == 200


NON_FINITE = [
    b'{"name": "Widget", "price": "NaN"}',
    b'{"name": "Widget", "price": "Infinity"}',
    b'{"name": "Widget", "price": "-inf"}',
    b'{"name": "Widget", "price": NaN}',  # Python's JSON parser accepts these tokens
    b'{"name": "Widget", "price": Infinity}',
    b'{"name": "Widget", "price": 1e400}',  # too large for a float: infinity
]


@pytest.mark.parametrize("body", NON_FINITE)
def test_money_refuses_non_finite_numbers_with_422(client, body):
    response = client.post("/items", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "finite_number"


@pytest.mark.parametrize("body", NON_FINITE)
def test_the_float_version_answers_non_finite_numbers_with_500(example, body):
    client = TestClient(example.float_app, raise_server_exceptions=False)
    assert client.post("/items", content=body, headers=JSON).status_code == 500


def test_float_totals_as_the_page_shows(example):
    client = TestClient(example.float_app)
    outline = {"name": "Widget", "price": 9.99, "tax": 1.00}
    assert client.post("/items", json=outline).content == (
        b'{"item_name":"Widget","total_price":10.99}'
    )
    other = {"name": "Widget", "price": 9.99, "tax": 0.8}
    assert client.post("/items", json=other).content == (
        b'{"item_name":"Widget","total_price":10.790000000000001}'
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": NaN, "price": 1}',  # refused by the model, input echoed in the 422
        b"[NaN]",
        b'{"name": "Widget", "price": 1, "tax": [Infinity]}',
    ],
)
def test_refused_non_finite_inputs_are_a_422_with_the_handler_and_a_500_without(
    example, body
):
    response = TestClient(example.app).post("/items", content=body, headers=JSON)
    assert response.status_code == 422
    without_handler = TestClient(example.float_app, raise_server_exceptions=False)
    assert without_handler.post("/items", content=body, headers=JSON).status_code == 500


@pytest.mark.parametrize("content", [b"\x80", '{"name": "Café"}'.encode("latin-1")])
def test_bytes_that_are_not_utf8_without_a_json_content_type_are_a_422(
    example, content
):
    response = TestClient(example.app).post("/items", content=content)
    assert response.status_code == 422
    without_handler = TestClient(example.float_app, raise_server_exceptions=False)
    assert without_handler.post("/items", content=content).status_code == 500


def test_the_handler_keeps_type_loc_and_msg_of_fastapis_answer(example):
    plain = FastAPI()  # the same route, answered by FastAPI's own handler
    plain.post("/items")(example.create_item)
    body = {"name": "café €", "price": "cheap", "tax": 1e22, "description": 5}
    ours = TestClient(example.app).post("/items", json=body)
    theirs = TestClient(plain).post("/items", json=body)
    assert ours.status_code == theirs.status_code == 422
    assert ours.headers["content-type"] == theirs.headers["content-type"]
    assert ours.json()["detail"] == [
        {key: error[key] for key in ("type", "loc", "msg")}
        for error in theirs.json()["detail"]
    ]
    assert all("input" in error for error in theirs.json()["detail"])


def test_the_app_documents_money_as_pydantic_writes_it(client):
    """The reason for the fuzzer's one excluded check on this page: any string passes
    the schema, and the digit limits are not in it."""
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Item"]
    assert schema["properties"]["price"]["anyOf"] == [
        {"type": "number", "minimum": 0.0},
        {"type": "string"},
    ]


def test_a_body_that_is_not_text_is_a_declared_400(client):
    content = '{"name": "Café", "price": 1}'.encode("latin-1")
    response = client.post("/items", content=content, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    operation = client.get("/openapi.json").json()["paths"]["/items"]["post"]
    assert set(operation["responses"]) == {"200", "400", "422"}
