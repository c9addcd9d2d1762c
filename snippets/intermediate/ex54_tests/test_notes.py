import asyncio

import pytest
from ex54_async_tests import Note, app
from httpx2 import ASGITransport, AsyncClient

pytestmark = pytest.mark.anyio  # run every test here in an event loop (anyio's plugin)


async def test_the_transport_alone_does_not_run_the_lifespan():
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(AttributeError, match="has no attribute 'sessions'"):
            await client.post("/notes", json={"text": "lost"})


@pytest.fixture
async def state():
    async with app.router.lifespan_context(app) as state:  # startup ... shutdown
        yield state


@pytest.fixture
async def client(state):
    async def app_with_state(scope, receive, send):  # what a server does per request
        await app({**scope, "state": dict(state)}, receive, send)

    transport = ASGITransport(app=app_with_state)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_note_reaches_the_database(client, state):
    response = await client.post("/notes", json={"text": "buy ink"})
    assert response.status_code == 201
    async with state["sessions"]() as session:  # the test awaits the database too
        note = await session.get(Note, response.json()["id"])
    assert note.text == "buy ink"


async def test_requests_run_concurrently(client):
    notes = [client.post("/notes", json={"text": f"note {n}"}) for n in range(10)]
    responses = await asyncio.gather(*notes)
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 10
