# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:app]
import asyncio
import logging
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated

import httpx2
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)
AIRLINES = ("northwind", "bluesky", "slowair")
TIMEOUT = 0.5  # seconds each airline gets for its whole answer


@asynccontextmanager
async def lifespan(app: FastAPI):
    # One client for the app's life: it keeps connections open between requests.
    async with (
        airlines_address() as url,  # AIRLINES_URL, or the stand-in (collapsed below)
        httpx2.AsyncClient(base_url=url, timeout=TIMEOUT) as client,
    ):
        app.state.airlines = client
        yield


app = FastAPI(lifespan=lifespan)
Airport = Annotated[str, Query(pattern="^[A-Z]{3}$")]


class Fare(BaseModel):
    airline: str
    price: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


class Fares(BaseModel):
    fares: list[Fare]
    missing: list[str]  # the airlines that failed or were too slow


async def ask(client: httpx2.AsyncClient, airline: str, trip: dict[str, str]) -> Fare:
    # asyncio.timeout bounds the whole call; httpx's timeout bounds each wait in it.
    async with asyncio.timeout(TIMEOUT):
        response = await client.get(f"/{airline}/fares", params=trip)
        response.raise_for_status()
        return Fare.model_validate_json(response.content)


@app.get("/fares")
async def fares(origin: Airport, destination: Airport, request: Request) -> Fares:
    trip = {"from": origin, "to": destination}
    # The three calls are in flight at once: the wait is the slowest call's, not the
    # sum. return_exceptions=True: a failure takes its call's place in the list.
    answers = await asyncio.gather(
        *(ask(request.app.state.airlines, airline, trip) for airline in AIRLINES),
        return_exceptions=True,
    )
    missing = []
    for airline, answer in zip(AIRLINES, answers, strict=True):
        if isinstance(answer, Exception):
            logger.warning("no fare from %s: %r", airline, answer)  # for us, not them
            missing.append(airline)
    return Fares(fares=[a for a in answers if isinstance(a, Fare)], missing=missing)


# --8<-- [end:app]


# --8<-- [start:stand_in]
import os
import threading

import uvicorn
from fastapi import HTTPException


@asynccontextmanager
async def airlines_address():
    """The airlines' address: AIRLINES_URL, or else the stand-in below, served for as
    long as the app runs."""
    if url := os.environ.get("AIRLINES_URL"):
        yield url
    else:
        async with serve_stand_in() as url:
            yield url


# Three airlines' fare services in one app.
stand_in = FastAPI()
DELAYS = {"northwind": 0.15, "bluesky": 0.1, "slowair": 0.2}
PRICES = {"northwind": "129.00", "bluesky": "99.50", "slowair": "75.00"}
TRAFFIC = {"in_flight": 0, "peak": 0}  # calls being answered now, and the most at once


@stand_in.get("/{airline}/fares")
async def airline_fare(
    airline: str,
    origin: Annotated[str, Query(alias="from")],
    destination: Annotated[str, Query(alias="to")],
) -> dict[str, str]:
    TRAFFIC["in_flight"] += 1
    TRAFFIC["peak"] = max(TRAFFIC["peak"], TRAFFIC["in_flight"])
    try:
        # slowair is overloaded on flights to Lisbon: it takes twice the app's timeout.
        slow = airline == "slowair" and destination == "LIS"
        await asyncio.sleep(2 * TIMEOUT if slow else DELAYS[airline])
        if airline == "bluesky" and origin == "OPO":
            raise HTTPException(503, "Down for maintenance")
        return {"airline": airline, "price": PRICES[airline]}
    finally:
        TRAFFIC["in_flight"] -= 1


@asynccontextmanager
async def serve_stand_in():
    """Serve the stand-in with uvicorn on a free loopback port, in a thread of its own;
    yield its address."""
    # log_config=None: leave the logging of the server that runs the app as it is.
    config = uvicorn.Config(stand_in, host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the stand-in did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join)


# --8<-- [end:stand_in]


# --8<-- [start:sequential]
# For comparison: the same calls one after another, on a second app.
sequential_app = FastAPI(lifespan=lifespan)


@sequential_app.get("/fares")
async def sequential_fares(
    origin: Airport, destination: Airport, request: Request
) -> Fares:
    trip = {"from": origin, "to": destination}
    found, missing = [], []
    for airline in AIRLINES:
        try:  # each call starts only when the one before it has ended
            found.append(await ask(request.app.state.airlines, airline, trip))
        except (httpx2.HTTPError, TimeoutError, ValueError):
            missing.append(airline)
    return Fares(fares=found, missing=missing)


# --8<-- [end:sequential]


# --8<-- [start:naive]
# The outline's way, on a third app: no timeout, and the errors' text in the answer.
naive_app = FastAPI(lifespan=lifespan)


async def ask_without_timeout(client: httpx2.AsyncClient, airline: str, trip: dict):
    response = await client.get(f"/{airline}/fares", params=trip, timeout=None)
    response.raise_for_status()
    return response.json()


@naive_app.get("/fares")
async def naive_fares(origin: str, destination: str, request: Request) -> dict:
    trip = {"from": origin, "to": destination}
    client = request.app.state.airlines
    answers = await asyncio.gather(
        *(ask_without_timeout(client, airline, trip) for airline in AIRLINES),
        return_exceptions=True,
    )
    return {
        airline: {"error": str(answer)} if isinstance(answer, Exception) else answer
        for airline, answer in zip(AIRLINES, answers, strict=True)
    }


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    with TestClient(app) as client:  # runs the lifespan, which starts the stand-in
        # bluesky is down from Porto, slowair too slow to Lisbon: northwind remains.
        response = client.get("/fares", params={"origin": "OPO", "destination": "LIS"})
        print(response.json()["missing"])
        #> ['bluesky', 'slowair']
        # The stand-in was answering all three calls at the same moment:
        print(TRAFFIC["peak"])
        #> 3
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A flight every airline serves.
    trip = {"origin": "AMS", "destination": "OPO"}
    with TestClient(app) as client:
        print(client.get("/fares", params=trip).json()["fares"])
        '''
        [
            {'airline': 'northwind', 'price': '129.00'},
            {'airline': 'bluesky', 'price': '99.50'},
            {'airline': 'slowair', 'price': '75.00'},
        ]
        '''

    # One call after another: never more than one in flight.
    TRAFFIC["peak"] = 0
    with TestClient(sequential_app) as client:
        print(client.get("/fares", params=trip).json()["missing"])
        #> []
        print(TRAFFIC["peak"])
        #> 1

    # The outline's way: return_exceptions=True does not make a slow airline's wait
    # shorter: slowair's fare is there, because the answer waited for it...
    with TestClient(naive_app) as client:
        answer = client.get("/fares", params={"origin": "OPO", "destination": "LIS"})
        print(answer.json()["slowair"])
        #> {'airline': 'slowair', 'price': '75.00'}
        # ...and the client reads the error's text, the internal address included.
        print(answer.json()["bluesky"]["error"].split(" for url ")[0])
        #> Server error '503 Service Unavailable'
        print("http://127.0.0.1:" in answer.json()["bluesky"]["error"])
        #> True
# --8<-- [end:more]
