"""What Example 28 claims beyond its prints."""

import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient

from transcripts import serve


@pytest.mark.parametrize(
    ("path", "limit", "served"),
    [
        ("/items", 10, 10),
        ("/items", 11, 10),
        ("/items", 10**9, 10),
        ("/export", 11, 11),
        ("/export", 500, 500),
        ("/export", 501, 500),
        ("/search", 200, 10),
    ],
)
def test_each_instance_serves_at_most_its_own_maximum(client, path, limit, served):
    response = client.get(path, params={"limit": limit})
    assert response.status_code == 200
    assert len(response.json()) == served


def test_pages_start_at_skip(client):
    assert client.get("/items", params={"skip": 498}).json() == ["item-499", "item-500"]
    assert client.get("/export", params={"skip": 10**6}).json() == []


@pytest.mark.parametrize(
    "params",
    [{"skip": -1}, {"limit": 0}, {"limit": -5}, {"skip": "x"}, {"limit": "1e3"}],
)
@pytest.mark.parametrize("path", ["/items", "/export", "/search"])
def test_out_of_range_or_malformed_values_are_422(client, path, params):
    assert client.get(path, params=params).status_code == 422


def test_init_runs_once_per_instance_and_call_once_per_request(example, monkeypatch):
    created, called = [], []
    real_init, real_call = example.Paginator.__init__, example.Paginator.__call__

    def counting_init(self, *args, **kwargs):
        created.append(self)
        real_init(self, *args, **kwargs)

    def counting_call(self, *args, **kwargs):
        called.append(self)
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(example.Paginator, "__init__", counting_init)
    monkeypatch.setattr(example.Paginator, "__call__", counting_call)
    client = TestClient(example.app)
    for _ in range(3):
        client.get("/items")
    client.get("/export")
    assert created == []  # the instances were made when the module was imported
    assert called == [example.browse_pages] * 3 + [example.export_pages]


def test_an_override_replaces_one_instance_and_not_the_other(example):
    client = TestClient(example.app)
    example.app.dependency_overrides[example.export_pages] = lambda: slice(0, 2)
    try:
        assert client.get("/export", params={"limit": 400}).json() == [
            "item-1",
            "item-2",
        ]
        assert len(client.get("/items", params={"limit": 40}).json()) == 10
    finally:
        example.app.dependency_overrides.clear()


def test_the_class_itself_gives_every_request_a_new_instance(example, monkeypatch):
    made = []
    real_init = example.ItemSearch.__init__

    def counting_init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(example.ItemSearch, "__init__", counting_init)
    client = TestClient(example.app)
    assert client.get("/search", params={"contains": "499"}).json() == ["item-499"]
    assert client.get("/search", params={"contains": "nothing"}).json() == []
    assert len(made) == 2 and made[0] is not made[1]
    too_long = client.get("/search", params={"contains": "x" * 21})
    assert too_long.status_code == 422


def test_the_bound_is_not_in_the_schema_but_a_factory_would_put_it_there(example):
    parameters = example.app.openapi()["paths"]["/items"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["schema"] == {
        "type": "integer",
        "minimum": 1,
        "default": 5,
        "title": "Limit",
    }

    def paginator(max_limit: int):
        def paginate(limit: Annotated[int, Query(ge=1, le=max_limit)] = 10) -> int:
            return limit

        return paginate

    factory_app = FastAPI()

    @factory_app.get("/items")
    def items(limit: Annotated[int, Depends(paginator(50))]):
        return limit

    parameters = factory_app.openapi()["paths"]["/items"]["get"]["parameters"]
    assert parameters[0]["schema"]["maximum"] == 50
    assert TestClient(factory_app).get("/items?limit=51").status_code == 422


# The outline's version, on naive_app.


def test_naive_an_unannotated_request_parameter_is_a_required_query_parameter(example):
    naive = TestClient(example.naive_app)
    response = naive.get("/items")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "missing",
            "loc": ["query", "request"],
            "msg": "Field required",
            "input": None,
        }
    ]
    assert example.rate_limit.requests == {}  # the limiter never ran
    parameters = example.naive_app.openapi()["paths"]["/items"]["get"]["parameters"]
    [request] = [p for p in parameters if p["name"] == "request"]
    assert (request["in"], request["required"]) == ("query", True)


def test_naive_limiter_counts_every_client_together_and_never_resets(
    example, monkeypatch
):
    monkeypatch.setattr(example.rate_limit, "requests", {})
    first = TestClient(example.naive_app, client=("203.0.113.1", 50000))
    second = TestClient(example.naive_app, client=("198.51.100.7", 50000))
    statuses = [first.get("/items?request=x").status_code for _ in range(5)]
    assert statuses == [200] * 5
    # Another client, who never sent anything, is refused, and stays refused.
    assert second.get("/items?request=x").status_code == 429
    assert second.get("/items?request=x").status_code == 429
    assert example.rate_limit.requests == {"127.0.0.1": 5}


def test_naive_paginator_takes_negative_numbers(example, monkeypatch):
    monkeypatch.setattr(example.rate_limit, "requests", {})
    naive = TestClient(example.naive_app)
    response = naive.get("/items?request=x&skip=-5&limit=-1")
    assert response.json() == {"items": [], "skip": -5, "limit": -1}
    assert naive.get("/items?request=x&limit=51").status_code == 400
    assert naive.get("/items?request=x&limit=50").json()["limit"] == 50


def test_a_def_call_runs_on_worker_threads_for_two_requests_at_once(example):
    """State on an instance is shared by concurrent requests: two calls of a def
    __call__ meet at a barrier, which only works if both are inside it together."""
    barrier = threading.Barrier(2, timeout=5)
    threads = set()

    class Meeting:
        def __call__(self) -> None:
            threads.add(threading.get_ident())
            barrier.wait()

    meeting_app = FastAPI()

    @meeting_app.get("/meet")
    def meet(_: Annotated[None, Depends(Meeting())]):
        return "met"

    def get(_):
        with urllib.request.urlopen(base_url + "/meet", timeout=10) as response:
            return response.status

    with serve(meeting_app) as base_url, ThreadPoolExecutor(2) as pool:
        assert list(pool.map(get, range(2))) == [200, 200]
    assert len(threads) == 2 and threading.get_ident() not in threads


def test_the_app_answers_only_what_it_declares(example):
    for path, operation in example.app.openapi()["paths"].items():
        assert set(operation["get"]["responses"]) == {"200", "422"}, path
