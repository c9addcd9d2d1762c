import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from transcripts import serve

KEY = "a-long-random-key-from-a-vault"


@pytest.fixture(autouse=True)
def fresh_store_and_no_admin_key(example, monkeypatch):
    monkeypatch.setattr(
        example,
        "items",
        {
            1: example.Item(name="Widget", price=9.99, stock=3),
            2: example.Item(name="Gadget", price=49.99, stock=0),
        },
    )
    monkeypatch.delenv("ADMIN_KEY", raising=False)


def test_found_is_200_and_missing_is_404_with_a_detail_string(client):
    assert client.get("/items/1").json() == {
        "name": "Widget",
        "price": "9.99",  # Money, written as a string
        "stock": 3,
    }
    response = client.get("/items/99")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Item 99 not found"}


def test_put_on_a_missing_item_is_404_with_a_header_and_stores_nothing(client, example):
    response = client.put("/items/99", json={"name": "Gizmo", "price": 5})
    assert response.status_code == 404
    assert response.headers["x-error-code"] == "item-not-found"
    assert response.json() == {"detail": {"code": "item_not_found", "item_id": 99}}
    assert 99 not in example.items  # the code after raise did not run


def test_put_on_an_existing_item_replaces_it(client, example):
    response = client.put("/items/1", json={"name": "Widget 2", "price": 11})
    assert response.status_code == 200
    assert example.items[1].name == "Widget 2"


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Admin-Key": ""}, {"X-Admin-Key": "guess"}, {"X-Admin-Key": KEY}],
    ids=["no key", "empty key", "wrong key", "right key but none configured"],
)
def test_admin_delete_refuses_with_401_and_a_challenge(client, example, headers):
    response = client.delete("/admin/items/1", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"
    assert response.json() == {"detail": "Missing or invalid admin key"}
    assert 1 in example.items


def test_an_empty_configured_key_lets_nobody_in(client, monkeypatch):
    monkeypatch.setenv("ADMIN_KEY", "")
    assert (
        client.delete("/admin/items/1", headers={"X-Admin-Key": ""}).status_code == 401
    )


def test_a_non_ascii_key_is_refused_not_a_crash(client, monkeypatch):
    monkeypatch.setenv("ADMIN_KEY", KEY)
    response = client.delete("/admin/items/1", headers={"X-Admin-Key": b"\xe9t\xe9"})
    assert response.status_code == 401


def test_a_key_in_the_query_string_as_the_outline_sends_it_is_refused(
    client, example, monkeypatch
):
    monkeypatch.setenv("ADMIN_KEY", KEY)
    response = client.delete(f"/admin/items/1?admin_key={KEY}")
    assert response.status_code == 401
    assert 1 in example.items


def test_the_key_is_compared_in_constant_time(client, example, monkeypatch):
    monkeypatch.setenv("ADMIN_KEY", KEY)
    calls = []
    real = example.secrets.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(example.secrets, "compare_digest", spy)
    client.delete("/admin/items/1", headers={"X-Admin-Key": "guess"})
    assert calls == [(b"guess", KEY.encode())]


def test_the_right_key_deletes_with_204_then_404(client, example, monkeypatch):
    monkeypatch.setenv("ADMIN_KEY", KEY)
    response = client.delete("/admin/items/1", headers={"X-Admin-Key": KEY})
    assert response.status_code == 204
    assert response.content == b""
    assert 1 not in example.items
    response = client.delete("/admin/items/1", headers={"X-Admin-Key": KEY})
    assert response.status_code == 404


def test_purchase_takes_stock_then_conflicts_when_none_is_left(client, example):
    assert client.post("/items/1/purchase").json()["stock"] == 2
    response = client.post("/items/2/purchase")
    assert response.status_code == 409
    assert response.json() == {"detail": "Item 2 is out of stock"}
    assert client.post("/items/99/purchase").status_code == 404


def test_an_exception_without_a_handler_is_a_plain_text_500(example):
    with pytest.raises(KeyError):
        TestClient(example.naive_app).get("/naive/items/99")
    response = TestClient(example.naive_app, raise_server_exceptions=False).get(
        "/naive/items/99"
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Internal Server Error"


def test_an_unknown_path_has_the_same_detail_shape(client):
    assert client.get("/nowhere").json() == {"detail": "Not Found"}


def test_without_detail_the_status_phrase_is_used():
    app = FastAPI()

    @app.get("/")
    def root():
        raise HTTPException(status_code=403)

    response = TestClient(app).get("/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Forbidden"}


def test_uvicorn_logs_the_query_string_but_not_the_headers(caplog):
    """Why the key goes in a header: an access log line holds the URL, query included.
    (transcripts.serve turns the access log off, so this starts its own server.)"""
    import logging
    import threading
    import time
    import urllib.request

    import uvicorn

    app = FastAPI()

    @app.get("/admin")
    def admin():
        return {}

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, (
            "uvicorn did not start"
        )
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin?admin_key=query-secret",
        headers={"X-Admin-Key": "header-secret"},
    )
    urllib.request.urlopen(request, timeout=5).close()
    server.should_exit = True
    thread.join(timeout=5)
    access_log = "\n".join(
        r.getMessage() for r in caplog.records if r.name == "uvicorn.access"
    )
    assert "query-secret" in access_log
    assert "header-secret" not in access_log


def test_the_counterexample_is_not_served_by_app(client):
    assert client.get("/naive/items/1").status_code == 404


def test_every_error_a_route_raises_is_in_the_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    documented = {
        (method.upper(), path): sorted(operation["responses"])
        for path, methods in paths.items()
        for method, operation in methods.items()
    }
    assert documented == {
        ("GET", "/items/{item_id}"): ["200", "404", "422"],
        ("PUT", "/items/{item_id}"): ["200", "400", "404", "422"],
        ("DELETE", "/admin/items/{item_id}"): ["204", "401", "404", "422"],
        ("POST", "/items/{item_id}/purchase"): ["200", "404", "409", "422"],
    }


def test_a_body_that_is_not_text_is_400(client):
    response = client.put(
        "/items/1", content=b"\xff", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "Widget", "price": 1e400}',
        b'{"name": "Widget", "price": Infinity}',
        b'{"name": NaN, "price": 1}',
    ],
)
def test_a_price_or_name_that_json_cannot_carry_is_422_and_stores_nothing(
    client, example, body
):
    before = example.items[1]
    response = client.put(
        "/items/1", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert example.items[1] is before


def test_the_422_names_the_refused_value_and_nothing_else(client):
    response = client.put(
        "/items/1",
        content=b'{"name": "Widget", "price": NaN}',
        headers={"Content-Type": "application/json"},
    )
    assert response.json() == {
        "detail": [
            {
                "type": "finite_number",
                "loc": ["body", "price"],
                "msg": "Input should be a finite number",
            }
        ]
    }


def test_an_unhandled_exception_leaves_its_traceback_in_the_server_log(example, caplog):
    """The error-handling page's diagram: a 500 for the client, the traceback in the log."""
    import logging
    import urllib.error
    import urllib.request

    caplog.set_level(logging.ERROR, logger="uvicorn.error")
    with (
        serve(example.naive_app, logs=True) as base_url,
        pytest.raises(urllib.error.HTTPError) as answer,
    ):
        urllib.request.urlopen(f"{base_url}/naive/items/99", timeout=5)
    assert answer.value.code == 500
    assert answer.value.read() == b"Internal Server Error"
    logged = [r for r in caplog.records if r.name == "uvicorn.error"]
    assert [r.getMessage().strip() for r in logged] == ["Exception in ASGI application"]
    assert logged[0].exc_info[0] is KeyError
