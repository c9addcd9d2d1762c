import pytest
from ex41_settings import Settings, app, get_settings
from fastapi.testclient import TestClient

TOKEN = "a-token-for-the-tests-only-0123456789"


@pytest.fixture
def client(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env from the folder pytest was started in
    monkeypatch.setenv("APP_ADMIN_TOKEN", TOKEN)  # removed again after the test
    get_settings.cache_clear()  # forget the settings an earlier test read
    with TestClient(app) as client:  # the lifespan reads them with this environment
        yield client
    get_settings.cache_clear()


def test_the_admin_sees_the_settings_but_never_the_token(client):
    response = client.get("/admin/settings", headers={"X-Admin-Token": TOKEN})
    assert response.json()["admin_token"] == "**********"
    assert TOKEN not in response.text


def test_one_test_can_have_its_own_settings(client, monkeypatch):
    testing = Settings(name="Test API", admin_token=TOKEN, _env_file=None)
    monkeypatch.setitem(app.dependency_overrides, get_settings, lambda: testing)
    response = client.get("/admin/settings", headers={"X-Admin-Token": TOKEN})
    assert response.json()["name"] == "Test API"
