# --8<-- [start:app]
import os

from fastapi import FastAPI, Request

app = FastAPI()
visits = 0  # in this process's memory: every worker process has its own


@app.get("/visit")
async def visit(request: Request):
    global visits  # async def: one thread per worker, so no lock is needed
    visits += 1
    client = request.client.host if request.client else None  # trusted proxy's header
    return {"visits": visits, "worker": os.getpid(), "client": client}  # pid: a demo


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    import asyncio
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx2
    import uvicorn

    @app.get("/report")
    async def slow_report():  # a slow request: still running when the server stops
        await asyncio.sleep(1)
        return {"report": "ready"}

    server = uvicorn.Server(uvicorn.Config(app, port=0, log_level="warning"))
    threading.Thread(target=server.run).start()
    while not server.started:  # until it listens, on a free port
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    report = ThreadPoolExecutor().submit(httpx2.get, f"http://127.0.0.1:{port}/report")
    while not server.server_state.tasks:  # until the report is in flight
        threading.Event().wait(0.01)
    server.should_exit = True  # what SIGTERM does: stop accepting, finish what is begun
    print(report.result().status_code, report.result().json())
    #> 200 {'report': 'ready'}
    # --8<-- [end:demo]
