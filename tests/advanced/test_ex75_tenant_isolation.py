"""What Example 75 claims beyond its prints: every route of the app is tried with one
tenant's key against another tenant's data, and none of them reads, changes or even
confirms it; a tenant header that disagrees with the key is a 403 that says nothing about
other tenants; concurrent deletes have one effect. And the outline's header-only tenant:
anyone reads any tenant's data, tenant names can be listed, and plans answer 402."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import httpx2
import pytest
from fastapi.testclient import TestClient

from conftest import load_snippet, snippet_for
from transcripts import serve

ACME = {"X-API-Key": "acme-demo-key"}
GLOBEX = {"X-API-Key": "globex-demo-key"}
GLOBEX_INVOICE = 2  # Globex's; Acme has 1 and 3
MISSING = 99


@pytest.fixture
def example() -> ModuleType:
    """A fresh import for each test: the tests create and delete invoices."""
    return load_snippet(snippet_for(Path(__file__)))


def comparable(response) -> tuple:
    """A response without what changes on every run, to compare two of them whole."""
    headers = {k: v for k, v in response.headers.items() if k != "date"}
    return response.status_code, headers, response.content


def ids(client, headers) -> list[int]:
    return [
        invoice["id"] for invoice in client.get("/invoices", headers=headers).json()
    ]


# Every operation of the app, tried with Acme's key against Globex's data:
# (method, path template, request arguments).
CROSS_TENANT_PROBES = {
    ("get", "/invoices"): {},
    ("get", "/invoices/{invoice_id}"): {},
    ("delete", "/invoices/{invoice_id}"): {},
    ("post", "/invoices"): {
        "json": {"customer": "Mallory", "total": "1.00", "tenant": "globex"}
    },
    ("post", "/exports"): {},
}


def url(template: str, invoice_id: int = GLOBEX_INVOICE) -> str:
    return template.replace("{invoice_id}", str(invoice_id))


def test_the_probes_cover_every_operation_of_the_app(example):
    """A route added later without a cross-tenant probe fails here."""
    operations = {
        (method, path)
        for path, methods in example.app.openapi()["paths"].items()
        for method in methods
    }
    assert operations == set(CROSS_TENANT_PROBES)


@pytest.mark.parametrize(("method", "path"), list(CROSS_TENANT_PROBES))
def test_no_operation_lets_one_tenant_touch_anothers_data(client, method, path):
    globex_before = client.get("/invoices", headers=GLOBEX).json()
    arguments = CROSS_TENANT_PROBES[method, path]
    response = client.request(method, url(path), headers=ACME, **arguments)
    if "{invoice_id}" in path:
        # Globex's invoice answers exactly as a missing one: nothing says it exists.
        missing = client.request(method, url(path, MISSING), headers=ACME)
        assert response.status_code == 404
        assert comparable(response) == comparable(missing)
    elif path == "/invoices" and method == "get":
        assert GLOBEX_INVOICE not in [invoice["id"] for invoice in response.json()]
    elif path == "/invoices":
        # A body that names a tenant is refused rather than silently re-scoped.
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "tenant"]
    else:
        assert response.json() == {"tenant": "acme", "export": "started"}
    assert client.get("/invoices", headers=GLOBEX).json() == globex_before


@pytest.mark.parametrize(("method", "path"), list(CROSS_TENANT_PROBES))
@pytest.mark.parametrize("claimed", ["globex", "initech", "ACME", "acme "])
def test_a_tenant_header_that_is_not_the_keys_is_403_whatever_it_names(
    client, method, path, claimed
):
    """The same 403 for an existing tenant and a made-up one: the answer tells nothing
    about which tenants exist."""
    arguments = CROSS_TENANT_PROBES[method, path]
    response = client.request(
        method, url(path), headers={**ACME, "X-Tenant-ID": claimed}, **arguments
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "X-Tenant-ID does not match your API key"}


@pytest.mark.parametrize(("method", "path"), list(CROSS_TENANT_PROBES))
@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Tenant-ID": "globex"}, {"X-API-Key": ""}, {"X-API-Key": "globex"}],
    ids=["nothing", "a tenant header alone", "an empty key", "a tenant name as key"],
)
def test_without_a_valid_key_every_operation_is_401(client, method, path, headers):
    arguments = CROSS_TENANT_PROBES[method, path]
    response = client.request(method, url(path), headers=headers, **arguments)
    assert response.status_code == 401


def test_the_header_may_name_the_keys_own_tenant(client):
    assert ids(client, {**ACME, "X-Tenant-ID": "acme"}) == [1, 3]
    assert ids(client, {**GLOBEX, "X-Tenant-ID": "globex"}) == [2]


def test_each_tenant_sees_exactly_its_own_invoices_by_any_id(client):
    new = {"customer": "Bart", "total": "5.00"}
    created = client.post("/invoices", json=new, headers=GLOBEX).json()["id"]
    owned = {"acme": {1, 3}, "globex": {2, created}}
    for tenant, headers in (("acme", ACME), ("globex", GLOBEX)):
        assert set(ids(client, headers)) == owned[tenant]
        found = {
            invoice_id
            for invoice_id in range(created + 3)
            if client.get(f"/invoices/{invoice_id}", headers=headers).status_code == 200
        }
        assert found == owned[tenant]


def test_a_tenant_deletes_its_own_invoice_and_nobody_elses(client):
    assert client.delete("/invoices/2", headers=ACME).status_code == 404
    assert client.delete("/invoices/2", headers=GLOBEX).status_code == 204
    assert ids(client, GLOBEX) == []
    assert ids(client, ACME) == [1, 3]


def test_concurrent_deletes_of_one_invoice_have_one_effect(example):
    with serve(example.app) as base, httpx2.Client(base_url=base) as http:

        def delete(_):
            return http.delete("/invoices/3", headers=ACME).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(delete, range(16)))
    assert statuses == [204] + [404] * 15


def test_plans_gate_features_with_403(client):
    response = client.post("/exports", headers=GLOBEX)
    assert response.status_code == 403
    assert response.json() == {"detail": "Exports need the plan pro or enterprise"}


def test_a_key_is_looked_up_by_its_digest_only(example):
    assert "acme-demo-key" not in repr(example.TENANT_OF_KEY)
    assert example.TENANT_OF_KEY[example.digest("acme-demo-key")] == "acme"


@pytest.fixture
def naive(example):
    return TestClient(example.naive_app)


def test_the_outlines_header_alone_reads_any_tenants_data_without_a_key(naive):
    response = naive.get("/invoices", headers={"X-Tenant-Id": "globex"})
    assert response.status_code == 200
    assert [invoice["id"] for invoice in response.json()] == [2]


def test_the_outlines_answers_list_which_tenants_exist(naive):
    assert naive.get("/invoices", headers={"X-Tenant-Id": "globex"}).status_code == 200
    response = naive.get("/invoices", headers={"X-Tenant-Id": "initech"})
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Tenant not found"},
    )


def test_the_outlines_plan_gate_answers_402(naive):
    assert naive.post("/exports", headers={"X-Tenant-Id": "globex"}).status_code == 402
    assert naive.post("/exports", headers={"X-Tenant-Id": "acme"}).status_code == 200


def test_the_outlines_header_is_required(naive):
    response = naive.get("/invoices")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "X-Tenant-Id header required"},
    )
