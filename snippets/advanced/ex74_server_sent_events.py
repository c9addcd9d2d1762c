# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
import asyncio
import time
from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.sse import EventSourceResponse, ServerSentEvent

app = FastAPI()

STEPS = ["build", "test", "deploy"]
SECONDS_PER_STEP = 0.3
started = time.monotonic()  # a simulated build, which started with the app


def resume_after(
    last_event_id: Annotated[int, Header(ge=0, le=len(STEPS))] = 0,
) -> int:
    # Sent by a browser that reconnects: the id of the last event it received.
    if last_event_id == len(STEPS):
        raise HTTPException(204)  # it has them all: a 204 stops its reconnecting
    return last_event_id


@app.get(
    "/builds/42/events",
    response_class=EventSourceResponse,
    responses={204: {"description": "Every event was sent: stop reconnecting"}},
)
async def build_events(
    after: Annotated[int, Depends(resume_after)],
) -> AsyncIterable[ServerSentEvent]:
    for number in range(after + 1, len(STEPS) + 1):
        await asyncio.sleep(started + number * SECONDS_PER_STEP - time.monotonic())
        step = {"step": STEPS[number - 1]}
        yield ServerSentEvent(event="step", data=step, id=str(number))


# --8<-- [end:app]


# --8<-- [start:naive]
import json

from fastapi.responses import StreamingResponse

# The event stream written by hand: no ids, a heartbeat after every event.
naive_app = FastAPI()


@naive_app.get("/builds/42/events")
async def naive_build_events() -> StreamingResponse:
    async def lines() -> AsyncIterable[str]:
        for number, step in enumerate(STEPS, start=1):
            await asyncio.sleep(started + number * SECONDS_PER_STEP - time.monotonic())
            yield f"event: step\ndata: {json.dumps({'step': step})}\n\n"
            yield ": heartbeat\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(lines(), media_type="text/event-stream", headers=headers)


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    response = client.get("/builds/42/events")
    print(response.headers["content-type"], "|", response.headers["cache-control"])
    #> text/event-stream; charset=utf-8 | no-cache
    print([line for line in response.text.splitlines() if line.startswith("id:")])
    #> ['id: 1', 'id: 2', 'id: 3']
    print(client.get("/builds/42/events", headers={"Last-Event-ID": "3"}).status_code)
    #> 204
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The hand-written stream has no ids, so a browser has no Last-Event-ID to send,
    # and a header sent anyway changes nothing: it starts again from the first step.
    naive = TestClient(naive_app)
    response = naive.get("/builds/42/events", headers={"Last-Event-ID": "2"})
    print(response.text.split("\n\n")[:2])
    #> ['event: step\ndata: {"step": "build"}', ': heartbeat']
    # Its end is not an end: a reconnecting browser gets the whole build again.
    print(naive.get("/builds/42/events").status_code)
    #> 200

    # FastAPI splits text with line breaks into several data lines, so a line break
    # in the data cannot end the event early or forge another one.
    from fastapi.sse import format_sse_event

    print(format_sse_event(data_str="one\n\nevent: forged", event="note"))
    #> b'event: note\ndata: one\ndata: \ndata: event: forged\n\n'
# --8<-- [end:more]
