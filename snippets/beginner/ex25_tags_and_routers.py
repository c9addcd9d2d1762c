# --8<-- [start:app]
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

app = FastAPI(title="Book Store API")


class User(BaseModel):
    id: int
    username: str


# Every route of a router gets the router's prefix and tags.
users_router = APIRouter(prefix="/users", tags=["users"])


@users_router.get("")  # "" is GET /users itself; "/" would be GET /users/
def list_users() -> list[User]:
    return [User(id=1, username="alice")]


@users_router.get("/{user_id}")
def get_user(user_id: int) -> User:
    return User(id=user_id, username="alice")


# A route's own tags are added to the router's tags; they do not replace them.
@users_router.delete("/{user_id}", tags=["admin"], status_code=204)
def delete_user(user_id: int) -> None:
    return None


app.include_router(users_router)


@app.get("/health", tags=["monitoring"])
def health():
    return {"status": "ok"}


# --8<-- [end:app]


# --8<-- [start:docs_settings]
class Item(BaseModel):
    id: int
    name: str


# A description for each tag, and the order of the groups in the docs; the same as
# passing openapi_tags=[...] to FastAPI().
app.openapi_tags = [
    {"name": "users", "description": "Accounts of the people who use the shop."},
    {"name": "items", "description": "The catalogue."},
    {"name": "monitoring", "description": "For load balancers and uptime checks."},
]
items_router = APIRouter(prefix="/items", tags=["items"])


@items_router.get("")
def list_items() -> list[Item]:
    """The whole catalogue, cheapest first.

    The docstring becomes the description in the docs, **Markdown** included.
    """
    return [Item(id=1, name="Widget")]


# Kept for old clients; the docs mark it as deprecated.
@items_router.get("/list", deprecated=True, summary="List items (old URL)")
def list_items_old_url() -> list[Item]:
    return list_items()


@app.get(
    "/version",
    tags=["monitoring"],
    summary="Service version",
    description="The version of the running service.",
    response_description="The version string",
)
def version():
    return {"version": "1.0.0"}


@app.get("/internal/metrics", include_in_schema=False)
def metrics():
    return {"requests_served": 42}  # hidden from the docs, yet anyone can call it


app.include_router(items_router)
# --8<-- [end:docs_settings]

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

    # The users routes, with the tags that /docs groups them under.
    for path in ["/users", "/users/{user_id}"]:
        for method, operation in schema["paths"][path].items():
            print(method.upper(), path, operation["tags"])
            #> GET /users ['users']
            #> GET /users/{user_id} ['users']
            #> DELETE /users/{user_id} ['users', 'admin']
    print(schema["paths"]["/health"]["get"]["tags"])
    #> ['monitoring']
    print(client.get("/users").json(), client.delete("/users/1").status_code)
    #> [{'id': 1, 'username': 'alice'}] 204
    # --8<-- [end:demo]

    # --8<-- [start:docs_settings_demo]
    # Without summary=, the summary is the function name in title case;
    # without description=, the docstring is the description.
    list_items_doc = schema["paths"]["/items"]["get"]
    print(list_items_doc["summary"], "|", list_items_doc["operationId"])
    #> List Items | list_items_items_get
    print(list_items_doc["description"])
    '''
    The whole catalogue, cheapest first.

    The docstring becomes the description in the docs, **Markdown** included.
    '''
    # summary, description and response_description, where the schema carries them.
    print(schema["paths"]["/version"]["get"])
    '''
    {
        'tags': ['monitoring'],
        'summary': 'Service version',
        'description': 'The version of the running service.',
        'operationId': 'version_version_get',
        'responses': {
            '200': {
                'description': 'The version string',
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
    print("/internal/metrics" in schema["paths"], client.get("/internal/metrics"))
    #> False <Response [200 OK]>
    # --8<-- [end:docs_settings_demo]

    # --8<-- [start:trailing_slash_demo]
    # The outline's "/" path: the route is /users/, and /users answers with a redirect.
    slash_client = TestClient(slash_app, follow_redirects=False)
    response = slash_client.get("/users")
    print(response.status_code, response.headers["location"])
    #> 307 http://testserver/users/
    # --8<-- [end:trailing_slash_demo]
