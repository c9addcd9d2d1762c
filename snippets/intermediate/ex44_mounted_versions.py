# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
from fastapi import FastAPI
from pydantic import BaseModel


class ItemV1(BaseModel):
    id: int
    name: str


class ItemV2(BaseModel):  # v2 renamed `name` to `title`: old clients stay on v1
    id: int
    title: str
    tags: list[str]


v1 = FastAPI(title="Shop API", version="1.0.0")
v2 = FastAPI(title="Shop API", version="2.0.0")


@v1.get("/items/{item_id}")
def read_item_v1(item_id: int) -> ItemV1:
    return ItemV1(id=item_id, name="Widget")


@v2.get("/items/{item_id}")
def read_item_v2(item_id: int) -> ItemV2:
    return ItemV2(id=item_id, title="Widget", tags=["tools"])


app = FastAPI(title="Shop API versions")


@app.get("/")
def list_versions() -> dict[str, str]:
    return {"v1": "/v1/docs", "v2": "/v2/docs"}


app.mount("/v1", v1)  # everything under /v1 is v1's: routes, docs, errors
app.mount("/v2", v2)
# --8<-- [end:app]


# --8<-- [start:boundaries]
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

started: list[str] = []  # which lifespans ran


def require_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
    if x_api_key != "s3cret":
        raise HTTPException(401, "Missing or wrong API key")


@asynccontextmanager
async def gateway_lifespan(gateway: FastAPI):
    started.append("gateway")
    yield {"db": "the gateway's connection pool"}  # becomes request.state


@asynccontextmanager
async def internal_lifespan(internal: FastAPI):
    started.append("internal")  # never printed: a mounted app's lifespan never runs
    yield


# The parent: a dependency for all its routes, a middleware, a handler, a lifespan.
gateway = FastAPI(lifespan=gateway_lifespan, dependencies=[Depends(require_key)])
internal = FastAPI(title="Internal API", lifespan=internal_lifespan)


@gateway.middleware("http")
async def tag_responses(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Gateway"] = "yes"
    return response


@gateway.exception_handler(RequestValidationError)
async def short_422(request: Request, exc: RequestValidationError):
    return JSONResponse({"error": "invalid request"}, status_code=422)


@gateway.get("/orders/{order_id}")
def read_order(order_id: int) -> dict[str, int]:
    return {"order_id": order_id}


@internal.get("/users/{user_id}")
def read_user(user_id: int, request: Request) -> dict[str, str | int]:
    return {"user_id": user_id, "db": request.state.db, "app": request.app.title}


gateway.mount("/internal", internal)
# --8<-- [end:boundaries]


# --8<-- [start:lifespan_fix]
@asynccontextmanager
async def lifespan_running_mounts(parent: FastAPI):
    # The parent's lifespan runs each mounted app's own lifespan around its own.
    async with internal.router.lifespan_context(internal):
        yield {"db": "the gateway's connection pool"}


fixed_gateway = FastAPI(lifespan=lifespan_running_mounts)
fixed_gateway.mount("/internal", internal)
# --8<-- [end:lifespan_fix]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/v1/items/1").json())
    #> {'id': 1, 'name': 'Widget'}
    print(client.get("/v2/items/1").json())
    #> {'id': 1, 'title': 'Widget', 'tags': ['tools']}

    # Each version serves its own schema under its prefix; the parent's lists neither.
    print(list(client.get("/openapi.json").json()["paths"]))
    #> ['/']
    schema = client.get("/v1/openapi.json").json()
    print(schema["info"]["version"], schema["servers"], list(schema["paths"]))
    #> 1.0.0 [{'url': '/v1'}] ['/items/{item_id}']
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # /v1/docs loads /v1/openapi.json: the mount passes its prefix as root_path.
    html = client.get("/v1/docs").text
    print([line.strip() for line in html.splitlines() if "openapi.json" in line])
    #> ["url: '/v1/openapi.json',"]
    # The mount's own path, without a slash, is a redirect; with one, v1 has no root.
    response = client.get("/v1", follow_redirects=False)
    print(response.status_code, response.headers["location"])
    #> 307 http://testserver/v1/
    print(client.get("/v1/").status_code)
    #> 404

    # What the mount does not share, on the gateway app:
    with TestClient(gateway) as gateway_client:
        # The parent's dependency guards its own routes only.
        print(gateway_client.get("/orders/1").status_code)
        #> 401
        response = gateway_client.get("/internal/users/1")
        print(response.status_code, response.json())
        '''
        200
        {'user_id': 1, 'db': "the gateway's connection pool", 'app': 'Internal API'}
        '''
        # The parent's middleware wraps every request, the mounted app's included.
        print(response.headers["x-gateway"])
        #> yes
        # The parent's exception handler does not: the mounted app answers in its
        # own (FastAPI's default) format.
        key = {"x-api-key": "s3cret"}
        print(gateway_client.get("/orders/one", headers=key).json())
        #> {'error': 'invalid request'}
        print(gateway_client.get("/internal/users/one").json()["detail"][0]["type"])
        #> int_parsing
        print(started)
        #> ['gateway']

    # Run the mounted app's lifespan from the parent's, and it starts.
    started.clear()
    with TestClient(fixed_gateway):
        print(started)
        #> ['internal']
# --8<-- [end:more]
