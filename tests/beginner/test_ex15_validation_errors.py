import http
import json
import sys

import pytest
from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator
from starlette.exceptions import StarletteDeprecationWarning
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES

PASSWORD = "correct horse battery"


def test_a_bad_body_is_422_with_one_entry_per_error(client):
    response = client.post("/products", json={"name": "", "price": -5, "quantity": 2})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "name"],
                "msg": "String should have at least 1 character",
                "input": "",
                "ctx": {"min_length": 1},
            },
            {
                "type": "greater_than",
                "loc": ["body", "price"],
                "msg": "Input should be greater than 0",
                "input": -5,
                "ctx": {"gt": 0.0},
            },
        ]
    }


def test_valid_requests_pass(client):
    product = {"name": "Lamp", "price": 10.0, "quantity": 0}
    assert client.post("/products", json=product).json() == product
    assert client.get("/products").json() == {"page": 1, "size": 10}
    response = client.get("/echo/2?value=7", headers={"X-Request-Id": "42"})
    assert response.json() == {"values": [7, 7], "request_id": 42}
    assert client.post(
        "/signup", json={"email": "a@example.com", "password": PASSWORD}
    ).json() == {"email": "a@example.com"}


def test_the_echo_claim_of_the_outline_with_its_full_message(client):
    assert client.get("/echo/1?value=abc").json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["query", "value"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "abc",
            }
        ]
    }


def test_loc_names_the_part_of_the_request_and_missing_values_have_input_null(client):
    detail = client.get("/echo/0").json()["detail"]
    assert [(e["type"], e["loc"], e["input"]) for e in detail] == [
        ("greater_than_equal", ["path", "times"], "0"),
        ("missing", ["query", "value"], None),
    ]
    detail = client.get("/echo/1?value=1", headers={"X-Request-Id": "x"}).json()[
        "detail"
    ]
    assert detail[0]["loc"] == [
        "header",
        "x-request-id",
    ]  # the header's name, not x_request_id
    detail = client.post("/products").json()["detail"]
    assert detail == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


def test_broken_json_names_the_character_position(client):
    broken = b'{"name": "Lamp", "price": 10,}'
    response = client.post(
        "/products", content=broken, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "json_invalid",
            "loc": ["body", 29],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "Expecting property name enclosed in double quotes"},
        }
    ]


def test_errors_carry_no_documentation_url(client):
    response = client.post("/products", json={"name": "", "price": -5, "quantity": "x"})
    assert all("url" not in error for error in response.json()["detail"])


BAD_SIGNUPS = [
    {"password": PASSWORD},  # missing email: input is the whole body
    {
        "email": "a@example.com",
        "password": PASSWORD[:5],
    },  # too short: input is the password
    {"email": ["not", "a", "string"], "password": PASSWORD},
]


@pytest.mark.parametrize("body", BAD_SIGNUPS[:2])
def test_the_default_handler_echoes_the_password(client, body):
    response = client.post("/signup", json=body)
    assert response.status_code == 422
    assert body["password"] in json.dumps(response.json()["detail"][0]["input"])


@pytest.mark.parametrize("body", BAD_SIGNUPS)
def test_the_safe_handler_never_sends_back_what_was_sent(example, body):
    response = TestClient(example.safe_app).post("/signup", json=body)
    assert response.status_code == 422
    assert body["password"] not in response.text
    for error in response.json()["detail"]:
        assert set(error) == {"type", "loc", "msg"}


def test_the_safe_handler_keeps_loc_for_broken_json(example):
    response = TestClient(example.safe_app).post(
        "/signup",
        content=b'{"password": "' + PASSWORD.encode() + b'"',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert PASSWORD not in response.text
    assert response.json()["detail"][0]["type"] == "json_invalid"


class Checked(BaseModel):
    email: str
    password: str

    @field_validator("email")
    @classmethod
    def has_at_sign(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("not an e-mail address")
        return value


def app_with_handler(handler) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(RequestValidationError, handler)

    @app.post("/signup")
    def sign_up(form: Checked):
        return {}

    return app


def test_echoing_exc_body_as_in_the_usual_recipe_reflects_every_field():
    async def echo_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        content = {"detail": jsonable_encoder(exc.errors()), "body": exc.body}
        return JSONResponse(status_code=422, content=content)

    client = TestClient(app_with_handler(echo_body))
    body = {"email": "nope", "password": PASSWORD}  # the password itself is valid
    assert client.post("/signup", json=body).json()["body"] == body


def test_returning_exc_errors_without_jsonable_encoder_turns_a_422_into_a_500():
    async def raw_errors(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": exc.errors()})

    client = TestClient(app_with_handler(raw_errors), raise_server_exceptions=False)
    assert (
        client.post("/signup", json={"email": "nope", "password": "x"}).status_code
        == 500
    )
    # ctx holds the ValueError object itself, which JSONResponse cannot serialise.


def test_the_default_handler_turns_a_validator_error_into_an_empty_ctx():
    app = FastAPI()

    @app.post("/signup")
    def sign_up(form: Checked):
        return {}

    detail = (
        TestClient(app)
        .post("/signup", json={"email": "nope", "password": "x"})
        .json()["detail"]
    )
    assert detail == [
        {
            "type": "value_error",
            "loc": ["body", "email"],
            "msg": "Value error, not an e-mail address",
            "input": "nope",
            "ctx": {"error": {}},
        }
    ]


def test_uvicorn_takes_the_422_phrase_from_python():
    assert STATUS_PHRASES[422] == http.HTTPStatus(422).phrase.encode()
    if sys.version_info >= (3, 13):
        assert http.HTTPStatus(422).phrase == "Unprocessable Content"
    else:
        assert http.HTTPStatus(422).phrase == "Unprocessable Entity"


def test_the_old_422_constant_name_is_deprecated():
    with pytest.warns(
        StarletteDeprecationWarning, match="HTTP_422_UNPROCESSABLE_CONTENT"
    ):
        assert status.HTTP_422_UNPROCESSABLE_ENTITY == 422
    assert json.dumps(status.HTTP_422_UNPROCESSABLE_CONTENT) == "422"


def test_the_handler_does_not_run_when_validation_fails():
    calls = []
    app = FastAPI()

    @app.post("/signup")
    def sign_up(form: Checked):
        calls.append(form)
        return {}

    client = TestClient(app)
    assert (
        client.post("/signup", json={"email": "nope", "password": "x"}).status_code
        == 422
    )
    assert calls == []
    assert (
        client.post("/signup", json={"email": "a@b", "password": "x"}).status_code
        == 200
    )
    assert len(calls) == 1
