# Each section the page shows brings its own imports, so some are not at the top.
# --8<-- [start:app]
import asyncio
import time
from decimal import Decimal
from functools import cache
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict

app = FastAPI()


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared by every request, so read-only
    base_currency: str = "EUR"
    rates_ttl: float = 60.0  # seconds


@cache  # no arguments: one Settings per process, kept until the process ends
def get_settings() -> Settings:
    return Settings()


AppSettings = Annotated[Settings, Depends(get_settings)]
rates, expires = {}, float("-inf")  # the cached value, and when it goes stale
lock = asyncio.Lock()


async def get_rates(settings: AppSettings) -> dict[str, Decimal]:
    global rates, expires
    async with lock:  # requests that arrive during a load wait for that one load
        if time.monotonic() >= expires:  # monotonic: a clock that never jumps
            rates, expires = await fetch_rates(), time.monotonic() + settings.rates_ttl
    return rates


@app.get("/rates/{currency}", responses={404: {"description": "Unknown currency"}})
async def read_rate(
    currency: str,
    rates: Annotated[dict[str, Decimal], Depends(get_rates)],
    settings: AppSettings,  # also asked for by get_rates: it runs once per request
):
    if currency not in rates:
        raise HTTPException(404, f"No rate for {currency}")
    return {"from": settings.base_currency, "to": currency, "rate": rates[currency]}


# --8<-- [end:app]


# --8<-- [start:service]
service_calls = 0  # counted, so that the demo can show how often it runs


async def fetch_rates() -> dict[str, Decimal]:
    global service_calls
    service_calls += 1
    await asyncio.sleep(0.01)  # stands in for an HTTP call to a rates service
    return {"USD": Decimal("1.08"), "GBP": Decimal("0.85")}


# --8<-- [end:service]

# --8<-- [start:naive]
# What @cache does to other kinds of dependency, on an app fastapi dev does not serve.
naive_app = FastAPI()


@cache  # keyed on the arguments, and here the client chooses them
def describe(word: str) -> dict:
    return {"word": word, "length": len(word)}


@cache  # caches the coroutine object, and a coroutine can be awaited only once
async def load_profile() -> dict:
    return {"name": "Ada"}


@cache  # caches the generator object, and a generator runs only once
def open_connection():
    yield {"connected": True}


@cache  # one dict, handed to every request
def get_preferences() -> dict:
    return {"theme": "light"}


@naive_app.get("/words/{word}")
def read_word(entry: Annotated[dict, Depends(describe)]):
    return entry


@naive_app.get("/profile")
async def read_profile(profile: Annotated[dict, Depends(load_profile)]):
    return profile


@naive_app.get("/connection")
def read_connection(connection: Annotated[dict, Depends(open_connection)]):
    return connection


@naive_app.put("/preferences")
def set_theme(theme: str, preferences: Annotated[dict, Depends(get_preferences)]):
    preferences["theme"] = theme  # meant for one user, changes it for all of them
    return preferences


# --8<-- [end:naive]


# --8<-- [start:wall_clock]
# A time-to-live cache written the way it often is, here to be broken.
class WallClockCache:
    def __init__(self, ttl: float):
        self.ttl = ttl
        self.values: dict = {}
        self.expiry: dict = {}

    def get(self, key):
        if key in self.values:
            if time.time() < self.expiry[key]:  # the wall clock: it can jump
                return self.values[key]
            del self.values[key]  # two threads can both get here: the second fails
            del self.expiry[key]
        return None  # an entry that is never asked for again is never removed

    def set(self, key, value) -> None:
        self.values[key] = value
        self.expiry[key] = time.time() + self.ttl


item_cache = WallClockCache(ttl=30)


@naive_app.get("/items/{item_id}")
def read_item(item_id: int):  # a def route: requests run in parallel threads
    item = item_cache.get(item_id)
    if item is None:
        item = {"id": item_id}
        item_cache.set(item_id, item)
    return item


# --8<-- [end:wall_clock]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    for currency in ("USD", "GBP", "USD"):
        client.get(f"/rates/{currency}")
    print(service_calls)  # three requests, one call to the rates service
    #> 1
    print(get_settings.cache_info())  # asked for twice a request, called once: 2 hits
    #> CacheInfo(hits=2, misses=1, maxsize=None, currsize=1)
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # As if a minute had passed: the next request loads the rates again.
    expires = time.monotonic() - 1
    client.get("/rates/USD")
    print(service_calls)
    #> 2
    print(client.get("/rates/JPY").json())
    #> {'detail': 'No rate for JPY'}

    # Twenty requests at once on a cold cache: the lock lets one load through.
    import httpx2

    async def twenty_at_once():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://x") as c:
            await asyncio.gather(*(c.get("/rates/USD") for _ in range(20)))

    expires, service_calls = float("-inf"), 0
    asyncio.run(twenty_at_once())
    print(service_calls)
    #> 1

    # @cache on dependencies of other kinds (naive_app).
    naive = TestClient(naive_app, raise_server_exceptions=False)
    for word in ("a", "b", "c"):
        naive.get(f"/words/{word}")
    print(describe.cache_info())  # one entry for every word any client sent
    #> CacheInfo(hits=0, misses=3, maxsize=None, currsize=3)
    print([naive.get("/profile").status_code for _ in range(2)])
    #> [200, 500]
    print([naive.get("/connection").status_code for _ in range(2)])
    #> [200, 500]
    naive.put("/preferences?theme=dark")  # one user's choice...
    print(get_preferences())  # ...is now everyone's
    #> {'theme': 'dark'}

    # The wall-clock cache keeps every item any client asked for, expired or not.
    for item_id in range(100):
        naive.get(f"/items/{item_id}")
    print(len(item_cache.values))
    #> 100
# --8<-- [end:more]
