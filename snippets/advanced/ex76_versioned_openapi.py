# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:models]
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from typing import Annotated

from pydantic import BaseModel, Field

Money = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class ItemV1(BaseModel):
    id: int
    name: str
    price: Money


class ItemV2(BaseModel):  # v2 renamed `name` to `title` and added tags
    id: int
    title: str
    price: Money
    tags: list[str]


CATALOGUE = {1: ItemV2(id=1, title="Widget", price=Decimal("9.99"), tags=["tools"])}
NOT_FOUND = {404: {"description": "No such item"}}

DEPRECATED = datetime(2026, 1, 1, tzinfo=UTC)  # when v1 was deprecated
SUNSET = datetime(2027, 6, 30, tzinfo=UTC)  # when it stops answering
GONE = {410: {"description": "This version was retired at its sunset"}}
V1_HEADERS = {
    "Deprecation": f"@{int(DEPRECATED.timestamp())}",  # RFC 9745: @ + Unix time
    "Sunset": format_datetime(SUNSET, usegmt=True),  # RFC 8594: an HTTP date
    "Link": '</v2/docs>; rel="successor-version"',
}
# --8<-- [end:models]


# --8<-- [start:app]
from functools import cache

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.openapi.utils import get_openapi

app = FastAPI(title="Shop API")  # its own /openapi.json and /docs list every version

v1 = APIRouter(prefix="/v1", deprecated=True, responses=NOT_FOUND | GONE)
v2 = APIRouter(prefix="/v2", responses=NOT_FOUND)


@v1.get("/items/{item_id}")
def read_item_v1(item_id: int) -> ItemV1:
    item = find(item_id)
    return ItemV1(id=item.id, name=item.title, price=item.price)


@v2.get("/items/{item_id}")
def read_item_v2(item_id: int) -> ItemV2:
    return find(item_id)


app.include_router(v1)
app.include_router(v2)
VERSIONS = {"v1": ("1.4.0", v1), "v2": ("2.0.0", v2)}  # version: (its number, routes)


@cache  # built once per version, as FastAPI builds its own
def document(version: str) -> dict:
    number, router = VERSIONS[version]
    return get_openapi(title=f"Shop {version}", version=number, routes=router.routes)


@app.get("/{version}/openapi.json", include_in_schema=False)
def version_document(version: str) -> dict:
    if version not in VERSIONS:
        raise HTTPException(404, "No such API version")
    return document(version)


# --8<-- [end:app]


# --8<-- [start:docs]
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse


@app.get("/{version}/docs", include_in_schema=False)
def version_docs(version: str) -> HTMLResponse:
    if version not in VERSIONS:
        raise HTTPException(404, "No such API version")
    return get_swagger_ui_html(openapi_url=f"/{version}/openapi.json", title=version)


# --8<-- [end:docs]


# --8<-- [start:find]
def find(item_id: int) -> ItemV2:
    if item_id not in CATALOGUE:
        raise HTTPException(404, "Item not found")
    return CATALOGUE[item_id]


# --8<-- [end:find]


# --8<-- [start:sunset]
from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import JSONResponse


def now() -> datetime:  # a function of its own, so that the tests can move the clock
    return datetime.now(UTC)


@app.middleware("http")
async def announce_v1_sunset(request: Request, call_next):
    if not request.url.path.startswith("/v1/"):
        return await call_next(request)
    if now() >= SUNSET:
        response = JSONResponse({"detail": "API v1 is retired: use /v2"}, 410)
    else:
        response = await call_next(request)
    response.headers.update(V1_HEADERS)  # on every v1 answer, errors included
    return response


# --8<-- [end:sunset]


# --8<-- [start:naive]
# The outline's way: one document, the old route marked deprecated in it.
naive_app = FastAPI(title="Product API", version="2.0.0")


@naive_app.get("/v1/items/{item_id}", deprecated=True)
def naive_read_item_v1(item_id: int) -> ItemV1:
    item = find(item_id)
    return ItemV1(id=item.id, name=item.title, price=item.price)


@naive_app.get("/items/{item_id}", responses=NOT_FOUND)
def naive_read_item(item_id: int) -> ItemV2:
    return find(item_id)


class ItemWithOldField(ItemV2):
    name: str | None = Field(default=None, deprecated=True)  # use `title`


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    for version in VERSIONS:  # each version's document lists its own routes only
        schema = client.get(f"/{version}/openapi.json").json()
        print(version, schema["info"]["version"], list(schema["paths"]))
        #> v1 1.4.0 ['/v1/items/{item_id}']
        #> v2 2.0.0 ['/v2/items/{item_id}']
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Each version's document has only the models its routes use.
    for version in VERSIONS:
        document_ = client.get(f"/{version}/openapi.json").json()
        print(version, sorted(document_["components"]["schemas"]))
        #> v1 ['HTTPValidationError', 'ItemV1', 'ValidationError']
        #> v2 ['HTTPValidationError', 'ItemV2', 'ValidationError']
    # Each version's docs page loads its own document.
    html = client.get("/v2/docs").text
    print([line.strip() for line in html.splitlines() if "openapi.json" in line])
    #> ["url: '/v2/openapi.json',"]
    # The headers come with v1's errors too, and only with v1's answers.
    print(client.get("/v1/items/99").headers["sunset"])
    #> Wed, 30 Jun 2027 00:00:00 GMT
    print("sunset" in client.get("/v2/items/1").headers)
    #> False

    # The outline's one document: v1 and the current version together, numbered 2.0.0,
    # and nothing in v1's answers that a client already using it would notice.
    naive = TestClient(naive_app)
    schema = naive.get("/openapi.json").json()
    print(schema["info"]["version"], list(schema["paths"]))
    #> 2.0.0 ['/v1/items/{item_id}', '/items/{item_id}']
    print(sorted(naive.get("/v1/items/1").headers))
    #> ['content-length', 'content-type']
    # A deprecated field is marked in the schema, and reading it warns.
    import warnings

    print(ItemWithOldField.model_json_schema()["properties"]["name"]["deprecated"])
    #> True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _ = ItemWithOldField(id=1, title="Widget", price=1, tags=[]).name
    print(caught[0].category.__name__, caught[0].message)
    #> DeprecationWarning deprecated
# --8<-- [end:more]
