# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
import os
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader

api_key_header = APIKeyHeader(name="X-API-Key")  # a missing header is a 401 already


def require_admin_key(key: Annotated[str, Security(api_key_header)]) -> None:
    expected = os.environ.get("ADMIN_API_KEY", "")  # none configured: refuse all
    # compare_digest takes as long for a near miss as for a wild guess.
    if not expected or not secrets.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(401, "Wrong API key", {"WWW-Authenticate": "APIKey"})


# Everything on this router gets the prefix, the tag and the key check.
admin = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin_key)],
    responses={401: {"description": "Missing or wrong API key"}},
)


@admin.get("/stats")
def read_stats() -> dict[str, int]:
    return {"orders_today": 42}


@admin.delete("/cache", status_code=204)
def clear_cache() -> None:
    return None


app = FastAPI()
app.include_router(admin)
# --8<-- [end:app]


# --8<-- [start:include_options]
# A router can also get its prefix, tags and dependencies where it is included,
# which lets one router be included twice: here, as a public and an admin copy.
reports = APIRouter()


@reports.get("/daily")
def daily_report() -> dict[str, int]:
    return {"orders": 42}


app.include_router(reports, prefix="/reports", tags=["reports"])
app.include_router(
    reports,
    prefix="/admin/reports",
    tags=["admin"],
    dependencies=[Depends(require_admin_key)],
    responses={401: {"description": "Missing or wrong API key"}},
)
# --8<-- [end:include_options]


# --8<-- [start:outline]
# The outline's router: its "admin check" returns a hard-coded admin and never refuses.
def get_current_admin() -> dict[str, str]:
    return {"username": "admin", "role": "admin"}


outline_router = APIRouter(
    prefix="/users",
    tags=["users"],
    dependencies=[Depends(get_current_admin)],
    responses={401: {"description": "Not authenticated"}, 403: {"description": "No"}},
)


@outline_router.get("/")
def list_users() -> list[dict[str, str]]:
    return [{"username": "alice"}]


outline_app = FastAPI()
outline_app.include_router(outline_router)
# --8<-- [end:outline]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    os.environ["ADMIN_API_KEY"] = "s3cret"  # as if started with ADMIN_API_KEY=s3cret
    client = TestClient(app)

    print(client.get("/admin/stats", headers={"X-API-Key": "s3cret"}).json())
    #> {'orders_today': 42}
    response = client.get("/admin/stats", headers={"X-API-Key": "guess"})
    print(response.status_code, response.json(), response.headers["www-authenticate"])
    #> 401 {'detail': 'Wrong API key'} APIKey
    print(client.get("/admin/stats").json())  # no key at all
    #> {'detail': 'Not authenticated'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # Every route of the router carries the tag and documents the 401.
    operation = client.get("/openapi.json").json()["paths"]["/admin/stats"]["get"]
    print(operation["tags"], operation["security"], list(operation["responses"]))
    #> ['admin'] [{'APIKeyHeader': []}] ['200', '401']

    # The same router, included twice: public without a key, admin with one.
    print(client.get("/reports/daily").json())
    #> {'orders': 42}
    print(client.get("/admin/reports/daily").status_code)
    #> 401

    # A trailing slash is answered with a redirect before any dependency runs: the
    # client without a key learns the route exists, and gets nothing else.
    no_redirects = TestClient(app, follow_redirects=False)
    response = no_redirects.get("/admin/stats/")
    print(response.status_code, response.headers["location"])
    #> 307 http://testserver/admin/stats
    # The redirect keeps the method and the header, and then the key is checked.
    response = client.get("/admin/stats/", headers={"X-API-Key": "s3cret"})
    print(response.status_code, response.url)
    #> 200 http://testserver/admin/stats

    # A route added to the router after include_router is served, and guarded:
    # FastAPI 0.137 and later keep a reference to the router instead of a copy.
    @admin.get("/late")
    def late() -> dict[str, bool]:
        return {"late": True}

    print(client.get("/admin/late").status_code)
    #> 401
    print(client.get("/admin/late", headers={"X-API-Key": "s3cret"}).json())
    #> {'late': True}

    # The outline's version guards nothing: no credentials at all, and a 200.
    print(TestClient(outline_app).get("/users/").json())
    #> [{'username': 'alice'}]
# --8<-- [end:more]
