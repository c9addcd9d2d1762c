# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:store]
import hashlib
from dataclasses import dataclass
from typing import Literal

Scope = Literal["items:read", "items:write", "keys:manage"]


@dataclass
class StoredKey:  # what the server keeps: never the key itself
    id: str  # the key's public part: finds the record, shows up in lists and logs
    owner: str
    digest: str  # SHA-256: enough for 256 random bits
    scopes: set[Scope]


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# Demo data, kept as a digest like any other key. alice's first key is
# sk_192b10ed32c971fc_Uo2S8JA558jbZ1bl0c5pahi7wD2TRZ7_L9CDDw6AQbw
# Real keys live in your database: a key written in code is everyone's key.
KEYS = {
    "192b10ed32c971fc": StoredKey(
        id="192b10ed32c971fc",
        owner="alice",
        digest="4f758a86f156c5aea94f5277f7c67e7d6ef8d35c3c860e9b3a6ad32805eb8035",
        scopes={"items:read", "items:write", "keys:manage"},
    ),
}
# --8<-- [end:store]


# --8<-- [start:app]
import hmac
import secrets
from typing import Annotated

from fastapi import Body, Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader

app = FastAPI()
api_key_header = APIKeyHeader(name="X-API-Key")  # no key sent: 401 already
DENIED = {401: {"description": "No valid API key"}, 403: {"description": "Forbidden"}}
UNREADABLE = {400: {"description": "A body that is not JSON text (FastAPI's own 400)"}}


def require(scope: Scope):  # StoredKey, digest() and KEYS: collapsed below
    def check(key: Annotated[str, Security(api_key_header)]) -> StoredKey:
        stored = KEYS.get(key.removeprefix("sk_").partition("_")[0])  # by its id
        if stored is None or not hmac.compare_digest(digest(key), stored.digest):
            raise HTTPException(401, "Invalid API key", {"WWW-Authenticate": "APIKey"})
        if scope not in stored.scopes:
            raise HTTPException(403, f"This key lacks the scope {scope}")
        return stored

    return check


MANAGER = Annotated[StoredKey, Depends(require("keys:manage"))]


@app.post("/keys", status_code=201, responses={**UNREADABLE, **DENIED})
def create_key(scopes: Annotated[set[Scope], Body(embed=True)], by: MANAGER):
    if not scopes <= by.scopes:  # a key never makes a stronger key
        raise HTTPException(403, "A key cannot grant scopes it does not have")
    key_id = secrets.token_hex(8)
    key = f"sk_{key_id}_{secrets.token_urlsafe(32)}"
    KEYS[key_id] = StoredKey(key_id, by.owner, digest(key), scopes)
    return {"id": key_id, "key": key, "scopes": sorted(scopes)}  # shown only now


@app.get("/items", responses=DENIED)
def list_items(key: Annotated[StoredKey, Depends(require("items:read"))]):
    return {"owner": key.owner, "items": ["hammer", "saw"]}


# --8<-- [end:app]


# --8<-- [start:revoke]
@app.get("/keys", responses=DENIED)
def list_keys(by: MANAGER):
    # Ids and scopes: the keys themselves were never stored.
    mine = [stored for stored in KEYS.values() if stored.owner == by.owner]
    return [{"id": stored.id, "scopes": sorted(stored.scopes)} for stored in mine]


@app.delete(
    "/keys/{key_id}",
    status_code=204,
    responses={**DENIED, 404: {"description": "No such key"}},
)
def revoke_key(key_id: str, by: MANAGER) -> None:
    stored = KEYS.get(key_id)
    if stored is None or stored.owner != by.owner:  # another owner's: as if absent
        raise HTTPException(404, "No such key")
    del KEYS[key_id]  # at once: the next request with it gets 401


# --8<-- [end:revoke]


# --8<-- [start:naive]
# The outline's key creation: anyone may ask, for any owner and any scopes.
naive_app = FastAPI()
NAIVE_KEYS: dict[str, dict] = {}


@naive_app.post("/api-keys")
def naive_create_key(owner: str, scopes: list[str]):
    key = f"sk_{secrets.token_urlsafe(32)}"
    NAIVE_KEYS[digest(key)] = {"owner": owner, "scopes": set(scopes)}
    return {"api_key": key, "scopes": scopes}


# --8<-- [end:naive]


# --8<-- [start:errors]
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


# --8<-- [end:errors]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    key = "sk_192b10ed32c971fc_Uo2S8JA558jbZ1bl0c5pahi7wD2TRZ7_L9CDDw6AQbw"  # demo
    alice = {"X-API-Key": key}
    new = client.post("/keys", json={"scopes": ["items:read"]}, headers=alice).json()
    # The key is in this response only: the server kept its digest.
    print(KEYS[new["id"]].digest == digest(new["key"]), new["key"] in str(KEYS))
    #> True False
    reader = {"X-API-Key": new["key"]}
    print(client.get("/items", headers=reader).json())
    #> {'owner': 'alice', 'items': ['hammer', 'saw']}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A read-only key may not make keys.
    print(client.post("/keys", json={"scopes": []}, headers=reader).status_code)
    #> 403

    # A key with keys:manage cannot make a key stronger than itself either.
    manager = client.post(
        "/keys", json={"scopes": ["items:read", "keys:manage"]}, headers=alice
    ).json()
    stronger = {"scopes": ["items:read", "items:write"]}
    response = client.post(
        "/keys", json=stronger, headers={"X-API-Key": manager["key"]}
    )
    print(response.status_code, response.json())
    #> 403 {'detail': 'A key cannot grant scopes it does not have'}

    # Rotation: while both keys exist, both work; then the old one is revoked.
    manager_key = {"X-API-Key": manager["key"]}
    print([key["scopes"] for key in client.get("/keys", headers=manager_key).json()])
    '''
    [
        ['items:read', 'items:write', 'keys:manage'],
        ['items:read'],
        ['items:read', 'keys:manage'],
    ]
    '''
    response = client.delete("/keys/192b10ed32c971fc", headers=manager_key)
    print(response.status_code, client.get("/items", headers=alice).status_code)
    #> 204 401
    print(client.get("/items", headers=manager_key).status_code)
    #> 200

    # Wrong keys: a guessed secret under a real id, an unknown id, no prefix, none.
    for key in [f"sk_{manager['id']}_guess", "sk_0000000000000000_x", "x", None]:
        headers = {"X-API-Key": key} if key is not None else {}
        response = client.get("/items", headers=headers)
        print(response.status_code, response.headers["www-authenticate"])
        #> 401 APIKey
        #> 401 APIKey
        #> 401 APIKey
        #> 401 APIKey

    # The outline's creation, asked by nobody in particular for alice's admin rights.
    naive = TestClient(naive_app)
    response = naive.post("/api-keys?owner=alice", json=["admin:delete"])
    print(response.status_code, response.json()["scopes"])
    #> 200 ['admin:delete']
    # --8<-- [end:more]
