import asyncio
import decimal
import threading
from decimal import Decimal

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from pydantic import BaseModel

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
def test_echoed_non_finite_inputs_are_a_422_with_the_handler_and_a_500_without(
    example, body
):
    response = TestClient(example.app).post("/items", content=body, headers=JSON)
    assert response.status_code == 422
    assert b"NaN" in response.content or b"Infinity" in response.content
    without_handler = TestClient(example.float_app, raise_server_exceptions=False)
    assert without_handler.post("/items", content=body, headers=JSON).status_code == 500


def test_the_handler_keeps_fastapis_422_body_byte_for_byte(example):
    plain = (
        FastAPI()
    )  # the same route, answered by FastAPI's own validation error handler
    plain.post("/items")(example.create_item)
    body = {"name": "café €", "price": "cheap", "tax": 1e22, "description": 5}
    ours = TestClient(example.app).post("/items", json=body)
    theirs = TestClient(plain).post("/items", json=body)
    assert ours.status_code == theirs.status_code == 422
    assert (
        ours.headers["content-type"]
        == theirs.headers["content-type"]
        == "application/json"
    )
    assert ours.content == theirs.content


def test_nan_token_is_echoed_as_a_string(client):
    response = client.post(
        "/items", content=b'{"name": "Widget", "price": NaN}', headers=JSON
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "finite_number",
            "loc": ["body", "price"],
            "msg": "Input should be a finite number",
            "input": "NaN",
        }
    ]


def unbounded_app() -> FastAPI:
    """The same endpoint with plain Decimal prices: no limits."""

    class Item(BaseModel):
        name: str
        price: Decimal
        tax: Decimal | None = None

    app = FastAPI()

    @app.post("/items")
    def create_item(item: Item):
        total = item.price if item.tax is None else item.price + item.tax
        return {"item_name": item.name, "total_price": total}

    return app


def test_without_limits_a_huge_exponent_plus_a_tax_is_a_500():
    client = TestClient(unbounded_app(), raise_server_exceptions=False)
    body = {"name": "Widget", "price": "1e999999999", "tax": 1}
    assert client.post("/items", json=body).status_code == 500
    with pytest.raises(decimal.Overflow):
        Decimal("1e999999999") + 1


def test_fastapis_encoder_writes_a_whole_decimal_out_as_an_int_of_every_digit():
    """The mechanism behind the stall: "1e4000" becomes a 4001-digit int; "1e1000000" would
    become a million-digit one (not built here: it takes far too long)."""
    encoded = jsonable_encoder({"total_price": Decimal("1e4000")})["total_price"]
    assert type(encoded) is int and len(str(encoded)) == 4001


def test_a_returned_dict_is_encoded_on_the_event_loop(monkeypatch):
    """So a slow encoding holds up every other request, even for a plain `def` endpoint."""
    threads = {}
    original = fastapi.routing.jsonable_encoder

    def spy(*args, **kwargs):
        asyncio.get_running_loop()  # raises RuntimeError in a worker thread
        threads["encoder"] = threading.current_thread()
        return original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "jsonable_encoder", spy)
    app = unbounded_app()
    (route,) = [r for r in app.routes if getattr(r, "path", "") == "/items"]
    endpoint = route.dependant.call

    def recording_endpoint(**kwargs):
        threads["endpoint"] = threading.current_thread()
        return endpoint(**kwargs)

    monkeypatch.setattr(route.dependant, "call", recording_endpoint)
    response = TestClient(app).post("/items", json={"name": "Widget", "price": 1})
    assert response.status_code == 200
    assert threads["encoder"] is not threads["endpoint"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Widget", "price": "1e1000000"},
        {"name": "Widget", "price": "1e999999999", "tax": 1},
        {"name": "Widget", "price": 1, "tax": "1e999999999"},
    ],
)
def test_money_limits_refuse_huge_exponents_with_422(client, body):
    response = client.post("/items", json=body)
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == ["decimal_max_digits"]


def test_the_schema_describes_the_money_limits(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Item"]
    price = schema["properties"]["price"]
    assert price["anyOf"] == [
        {"type": "number", "multipleOf": 0.01, "maximum": 999999.99, "minimum": 0},
        {"type": "string", "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$"},
    ]
    assert schema["properties"]["tax"]["anyOf"] == [*price["anyOf"], {"type": "null"}]


@pytest.mark.parametrize(
    "price",
    [0, 0.01, 0.29, 999999.99, "0", "9.9", "000000.01", "999999.99", "1e2", " 9.99 "],
)
def test_every_price_the_schema_describes_is_accepted_and_a_little_more(client, price):
    assert (
        client.post("/items", json={"name": "Widget", "price": price}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("price", "error_type"),
    [
        (-0.01, "greater_than_equal"),
        (1000000, "decimal_whole_digits"),
        (9.999, "decimal_max_places"),
        ("", "decimal_parsing"),
        ("9,99", "decimal_parsing"),
    ],
)
def test_prices_outside_the_schema_are_refused(client, price, error_type):
    response = client.post("/items", json={"name": "Widget", "price": price})
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == [error_type]


@pytest.mark.parametrize(
    "content",
    [
        '{"name": "Café", "price": 1}'.encode("latin-1"),  # not UTF-8
        b'{"name": "Widget", "price": ' + b"1" * 4301 + b"}",  # past Python's int limit
    ],
)
def test_a_body_that_cannot_be_read_is_a_declared_400(client, content):
    response = client.post("/items", content=content, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    responses = client.get("/openapi.json").json()["paths"]["/items"]["post"][
        "responses"
    ]
    assert set(responses) == {"200", "400", "422"}


def test_a_long_number_python_still_reads_is_a_422(client):
    content = b'{"name": "Widget", "price": ' + b"1" * 4300 + b"}"
    response = client.post("/items", content=content, headers=JSON)
    assert response.status_code == 422
