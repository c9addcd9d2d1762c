# Each section the page shows brings its own imports: some imports are not at the top.
# --8<-- [start:app]
import asyncio

from fastapi import FastAPI, HTTPException

app = FastAPI()
SEATS = {"AMS-OPO": 3, "OPO-LIS": 0}  # seats left per flight
ROOMS = {"OPO": 1, "LIS": 4}  # rooms left per city
CANCELLED: list[str] = []  # checks stopped half-way, for the demo to print


class Refused(Exception):
    """A check said no, for a reason the client may read."""


async def check_seat(flight: str) -> str:
    await asyncio.sleep(0.05)  # stands in for a call to the airline
    if SEATS.get(flight, 0) == 0:
        raise Refused(f"No seat left on {flight}")
    return f"Seat on {flight}"


async def check_room(city: str) -> str:
    try:
        await asyncio.sleep(0.5)  # the hotel answers more slowly
    except asyncio.CancelledError:
        CANCELLED.append(f"room in {city}")  # close, release, undo: then re-raise
        raise
    if ROOMS.get(city, 0) == 0:
        raise Refused(f"No room left in {city}")
    return f"Room in {city}"


@app.get("/trips/check", responses={409: {"description": "A check refused the trip"}})
async def check_trip(flight: str, city: str) -> dict[str, str]:
    try:
        # The first check that fails cancels the others still running; the group
        # waits for them to finish, then raises an ExceptionGroup of the failures.
        async with asyncio.TaskGroup() as group:
            seat = group.create_task(check_seat(flight))
            room = group.create_task(check_room(city))
    except* Refused as refusals:
        # except* takes the Refused out of the group; anything else (a bug) goes on.
        raise HTTPException(409, [str(e) for e in refusals.exceptions]) from None
    return {"seat": seat.result(), "room": room.result()}


# --8<-- [end:app]


# --8<-- [start:naive]
# WRONG, on a second app: an HTTPException raised inside a task reaches FastAPI wrapped
# in an ExceptionGroup, for which no handler exists: the client gets a 500.
naive_app = FastAPI()


async def check_seat_or_409(flight: str) -> str:
    await asyncio.sleep(0.05)
    if SEATS.get(flight, 0) == 0:
        raise HTTPException(409, f"No seat left on {flight}")
    return f"Seat on {flight}"


@naive_app.get("/trips/check")
async def naive_check_trip(flight: str, city: str) -> dict[str, str]:
    async with asyncio.TaskGroup() as group:
        seat = group.create_task(check_seat_or_409(flight))
        room = group.create_task(check_room(city))
    return {"seat": seat.result(), "room": room.result()}


# --8<-- [end:naive]


# --8<-- [start:holds]
# Booking, on a third app: each task holds a seat or a room, an effect that
# cancelling does not undo once it has happened.
booking_app = FastAPI()


async def hold_seat(flight: str) -> None:
    await asyncio.sleep(0.05)
    if SEATS.get(flight, 0) == 0:
        raise Refused(f"No seat left on {flight}")
    SEATS[flight] -= 1


async def hold_room(city: str) -> None:
    await asyncio.sleep(0.3)
    if ROOMS.get(city, 0) == 0:
        raise Refused(f"No room left in {city}")
    ROOMS[city] -= 1


def succeeded(task: asyncio.Task) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


@booking_app.post(
    "/trips", status_code=201, responses={409: {"description": "Refused"}}
)
async def book_trip(flight: str, city: str) -> dict[str, str]:
    try:
        async with asyncio.TaskGroup() as group:
            seat = group.create_task(hold_seat(flight))
            room = group.create_task(hold_room(city))
    except* Refused as refusals:
        # The group cancelled the holds still under way; those that had finished
        # stay held unless they are given back here.
        if succeeded(seat):
            SEATS[flight] += 1
        if succeeded(room):
            ROOMS[city] += 1
        raise HTTPException(409, [str(e) for e in refusals.exceptions]) from None
    return {"flight": flight, "city": city}


# --8<-- [end:holds]

# --8<-- [start:gather]
# The same booking with asyncio.gather, on a fourth app: the first refusal is raised at
# once, and the other hold is not cancelled: it goes on, and nothing gives it back.
gather_app = FastAPI()


@gather_app.post("/trips", status_code=201)
async def gather_book_trip(flight: str, city: str) -> dict[str, str]:
    try:
        await asyncio.gather(hold_seat(flight), hold_room(city))
    except Refused as refused:
        raise HTTPException(409, [str(refused)]) from None
    return {"flight": flight, "city": city}


# --8<-- [end:gather]


# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    # No seat: a 409, and the room check, still waiting, was cancelled.
    response = TestClient(app).get("/trips/check?flight=OPO-LIS&city=LIS")
    print(response.status_code, response.json(), CANCELLED)
    #> 409 {'detail': ['No seat left on OPO-LIS']} ['room in LIS']
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import time

    client = TestClient(app)
    print(client.get("/trips/check?flight=AMS-OPO&city=OPO").json())
    #> {'seat': 'Seat on AMS-OPO', 'room': 'Room in OPO'}

    # An HTTPException raised inside a task is wrapped in an ExceptionGroup: a 500.
    naive = TestClient(naive_app, raise_server_exceptions=False)
    print(naive.get("/trips/check?flight=OPO-LIS&city=LIS").status_code)
    #> 500

    # Booking AMS-OPO with a room in FAR, where none are left: the seat was held
    # before the hotel said no, and the except* block gives it back.
    booking = TestClient(booking_app)
    print(SEATS["AMS-OPO"], booking.post("/trips?flight=AMS-OPO&city=FAR").json())
    #> 3 {'detail': ['No room left in FAR']}
    print(SEATS["AMS-OPO"])
    #> 3
    print(booking.post("/trips?flight=AMS-OPO&city=LIS").status_code, SEATS, ROOMS)
    #> 201 {'AMS-OPO': 2, 'OPO-LIS': 0} {'OPO': 1, 'LIS': 3}

    # With gather, no seat on OPO-LIS is a 409 at once, and the room hold goes on
    # (`with` keeps the client's event loop running after the response, as a server's
    # does): a room in LIS is held for a trip that was refused.
    with TestClient(gather_app) as client:
        print(client.post("/trips?flight=OPO-LIS&city=LIS").status_code, ROOMS["LIS"])
        #> 409 3
        for _ in range(100):  # wait, up to 5 s, for the hold nobody waits for
            if ROOMS["LIS"] < 3:
                break
            time.sleep(0.05)
        print(ROOMS["LIS"])
        #> 2
# --8<-- [end:more]
