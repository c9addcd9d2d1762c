# --8<-- [start:app]
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


def where_am_i() -> str:
    """Say which thread runs the caller: the event loop's, or a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "worker thread"
    return "event loop"


@app.get("/sync")
def sync_handler():
    time.sleep(0.1)  # blocking, like a query through a blocking database driver
    return {"mode": "sync", "ran_on": where_am_i()}


@app.get("/async")
async def async_handler():
    await asyncio.sleep(0.1)  # waits without blocking: the loop serves others meanwhile
    return {"mode": "async", "ran_on": where_am_i()}


# --8<-- [end:app]


# --8<-- [start:mistake]
# The classic mistake, on an application of its own: `fastapi dev` serves `app`.
naive_app = FastAPI()


@naive_app.get("/async-blocking")
async def async_but_blocking():
    # WRONG: time.sleep blocks the event loop, so every other request waits as well.
    time.sleep(0.1)  # noqa: ASYNC251 (ruff flags this line; silenced here on purpose)
    return {"mode": "async, blocking", "ran_on": where_am_i()}


# --8<-- [end:mistake]


# --8<-- [start:cpu]
def fibonacci(n: int) -> int:
    """Deliberately slow, pure-Python work: computing, not waiting, takes the time."""
    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)


@app.get("/cpu")
def cpu_bound():
    return {"fibonacci_27": fibonacci(27), "ran_on": where_am_i()}


# --8<-- [end:cpu]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/sync").json())
    #> {'mode': 'sync', 'ran_on': 'worker thread'}
    print(client.get("/async").json())
    #> {'mode': 'async', 'ran_on': 'event loop'}

    # The mistake runs where every async def runs: on the loop, which it blocks.
    print(TestClient(naive_app).get("/async-blocking").json())
    #> {'mode': 'async, blocking', 'ran_on': 'event loop'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import sys

    import anyio.to_thread

    print(client.get("/cpu").json())
    #> {'fibonacci_27': 196418, 'ran_on': 'worker thread'}

    # Worker threads come from one shared pool, limited to this many at a time.
    async def thread_pool_size():
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    print(anyio.run(thread_pool_size))
    #> 40

    # How long (in seconds) Python lets a computing thread keep the GIL when another
    # thread, such as the event loop's, is waiting for it.
    print(sys.getswitchinterval())
    #> 0.005
# --8<-- [end:more]
