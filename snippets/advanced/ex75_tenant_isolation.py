# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:data]
import hashlib
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Invoice(BaseModel):
    id: int
    customer: str
    total: Money


class NewInvoice(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a "tenant" field is refused, not used
    customer: str = Field(min_length=1, max_length=100)
    total: Money


def digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


# The tenant of each API key, kept as digests (Example 71 issues and rotates such keys).
TENANT_OF_KEY = {digest("acme-demo-key"): "acme", digest("globex-demo-key"): "globex"}
PLAN_OF_TENANT = {"acme": "pro", "globex": "free"}
KEY_ERRORS = {
    401: {"description": "No valid API key"},
    403: {"description": "X-Tenant-ID names another tenant, or the plan lacks it"},
}
NOT_FOUND = {404: {"description": "No such invoice (for this tenant)"}}
# One table for every tenant: each row is marked with the tenant it belongs to.
INVOICES: list[tuple[str, Invoice]] = [
    ("acme", Invoice(id=1, customer="Wile E. Coyote", total=Decimal("120.00"))),
    ("globex", Invoice(id=2, customer="Hank Scorpio", total=Decimal("990.00"))),
    ("acme", Invoice(id=3, customer="Road Runner", total=Decimal("45.50"))),
]
# --8<-- [end:data]


# --8<-- [start:app]
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.security import APIKeyHeader

app = FastAPI(responses=KEY_ERRORS)  # 401 and 403, which every route may answer


api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def current_tenant(
    key: Annotated[str | None, Depends(api_key)],
    x_tenant_id: Annotated[str | None, Header()] = None,
) -> str:
    tenant = TENANT_OF_KEY.get(digest(key)) if key else None  # the key decides
    if tenant is None:
        raise HTTPException(401, "Missing or unknown API key")
    if x_tenant_id is not None and x_tenant_id != tenant:  # a proxy may route by it
        raise HTTPException(403, "X-Tenant-ID does not match your API key")
    return tenant


class Invoices:  # the one way to the invoices: every query in it filters by tenant
    def __init__(self, tenant: Annotated[str, Depends(current_tenant)]):
        self.tenant = tenant

    def all(self) -> list[Invoice]:
        return [invoice for owner, invoice in INVOICES if owner == self.tenant]

    def get(self, invoice_id: int) -> Invoice | None:
        return next((i for i in self.all() if i.id == invoice_id), None)


TenantInvoices = Annotated[Invoices, Depends()]  # FastAPI calls Invoices(tenant=...)


@app.get("/invoices")
def list_invoices(invoices: TenantInvoices) -> list[Invoice]:
    return invoices.all()


@app.get("/invoices/{invoice_id}", responses=NOT_FOUND)
def read_invoice(invoice_id: int, invoices: TenantInvoices) -> Invoice:
    invoice = invoices.get(invoice_id)
    if invoice is None:  # also when it is another tenant's: here, it does not exist
        raise HTTPException(404, "Invoice not found")
    return invoice


# --8<-- [end:app]


# --8<-- [start:writes]
import itertools

from fastapi import Response

next_id = itertools.count(len(INVOICES) + 1)


# async def: on the event loop, each route runs to its end without another in between.
@app.post("/invoices", status_code=201, responses={400: {"description": "Unreadable"}})
async def create_invoice(new: NewInvoice, invoices: TenantInvoices) -> Invoice:
    invoice = Invoice(id=next(next_id), **new.model_dump())
    INVOICES.append((invoices.tenant, invoice))  # the key's tenant, never the body's
    return invoice


@app.delete("/invoices/{invoice_id}", status_code=204, responses=NOT_FOUND)
async def delete_invoice(invoice_id: int, invoices: TenantInvoices) -> Response:
    invoice = invoices.get(invoice_id)  # found among the tenant's own invoices only
    if invoice is None:
        raise HTTPException(404, "Invoice not found")
    INVOICES.remove((invoices.tenant, invoice))
    return Response(status_code=204)


def require_plan(*plans: str):
    def check(tenant: Annotated[str, Depends(current_tenant)]) -> str:
        if PLAN_OF_TENANT[tenant] not in plans:
            raise HTTPException(403, f"Exports need the plan {' or '.join(plans)}")
        return tenant

    return check


@app.post("/exports", status_code=202)
def export_invoices(
    tenant: Annotated[str, Depends(require_plan("pro", "enterprise"))],
) -> dict[str, str]:
    return {"tenant": tenant, "export": "started"}


# --8<-- [end:writes]


# --8<-- [start:json_safe_errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:json_safe_errors]


# --8<-- [start:naive]
# The tenant taken from a header alone, as the outline does.
naive_app = FastAPI()


def naive_tenant(x_tenant_id: Annotated[str | None, Header()] = None) -> str:
    if x_tenant_id is None:
        raise HTTPException(400, "X-Tenant-Id header required")
    if x_tenant_id not in PLAN_OF_TENANT:
        raise HTTPException(404, "Tenant not found")
    return x_tenant_id


@naive_app.get("/invoices")
def naive_list_invoices(
    tenant: Annotated[str, Depends(naive_tenant)],
) -> list[Invoice]:
    return [invoice for owner, invoice in INVOICES if owner == tenant]


@naive_app.post("/exports")
def naive_export(tenant: Annotated[str, Depends(naive_tenant)]) -> dict[str, str]:
    if PLAN_OF_TENANT[tenant] != "pro":
        raise HTTPException(402, "Feature requires plan: pro")
    return {"tenant": tenant, "export": "started"}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app, headers={"X-API-Key": "acme-demo-key"})
    # Invoice 2 is Globex's: for Acme's key it does not exist, just like invoice 99.
    print(client.get("/invoices/2").json())
    #> {'detail': 'Invoice not found'}
    print(client.get("/invoices/99").json())
    #> {'detail': 'Invoice not found'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A body that names a tenant is refused: the key decides.
    new = {"customer": "ACME Corp", "total": "10.00", "tenant": "globex"}
    response = client.post("/invoices", json=new)
    print(response.status_code, response.json()["detail"][0]["loc"])
    #> 422 ['body', 'tenant']
    del new["tenant"]
    print(client.post("/invoices", json=new).json())
    #> {'id': 4, 'customer': 'ACME Corp', 'total': '10.00'}
    # Deleting Globex's invoice with Acme's key: 404, and the invoice is still there.
    print(client.delete("/invoices/2").status_code)
    #> 404
    globex = {"X-API-Key": "globex-demo-key"}
    print(client.get("/invoices/2", headers=globex).json()["customer"])
    #> Hank Scorpio
    # Plans: a 403 names what is missing.
    print(client.post("/exports", headers=globex).json())
    #> {'detail': 'Exports need the plan pro or enterprise'}

    # The outline's header-only tenant: no key at all, and Globex's data is yours.
    naive = TestClient(naive_app)
    print(naive.get("/invoices", headers={"X-Tenant-Id": "globex"}).json())
    #> [{'id': 2, 'customer': 'Hank Scorpio', 'total': '990.00'}]
    # It also tells anyone which tenants exist.
    print(naive.get("/invoices", headers={"X-Tenant-Id": "initech"}).json())
    #> {'detail': 'Tenant not found'}
    print(naive.post("/exports", headers={"X-Tenant-Id": "globex"}).status_code)
    #> 402
# --8<-- [end:more]
