# --8<-- [start:app]
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

# Optional: a description for each tag, and the order the docs list the groups in.
tags_metadata = [
    {"name": "users", "description": "Accounts of the people who use the shop."},
    {"name": "items", "description": "The catalogue."},
    {"name": "monitoring", "description": "For load balancers and uptime checks."},
]

app = FastAPI(title="Book Store API", openapi_tags=tags_metadata)


class User(BaseModel):
    id: int
    username: str


class Item(BaseModel):
    id: int
    name: str


# Every route of a router gets the router's prefix and tags.
users_router = APIRouter(prefix="/users", tags=["users"])
items_router = APIRouter(prefix="/items", tags=["items"])


@users_router.get("")  # "" is GET /users itself; "/" would be GET /users/
def list_users() -> list[User]:
    """All registered users, oldest first.

    The docstring becomes the description in the docs, **Markdown** included.
    """
    return [User(id=1, username="alice")]


@users_router.get("/{user_id}")
def get_user(user_id: int) -> User:
    return User(id=user_id, username="alice")


# A route's own tags are added to the router's tags; they do not replace them.
@users_router.delete("/{user_id}", tags=["admin"], status_code=204)
def delete_user(user_id: int) -> None:
    return None


@items_router.get("")
def list_items() -> list[Item]:
    return [Item(id=1, name="Widget")]


# Kept for old clients; the docs mark it as deprecated.
@items_router.get("/list", deprecated=True, summary="List items (old URL)")
def list_items_old_url() -> list[Item]:
    return list_items()


@app.get(
    "/health",
    tags=["monitoring"],
    summary="Health check",
    description="Returns the service status and version.",
    response_description="The service is up",
)
def health():
    return {"status": "ok", "version": "1.0.0"}


@app.get("/internal/metrics", include_in_schema=False)
def metrics():
    return {"requests_served": 42}  # hidden from the docs, yet anyone can call it


app.include_router(users_router)
app.include_router(items_router)
# --8<-- [end:app]

# --8<-- [start:trailing_slash]
# The outline's version: with prefix="/users", the path "/" makes the URL /users/.
slash_router = APIRouter(prefix="/users", tags=["users"])


@slash_router.get("/")
def list_users_at_slash() -> list[User]:
    return [User(id=1, username="alice")]


slash_app = FastAPI()
slash_app.include_router(slash_router)
# --8<-- [end:trailing_slash]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    schema = client.get("/openapi.json").json()

    # Each path and method, with the tags that Swagger UI groups it under.
    print(
        {
            f"{method.upper()} {path}": operation["tags"]
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        }
    )
    '''
    {
        'GET /health': ['monitoring'],
        'GET /users': ['users'],
        'GET /users/{user_id}': ['users'],
        'DELETE /users/{user_id}': ['users', 'admin'],
        'GET /items': ['items'],
        'GET /items/list': ['items'],
    }
    '''

    # Without summary=, the summary is the function name in title case;
    # without description=, the docstring is the description.
    list_users_doc = schema["paths"]["/users"]["get"]
    print(list_users_doc["summary"], "|", list_users_doc["operationId"])
    #> List Users | list_users_users_get
    print(list_users_doc["description"])
    '''
    All registered users, oldest first.

    The docstring becomes the description in the docs, **Markdown** included.
    '''

    # summary, description and response_description, where the schema carries them.
    print(schema["paths"]["/health"]["get"])
    '''
    {
        'tags': ['monitoring'],
        'summary': 'Health check',
        'description': 'Returns the service status and version.',
        'operationId': 'health_health_get',
        'responses': {
            '200': {
                'description': 'The service is up',
                'content': {'application/json': {'schema': {}}},
            }
        },
    }
    '''

    # deprecated=True is one flag in the schema; the route itself keeps working.
    print(schema["paths"]["/items/list"]["get"]["deprecated"])
    #> True
    response = client.get("/items/list")
    print(response.status_code, response.json())
    #> 200 [{'id': 1, 'name': 'Widget'}]

    # openapi_tags becomes the schema's list of tags: the docs UIs take each group's
    # description and order from it. "admin" has no entry, so it gets no description.
    print([tag["name"] for tag in schema["tags"]])
    #> ['users', 'items', 'monitoring']

    # include_in_schema=False hides a route from the docs, not from clients.
    print("/internal/metrics" in schema["paths"])
    #> False
    print(client.get("/internal/metrics").status_code)
    #> 200

    # The outline's "/" path: the route is /users/, and /users answers with a redirect.
    slash_client = TestClient(slash_app, follow_redirects=False)
    response = slash_client.get("/users")
    print(response.status_code, response.headers["location"])
    #> 307 http://testserver/users/
# --8<-- [end:demo]
