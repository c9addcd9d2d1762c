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


def test_missing_field_is_422_with_the_exact_error(client):
    response = client.post("/items", json={"price": 9.99})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "name"],
                "msg": "Field required",
                "input": {"price": 9.99},
            }
        ]
    }


def test_invalid_json_is_422_json_invalid(client):
    response = client.post("/items", content="{'name': 'Widget'}", headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "json_invalid",
                "loc": ["body", 1],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": "Expecting property name enclosed in double quotes"},
            }
        ]
    }


def test_no_body_at_all_is_422(client):
    response = client.post("/items")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
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
            "input": BODY.decode(),
        }
    ]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/ld+json"])
def test_json_content_types_are_parsed(client, content_type):
    response = client.post("/items", content=BODY, headers={"content-type": content_type})
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


NON_FINITE = [
    b'{"name": "Widget", "price": "NaN"}',
    b'{"name": "Widget", "price": "Infinity"}',
    b'{"name": "Widget", "price": "-inf"}',
    b'{"name": "Widget", "price": NaN}',  # Python's JSON parser accepts these tokens
    b'{"name": "Widget", "price": Infinity}',
    b'{"name": "Widget", "price": 1e400}',  # too large for a float: infinity
]


@pytest.mark.parametrize("body", NON_FINITE)
def test_decimal_refuses_non_finite_numbers_with_422(client, body):
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
def test_echoed_non_finite_inputs_are_a_422_with_the_handler_and_a_500_without(example, body):
    response = TestClient(example.app).post("/items", content=body, headers=JSON)
    assert response.status_code == 422
    assert b"NaN" in response.content or b"Infinity" in response.content
    without_handler = TestClient(example.float_app, raise_server_exceptions=False)
    assert without_handler.post("/items", content=body, headers=JSON).status_code == 500


def test_the_handler_keeps_fastapis_422_body_byte_for_byte(example):
    plain = FastAPI()  # the same route, answered by FastAPI's own validation error handler
    plain.post("/items")(example.create_item)
    body = {"name": "café €", "price": "cheap", "tax": 1e22, "description": 5}
    ours = TestClient(example.app).post("/items", json=body)
    theirs = TestClient(plain).post("/items", json=body)
    assert ours.status_code == theirs.status_code == 422
    assert ours.headers["content-type"] == theirs.headers["content-type"] == "application/json"
    assert ours.content == theirs.content


def test_nan_token_is_echoed_as_a_string(client):
    response = client.post("/items", content=b'{"name": "Widget", "price": NaN}', headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "finite_number",
            "loc": ["body", "price"],
            "msg": "Input should be a finite number",
            "input": "NaN",
        }
    ]
