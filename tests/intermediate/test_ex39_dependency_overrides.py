"""What Example 39 claims beyond its prints, and the outline's claims about overrides."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import load_snippet, snippet_for


@pytest.fixture
def app(example):
    yield example.app
    example.app.dependency_overrides.clear()
    example.SESSIONS.clear()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer unknown"},
        {"Authorization": "Basic YWRhOnNlY3JldA=="},
        {"Authorization": "Bearer"},
        {"Authorization": ""},
    ],
)
def test_without_a_valid_token_the_answer_is_401_with_a_bearer_challenge(app, headers):
    response = TestClient(app).get("/greeting", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_known_token_is_greeted_without_any_override(app, example):
    example.SESSIONS["a-long-random-token"] = example.User(username="ada")
    headers = {"Authorization": "Bearer a-long-random-token"}
    response = TestClient(app).get("/greeting", headers=headers)
    assert response.status_code == 200
    assert response.json()["message"].endswith(", ada")


@pytest.mark.parametrize(
    ("hour", "minute", "part"),
    [
        (0, 0, "morning"),
        (11, 59, "morning"),
        (12, 0, "afternoon"),
        (17, 59, "afternoon"),
        (18, 0, "evening"),
        (23, 59, "evening"),
    ],
)
def test_the_parts_of_the_day(app, example, hour, minute, part):
    app.dependency_overrides[example.current_user] = lambda: example.User(username="b")
    stopped = datetime(2026, 1, 5, hour, minute, tzinfo=UTC)
    app.dependency_overrides[example.now] = lambda: stopped
    assert TestClient(app).get("/greeting").json() == {"message": f"Good {part}, b"}


def test_the_real_clock_is_timezone_aware_utc(example):
    assert example.now().tzinfo is UTC


def test_an_override_replaces_the_dependency_and_what_it_depends_on(app, example):
    """No Authorization header at all: HTTPBearer, which current_user depends on, is not
    called either."""
    app.dependency_overrides[example.current_user] = lambda: example.User(username="x")
    assert TestClient(app).get("/greeting").status_code == 200


def test_an_override_belongs_to_the_app_not_to_a_client(app, example):
    """The outline sets overrides "for all tests using this client": every client of the
    app, created before or after, sees them."""
    before = TestClient(app)
    app.dependency_overrides[example.current_user] = lambda: example.User(username="x")
    after = TestClient(app)
    assert (
        before.get("/greeting").status_code == after.get("/greeting").status_code == 200
    )


def test_the_key_must_be_the_very_function_the_app_depends_on(app, example):
    """Another import of the same file makes other function objects: overriding those
    changes nothing, silently."""
    other_copy = load_snippet(snippet_for(Path(__file__)))
    app.dependency_overrides[other_copy.current_user] = lambda: example.User(
        username="x"
    )
    assert TestClient(app).get("/greeting").status_code == 401


def test_fastapi_does_not_check_what_an_override_returns(app, example):
    """The outline's fake user is a dict; a route that reads `user.username` fails."""
    app.dependency_overrides[example.current_user] = lambda: {"username": "x"}
    with pytest.raises(AttributeError):
        TestClient(app).get("/greeting")


def test_an_override_can_declare_parameters_of_its_own(app, example):
    def user_from_query(name: str = "guest"):
        return example.User(username=name)

    app.dependency_overrides[example.current_user] = user_from_query
    client = TestClient(app)
    assert client.get("/greeting?name=bob").json()["message"].endswith(", bob")
    assert client.get("/greeting").json()["message"].endswith(", guest")
