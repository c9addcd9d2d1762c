import asyncio

import pytest
from fastapi.testclient import TestClient

AMS_OPO = "/trips/check?flight=AMS-OPO&city=OPO"
OPO_LIS = "/trips/check?flight=OPO-LIS&city=LIS"


@pytest.fixture(autouse=True)
def fresh_stock(example):
    """Every test starts from the seats and rooms the example starts with."""
    seats, rooms = dict(example.SEATS), dict(example.ROOMS)
    example.CANCELLED.clear()
    yield
    example.SEATS.clear()
    example.SEATS.update(seats)
    example.ROOMS.clear()
    example.ROOMS.update(rooms)


def test_both_checks_pass(client):
    assert client.get(AMS_OPO).json() == {
        "seat": "Seat on AMS-OPO",
        "room": "Room in OPO",
    }


def test_a_refusal_is_a_409_and_cancels_the_check_still_running(example, client):
    example.CANCELLED.clear()
    response = client.get(OPO_LIS)
    assert response.status_code == 409
    assert response.json() == {"detail": ["No seat left on OPO-LIS"]}
    assert example.CANCELLED == ["room in LIS"]


def test_a_refusal_that_comes_last_cancels_nothing(client, example):
    example.CANCELLED.clear()
    response = client.get("/trips/check?flight=AMS-OPO&city=FAR")
    assert response.json() == {"detail": ["No room left in FAR"]}
    assert example.CANCELLED == []


def test_refusals_that_come_together_are_all_listed(example, monkeypatch):
    async def refuse_at_once(where: str) -> str:
        raise example.Refused(f"No to {where}")

    monkeypatch.setattr(example, "check_seat", refuse_at_once)
    monkeypatch.setattr(example, "check_room", refuse_at_once)
    response = TestClient(example.app).get(OPO_LIS)
    assert response.status_code == 409
    assert response.json() == {"detail": ["No to OPO-LIS", "No to LIS"]}


def test_a_bug_beside_a_refusal_leaves_as_an_exception_group(example, monkeypatch):
    """The HTTPException raised in except* joins the unhandled KeyError in a new
    ExceptionGroup: no handler matches it, and the client gets a 500."""

    async def refuse(flight: str) -> str:
        raise example.Refused("No seat")

    async def bug(city: str) -> str:
        raise KeyError(city)

    monkeypatch.setattr(example, "check_seat", refuse)
    monkeypatch.setattr(example, "check_room", bug)
    client = TestClient(example.app, raise_server_exceptions=False)
    assert client.get(OPO_LIS).status_code == 500
    try:
        TestClient(example.app).get(OPO_LIS)
    except ExceptionGroup as group:
        kinds = [type(e).__name__ for e in group.exceptions]
        assert kinds == ["HTTPException", "ExceptionGroup"]
        assert type(group.exceptions[1].exceptions[0]) is KeyError
    else:  # pragma: no cover
        raise AssertionError("no ExceptionGroup")


def test_a_task_that_swallows_its_cancellation_keeps_the_group_waiting(
    example, monkeypatch
):
    finished = []

    async def stubborn(city: str) -> str:
        try:
            await asyncio.sleep(0.5)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # WRONG: carries on instead of re-raising
        finished.append(city)
        return "Room"

    monkeypatch.setattr(example, "check_room", stubborn)
    response = TestClient(example.app).get(OPO_LIS)
    # The group waited for it: it had finished before the answer was sent.
    assert response.status_code == 409 and finished == ["LIS"]


def test_an_httpexception_raised_in_a_task_is_a_500(example):
    client = TestClient(example.naive_app, raise_server_exceptions=False)
    assert client.get(OPO_LIS).status_code == 500


def test_without_giving_back_a_finished_hold_stays_held(example):
    """The outline: a TaskGroup ensures all-or-nothing atomicity."""

    async def book_without_giving_back():
        async with asyncio.TaskGroup() as group:
            group.create_task(example.hold_seat("AMS-OPO"))
            group.create_task(example.hold_room("FAR"))

    before = example.SEATS["AMS-OPO"]
    try:
        asyncio.run(book_without_giving_back())
    except ExceptionGroup as group:
        assert [str(e) for e in group.exceptions] == ["No room left in FAR"]
    assert example.SEATS["AMS-OPO"] == before - 1  # held for a trip that failed


def test_the_booking_app_gives_finished_holds_back(example):
    client = TestClient(example.booking_app)
    seats, rooms = dict(example.SEATS), dict(example.ROOMS)
    assert client.post("/trips?flight=AMS-OPO&city=FAR").status_code == 409
    assert client.post("/trips?flight=OPO-LIS&city=LIS").status_code == 409
    assert (example.SEATS, example.ROOMS) == (seats, rooms)
    assert client.post("/trips?flight=AMS-OPO&city=OPO").status_code == 201
    assert example.SEATS["AMS-OPO"] == seats["AMS-OPO"] - 1
    assert example.ROOMS["OPO"] == rooms["OPO"] - 1


def test_gather_leaves_the_other_hold_running(example):
    rooms = example.ROOMS["LIS"]
    with TestClient(example.gather_app) as client:
        response = client.post("/trips?flight=OPO-LIS&city=LIS")
        assert response.status_code == 409

        async def hold_ended():  # in the client's event loop, which runs it on
            tasks = asyncio.all_tasks()
            holds = [t for t in tasks if t.get_coro().__name__ == "hold_room"]
            assert len(holds) == 1
            await asyncio.wait(holds, timeout=10)

        client.portal.call(hold_ended)
    assert example.ROOMS["LIS"] == rooms - 1  # held for a trip that was refused


def test_every_answer_is_declared(client):
    operation = client.get("/openapi.json").json()["paths"]["/trips/check"]["get"]
    assert set(operation["responses"]) == {"200", "409", "422"}


def test_the_booking_app_gives_back_whichever_hold_finished(example, monkeypatch):
    async def slow_refusal(flight: str) -> None:
        await asyncio.sleep(0.6)  # after the room is held (0.3 s)
        raise example.Refused(f"No seat left on {flight}")

    monkeypatch.setattr(example, "hold_seat", slow_refusal)
    rooms = dict(example.ROOMS)
    response = TestClient(example.booking_app).post("/trips?flight=AMS-OPO&city=LIS")
    assert response.status_code == 409
    assert example.ROOMS == rooms


def test_the_other_apps_answer_when_nothing_is_refused(example):
    naive = TestClient(example.naive_app)
    assert naive.get(AMS_OPO).json() == {
        "seat": "Seat on AMS-OPO",
        "room": "Room in OPO",
    }
    seats, rooms = dict(example.SEATS), dict(example.ROOMS)
    booked = TestClient(example.gather_app).post("/trips?flight=AMS-OPO&city=LIS")
    assert booked.status_code == 201
    assert example.SEATS["AMS-OPO"] == seats["AMS-OPO"] - 1
    assert example.ROOMS["LIS"] == rooms["LIS"] - 1
