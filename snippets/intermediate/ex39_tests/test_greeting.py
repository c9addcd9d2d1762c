from datetime import UTC, datetime

import pytest
from ex39_dependency_overrides import User, app, current_user, now
from fastapi.testclient import TestClient


@pytest.fixture
def client(monkeypatch):
    # monkeypatch puts dependency_overrides back as it was after each test, pass or fail.
    monkeypatch.setitem(
        app.dependency_overrides, current_user, lambda: User(username="ada")
    )
    return TestClient(app)


@pytest.mark.parametrize(
    ("hour", "part"), [(9, "morning"), (14, "afternoon"), (20, "evening")]
)
def test_the_greeting_follows_the_clock(client, monkeypatch, hour, part):
    stopped = datetime(2026, 1, 5, hour, tzinfo=UTC)
    monkeypatch.setitem(app.dependency_overrides, now, lambda: stopped)
    assert client.get("/greeting").json() == {"message": f"Good {part}, ada"}


def test_no_override_is_left_behind():
    assert app.dependency_overrides == {}
    assert TestClient(app).get("/greeting").status_code == 401
