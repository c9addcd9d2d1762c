from ex39_dependency_overrides import app
from fastapi.testclient import TestClient


def test_a_request_without_a_token_is_refused():
    status = TestClient(app).get("/greeting").status_code
    assert status == 401
