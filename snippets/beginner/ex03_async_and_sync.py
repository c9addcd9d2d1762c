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


@app.get("/cpu")
def cpu_bound():
    return {"result": sum(range(1_000_000)), "ran_on": where_am_i()}


# --8<-- [end:app]


# --8<-- [start:mistake]
@app.get("/async-blocking")
async def async_but_blocking():
    # WRONG: time.sleep blocks the event loop, so every other request waits as well.
    # Linters know: ruff's ASYNC251 rule flags this line; noqa silences it on purpose here.
    time.sleep(0.1)  # noqa: ASYNC251
    return {"mode": "async, blocking", "ran_on": where_am_i()}


# --8<-- [end:mistake]

# --8<-- [start:demo]
if __name__ == "__main__":
    import sys

    import anyio.to_thread
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/sync").json())
    #> {'mode': 'sync', 'ran_on': 'worker thread'}
    print(client.get("/async").json())
    #> {'mode': 'async', 'ran_on': 'event loop'}
    print(client.get("/cpu").json())
    #> {'result': 499999500000, 'ran_on': 'worker thread'}
    print(client.get("/async-blocking").json())
    #> {'mode': 'async, blocking', 'ran_on': 'event loop'}

    # Worker threads come from one shared pool, limited to this many at a time.
    async def thread_pool_size():
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    print(anyio.run(thread_pool_size))
    #> 40

    # CPU-bound Python code in a worker holds the GIL; this is how long (in seconds)
    # Python lets one thread keep it before handing it to another, such as the loop's.
    print(sys.getswitchinterval())
    #> 0.005
# --8<-- [end:demo]
