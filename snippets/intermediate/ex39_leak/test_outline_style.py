from ex39_dependency_overrides import User, app, current_user
from fastapi.testclient import TestClient

# As the outline does: overrides set when pytest imports this file, for "this client".
app.dependency_overrides[current_user] = lambda: User(username="tester")
client = TestClient(app)


def test_the_greeting_names_the_fake_user():
    assert client.get("/greeting").json()["message"].endswith(", tester")


def cleanup():  # neither a test nor a fixture: pytest never calls it
    app.dependency_overrides.clear()
