from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_hello_is_json_with_status_200(client):
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"message":"Hello World"}'


def test_the_decorator_registers_a_get_route(example):
    (route,) = [route for route in example.app.routes if route.path == "/hello"]
    assert route.methods == {"GET"}
    assert route.endpoint is example.hello


def test_head_is_refused_by_a_get_route(client):
    response = client.head("/hello")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_api_route_can_answer_head_as_the_page_suggests():
    app = FastAPI()

    @app.api_route("/hello", methods=["GET", "HEAD"])
    def hello():
        return {"message": "Hello World"}

    response = TestClient(app).head("/hello")
    assert response.status_code == 200
    assert response.content == b""
