"""What Example 46 claims beyond its prints: where each validator runs and what it may
receive, what computed fields do in requests, responses and schemas, and each of the
outline's claims about them."""

from decimal import Decimal
from typing import Self

import pytest
from fastapi.testclient import TestClient
from pydantic import (
    BaseModel,
    PydanticUserError,
    ValidationError,
    computed_field,
    model_validator,
)

JSON = {"content-type": "application/json"}
RATE = {"nightly_rate": "120.00"}


def test_a_stay_is_quoted_with_its_computed_fields(client):
    body = {"check_in": "2026-05-01", "check_out": "2026-05-04", **RATE}
    assert client.post("/stays", json=body).json() == {
        "check_in": "2026-05-01",
        "check_out": "2026-05-04",
        "nightly_rate": "120.00",
        "nights": 3,
        "total": "360.00",
    }


def test_an_interval_is_split_by_the_before_validator(client):
    body = {"dates": "2026-12-30/2027-01-02", **RATE}
    response = client.post("/stays", json=body).json()
    assert (response["check_in"], response["check_out"], response["nights"]) == (
        "2026-12-30",
        "2027-01-02",
        3,
    )
    assert "dates" not in response


@pytest.mark.parametrize("dates", ["2026-05-04/2026-05-01", "2026-05-01/2026-05-01"])
def test_check_out_must_come_after_check_in(client, dates):
    response = client.post("/stays", json={"dates": dates, **RATE})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "value_error",
            "loc": ["body"],
            "msg": "Value error, check_out must be after check_in",
        }
    ]


@pytest.mark.parametrize(
    ("body", "locations"),
    [
        ({"dates": "2026-05-04/someday", **RATE}, [["body", "check_out"]]),
        ({"dates": "2026-05-04", **RATE}, [["body", "check_out"]]),
        ({"dates": 20260504, **RATE}, [["body", "check_in"], ["body", "check_out"]]),
        (
            {"dates": "2026-05-04/2026-05-01", "nightly_rate": "-1"},
            [["body", "nightly_rate"]],
        ),
    ],
)
def test_the_after_validator_waits_for_valid_fields(client, body, locations):
    """Only field errors come back while any field is invalid: the outline's "runs
    after all individual field validators" holds only when they all pass."""
    response = client.post("/stays", json=body)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == locations


@pytest.mark.parametrize(
    "content", [b"[1, 2]", b"42", b'"2026-05-01/2026-05-04"', b"null", b"[NaN]"]
)
def test_raw_input_that_is_not_an_object_is_a_422(client, content):
    response = client.post("/stays", content=content, headers=JSON)
    assert response.status_code == 422


def test_a_client_cannot_set_a_computed_field(client):
    body = {"dates": "2026-05-01/2026-05-02", **RATE, "nights": 30, "total": "1.00"}
    response = client.post("/stays", json=body).json()
    assert (response["nights"], response["total"]) == (1, "120.00")


def test_computed_fields_are_read_only_in_the_response_schema_only(client):
    schema = client.get("/openapi.json").json()
    schemas = schema["components"]["schemas"]
    assert set(schemas["Stay-Input"]["properties"]) == {
        "check_in",
        "check_out",
        "nightly_rate",
    }
    output = schemas["Stay-Output"]["properties"]
    assert output["nights"] == {"type": "integer", "title": "Nights", "readOnly": True}
    assert output["total"]["readOnly"] is True
    operation = schema["paths"]["/stays"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Stay-Input"
    }
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Stay-Output"
    }


def test_the_wrap_validator_sees_success_and_failure(example):
    example.refusals.clear()
    stay = example.LoggedStay.model_validate({"dates": "2026-05-01/2026-05-03", **RATE})
    assert stay.total == Decimal("240.00")
    with pytest.raises(ValidationError):
        example.LoggedStay.model_validate({"dates": "2026-05-01/", "nightly_rate": -1})
    with pytest.raises(ValidationError):  # refused by Stay's after-validator
        example.LoggedStay.model_validate({"dates": "2026-05-04/2026-05-01", **RATE})
    assert example.refusals == [2, 1]


def test_an_after_validator_that_forgets_to_return_self_warns():
    """The outline: 'Must return self (or raise ValueError)'. Returning None is not an
    error but a UserWarning, which this project turns into an error."""

    class Forgetful(BaseModel):
        value: int

        @model_validator(mode="after")
        def check(self) -> Self:
            pass  # no return

    with pytest.warns(UserWarning, match="returning a value other than `self`"):
        Forgetful(value=1)


def test_computed_field_needs_no_property_decorator(example):
    product = example.Product(name="Widget", price=100, discount_percent=20)
    assert product.model_dump() == {
        "name": "Widget",
        "price": 100.0,
        "discount_percent": 20.0,
        "discounted_price": 80.0,
    }


def test_float_money_rounds_a_half_cent_down(example):
    product = example.Product(name="Widget", price=10.01, discount_percent=50)
    assert product.discounted_price == 5.0


def test_the_first_failing_after_validator_stops_the_rest(example):
    with pytest.raises(ValidationError) as refused:
        example.Registration(
            username="ann", password="ann-pass", confirm_password="other"
        )
    assert refused.value.error_count() == 1  # the username rule never ran


@pytest.mark.parametrize("content", [b"[1, 2]", b"{}", b'{"dates": 5}'])
def test_a_before_validator_that_trusts_its_input_is_a_500(example, content):
    client = TestClient(example.outline_app, raise_server_exceptions=False)
    response = client.post("/stays", content=content, headers=JSON)
    assert response.status_code == 500


def test_the_outlines_route_documents_no_response_shape(example):
    client = TestClient(example.outline_app)
    schema = client.get("/openapi.json").json()["paths"]["/products"]["post"]
    assert schema["responses"]["200"]["content"]["application/json"]["schema"] == {}
    body = {"name": "Widget", "price": 100, "discount_percent": 20}
    assert client.post("/products", json=body).json()["discounted_price"] == 80.0
    assert client.post("/stays", json={"dates": "2026-05-01/x"}).json() == {
        "check_in": "2026-05-01"
    }


def test_the_second_after_validator_runs_once_the_first_passes(example):
    with pytest.raises(ValidationError, match="must not contain the username"):
        example.Registration(
            username="ann", password="ann-pass", confirm_password="ann-pass"
        )
    accepted = example.Registration(
        username="ann", password="long-secret", confirm_password="long-secret"
    )
    assert accepted.username == "ann"


def test_a_computed_field_needs_a_return_type():
    with pytest.raises(PydanticUserError, match="missing return type annotation"):

        class Untyped(BaseModel):
            value: int

            @computed_field
            @property
            def double(self):
                return self.value * 2  # pragma: no cover - the class is refused
