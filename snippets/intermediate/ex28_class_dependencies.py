# --8<-- [start:app]
from typing import Annotated

from fastapi import Depends, FastAPI, Query

app = FastAPI()
ITEMS = [f"item-{number}" for number in range(1, 501)]


class Paginator:
    def __init__(self, max_limit: int):
        self.max_limit = max_limit  # set once, when the instance is created

    # FastAPI reads the parameters of __call__, not of __init__, from each request.
    def __call__(
        self,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1)] = 5,
    ) -> slice:
        limit = min(limit, self.max_limit)  # asked for more: gets this instance's most
        return slice(skip, skip + limit)


# One class, two dependencies with their own settings.
browse_pages = Paginator(max_limit=10)
export_pages = Paginator(max_limit=500)


@app.get("/items")
def list_items(page: Annotated[slice, Depends(browse_pages)]):
    return ITEMS[page]


@app.get("/export")
def export_items(page: Annotated[slice, Depends(export_pages)]):
    return ITEMS[page]


# --8<-- [end:app]


# --8<-- [start:per_request]
class ItemSearch:
    # Depends() with no argument calls the class itself: FastAPI reads the
    # parameters of __init__, and every request gets an instance of its own.
    def __init__(self, contains: Annotated[str, Query(max_length=20)] = ""):
        self.contains = contains

    def matches(self, item: str) -> bool:
        return self.contains in item


@app.get("/search")
def search_items(
    search: Annotated[ItemSearch, Depends()],
    page: Annotated[slice, Depends(browse_pages)],
):
    return [item for item in ITEMS if search.matches(item)][page]


# --8<-- [end:per_request]


# --8<-- [start:naive]
from fastapi import HTTPException

naive_app = FastAPI()  # the outline's two dependencies, kept off `app`


class NaivePaginator:
    def __init__(self, max_limit: int = 100):
        self.max_limit = max_limit

    def __call__(self, skip: int = 0, limit: int = 20) -> dict:  # no lower bounds
        if limit > self.max_limit:
            raise HTTPException(400, f"limit cannot exceed {self.max_limit}")
        return {"skip": skip, "limit": min(limit, self.max_limit)}


class NaiveRateLimiter:
    def __init__(self, max_requests: int = 10):
        self.max_requests = max_requests
        self.requests: dict[str, int] = {}

    def __call__(self, request) -> None:  # no annotation: a query parameter to FastAPI
        client_ip = "127.0.0.1"  # one counter for every client
        count = self.requests.get(client_ip, 0)
        if count >= self.max_requests:
            raise HTTPException(429, "Too many requests")
        self.requests[client_ip] = count + 1  # never reset


rate_limit = NaiveRateLimiter(max_requests=5)


@naive_app.get(
    "/items",
    responses={400: {"description": "Limit too high"}, 429: {"description": "Busy"}},
)
def naive_items(
    pagination: Annotated[dict, Depends(NaivePaginator(max_limit=50))],
    _: Annotated[None, Depends(rate_limit)],
):
    return {"items": [], **pagination}


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/items", params={"skip": 20, "limit": 3}).json())
    #> ['item-21', 'item-22', 'item-23']
    # The same request on both routes: each instance applies its own maximum.
    print(len(client.get("/items", params={"limit": 200}).json()))
    #> 10
    print(len(client.get("/export", params={"limit": 200}).json()))
    #> 200

    # Each instance is a dependency of its own: a test can replace one of them.
    app.dependency_overrides[browse_pages] = lambda: slice(0, 1)
    print(client.get("/items").json(), len(client.get("/export").json()))
    #> ['item-1'] 5
    app.dependency_overrides.clear()
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A class as the dependency: a new ItemSearch for every request.
    print(client.get("/search", params={"contains": "42", "limit": 3}).json())
    #> ['item-42', 'item-142', 'item-242']

    # The outline's rate limiter has no type on `request`, so FastAPI asks the
    # client for a query parameter of that name: every ordinary request is a 422.
    naive = TestClient(naive_app)
    response = naive.get("/items")
    print(response.status_code, response.json()["detail"][0]["loc"])
    #> 422 ['query', 'request']
    # Send one, and its paginator takes negative numbers...
    print(naive.get("/items", params={"skip": -5, "limit": -1, "request": "x"}).json())
    #> {'items': [], 'skip': -5, 'limit': -1}
    # ...and its limiter counts every client together, and never forgets.
    print([naive.get("/items", params={"request": "x"}).status_code for _ in range(6)])
    #> [200, 200, 200, 200, 429, 429]
    print(rate_limit.requests)
    #> {'127.0.0.1': 5}

    # The maximum lives in code, so the schema (and /docs) cannot show it.
    schema = app.openapi()["paths"]["/items"]["get"]["parameters"]
    print([(p["name"], p["schema"]) for p in schema])
    '''
    [
        ('skip', {'type': 'integer', 'minimum': 0, 'default': 0, 'title': 'Skip'}),
        ('limit', {'type': 'integer', 'minimum': 1, 'default': 5, 'title': 'Limit'}),
    ]
    '''
# --8<-- [end:more]
