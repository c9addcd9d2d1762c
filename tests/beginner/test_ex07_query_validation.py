from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from pydantic_core import SchemaError


def test_valid_values_and_defaults(client):
    assert client.get("/items?q=python&page=2&size=5").json() == {
        "q": "python",
        "page": 2,
        "size": 5,
        "offset": 5,
    }
    assert client.get("/items").json() == {
        "q": None,
        "page": 1,
        "size": 10,
        "offset": 0,
    }


def error(kind: str, name: str, msg: str, value: str, ctx: dict) -> dict:
    return {
        "type": kind,
        "loc": ["query", name],
        "msg": msg,
        "input": value,
        "ctx": ctx,
    }


PATTERN = "^[a-zA-Z0-9 ]+$"
BROKEN_LIMITS = {
    "q=ab": error(
        "string_too_short",
        "q",
        "String should have at least 3 characters",
        "ab",
        {"min_length": 3},
    ),
    "q=" + "a" * 51: error(
        "string_too_long",
        "q",
        "String should have at most 50 characters",
        "a" * 51,
        {"max_length": 50},
    ),
    "q=C%2B%2B": error(
        "string_pattern_mismatch",
        "q",
        f"String should match pattern '{PATTERN}'",
        "C++",
        {"pattern": PATTERN},
    ),
    "page=0": error(
        "greater_than_equal",
        "page",
        "Input should be greater than or equal to 1",
        "0",
        {"ge": 1},
    ),
    "page=101": error(
        "less_than_equal",
        "page",
        "Input should be less than or equal to 100",
        "101",
        {"le": 100},
    ),
    "size=0": error(
        "greater_than_equal",
        "size",
        "Input should be greater than or equal to 1",
        "0",
        {"ge": 1},
    ),
    "size=51": error(
        "less_than_equal",
        "size",
        "Input should be less than or equal to 50",
        "51",
        {"le": 50},
    ),
}


@pytest.mark.parametrize("query", BROKEN_LIMITS)
def test_each_broken_limit_is_a_422_with_the_exact_error(client, query):
    response = client.get(f"/items?{query}")
    assert response.status_code == 422
    assert response.json() == {"detail": [BROKEN_LIMITS[query]]}


def test_boundaries_are_inclusive(client):
    assert client.get("/items?q=abc&page=100&size=50").status_code == 200
    assert client.get("/items?q=" + "a" * 50 + "&page=1&size=1").status_code == 200


def test_every_broken_limit_is_reported_in_one_response(client):
    response = client.get("/items?q=ab&page=0&size=99")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["query", "q"],
        ["query", "page"],
        ["query", "size"],
    ]


def test_absent_is_none_but_empty_is_too_short(client):
    assert client.get("/items").json()["q"] is None
    response = client.get("/items?q=")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "string_too_short"


@pytest.mark.parametrize("q", ["café", "abc\n", "abc\r", "a-b-c", "abc;"])
def test_pattern_refuses_non_ascii_and_a_trailing_newline(client, q):
    assert client.get("/items", params={"q": q}).status_code == 422


def test_path_constraints(client):
    assert client.get("/items/1").json() == {"item_id": 1}
    assert client.get("/items/2147483647").json() == {"item_id": 2147483647}
    for raw in ["0", "-5", "2147483648", "99999999999"]:
        response = client.get(f"/items/{raw}")
        assert response.status_code == 422, raw
        assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_schema_carries_descriptions_and_limits(client):
    schema = client.get("/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/items"]["get"]["parameters"]}
    assert params["q"]["schema"]["anyOf"][0] == {
        "type": "string",
        "minLength": 3,
        "maxLength": 50,
        "pattern": "^[a-zA-Z0-9 ]+$",
    }
    assert params["page"]["schema"] == {
        "type": "integer",
        "maximum": 100,
        "minimum": 1,
        "description": "Page number (1-100)",
        "default": 1,
        "title": "Page",
    }
    (item_id,) = schema["paths"]["/items/{item_id}"]["get"]["parameters"]
    assert item_id["required"] is True
    assert (item_id["schema"]["minimum"], item_id["schema"]["maximum"]) == (
        1,
        2147483647,
    )


def test_look_around_in_a_pattern_fails_when_the_route_is_declared():
    app = FastAPI()
    with pytest.raises(SchemaError, match="look-around"):

        @app.get("/users")
        def list_users(name: Annotated[str, Query(pattern=r"^(?!admin).*$")]):
            return name  # pragma: no cover
