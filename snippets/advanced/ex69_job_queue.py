# --8<-- [start:app]
import asyncio
import logging
import os
import uuid
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

logger = logging.getLogger("uvicorn.error")  # shown in the server's own log
WORKERS, QUEUE_SIZE = 2, 10  # at most 10 jobs wait; the 11th gets a 503
DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS", "5"))  # < the stop timeout
queue: asyncio.Queue | None = None  # exists while the workers run
jobs: dict[str, str] = {}  # job id -> queued, running, done, failed


class Report(BaseModel):
    pages: int = Field(ge=1, le=500)


async def render(report: Report) -> None:
    await asyncio.sleep(report.pages / 100)  # 10 ms a page, standing in for work


async def worker(jobs_queue: asyncio.Queue) -> None:
    while True:
        job_id, report = await jobs_queue.get()
        jobs[job_id] = "running"
        try:
            await render(report)
            jobs[job_id] = "done"
        except Exception:  # one failed job must not stop the worker
            logger.exception("job %s failed", job_id)
            jobs[job_id] = "failed"
        finally:
            jobs_queue.task_done()


@asynccontextmanager
async def lifespan(app: FastAPI):
    global queue
    queue = asyncio.Queue(maxsize=QUEUE_SIZE)
    tasks = [asyncio.create_task(worker(queue)) for _ in range(WORKERS)]
    yield  # the server stops taking requests before what follows
    with suppress(TimeoutError):  # finish the queue, for DRAIN_SECONDS at most
        await asyncio.wait_for(queue.join(), DRAIN_SECONDS)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    queue = None
    lost = sorted(
        job for job, status in jobs.items() if status in {"queued", "running"}
    )
    if lost:
        logger.warning("stopped with %d jobs not done, lost: %s", len(lost), lost)


app = FastAPI(lifespan=lifespan)
BUSY = {
    503: {"description": "Queue full or stopping"},
    400: {"description": "Bad body"},
}


@app.post("/reports", status_code=202, responses=BUSY)
async def enqueue(report: Report):
    if queue is None or queue.full():  # backpressure: refuse now, not later
        raise HTTPException(503, "Too busy, retry later", {"Retry-After": "5"})
    job_id = uuid.uuid4().hex
    jobs[job_id] = "queued"
    queue.put_nowait((job_id, report))
    return {"id": job_id}


# --8<-- [end:app]


# --8<-- [start:status]
from typing import Annotated

from fastapi import Path

UNKNOWN = {404: {"description": "No such job"}}


@app.get("/reports/{job_id}", responses=UNKNOWN)
async def job_status(job_id: Annotated[str, Path(max_length=32)]):
    if job_id not in jobs:
        raise HTTPException(404, "No such job")
    return {"id": job_id, "status": jobs[job_id]}


# --8<-- [end:status]


# --8<-- [start:errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:errors]


# --8<-- [start:durable]
import json

import redis.asyncio as redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Stable across restarts (a pod or host name): its list holds the jobs it was
# running, so that after a crash it finds and retries them.
WORKER_NAME = os.environ.get("WORKER_NAME", "worker-1")
QUEUED, RUNNING = "reports:queued", f"reports:running:{WORKER_NAME}"
store = redis.from_url(REDIS_URL, decode_responses=True)


async def durable_worker(stop: asyncio.Event) -> None:
    while not stop.is_set():
        # The job leaves the queue and enters this worker's list in one atomic
        # step: it is never in neither. None: nothing came within 0.5 s.
        payload = await store.blmove(QUEUED, RUNNING, timeout=0.5, src="RIGHT")
        if payload is None:
            continue
        job = json.loads(payload)
        await store.hset(f"report:{job['id']}", "status", "running")
        await render(Report(pages=job["pages"]))  # runs again if we crash here
        await store.hset(f"report:{job['id']}", "status", "done")
        await store.lrem(RUNNING, 1, payload)  # only now is the job off our hands


@asynccontextmanager
async def durable_lifespan(app: FastAPI):
    # Jobs this worker was running when it last stopped go back in the queue.
    while await store.lmove(RUNNING, QUEUED, "RIGHT", "RIGHT"):
        pass
    stop = asyncio.Event()
    tasks = [asyncio.create_task(durable_worker(stop)) for _ in range(WORKERS)]
    yield
    stop.set()  # each worker finishes its job and stops; queued jobs wait in Redis
    await asyncio.gather(*tasks)
    await store.aclose()


durable_app = FastAPI(lifespan=durable_lifespan)
durable_app.exception_handler(RequestValidationError)(validation_error)


@durable_app.post("/reports", status_code=202, responses=BUSY)
async def durable_enqueue(report: Report):
    if await store.llen(QUEUED) >= QUEUE_SIZE:
        raise HTTPException(503, "Too busy, retry later", {"Retry-After": "5"})
    job_id = uuid.uuid4().hex
    await store.hset(f"report:{job_id}", "status", "queued")
    await store.expire(f"report:{job_id}", 86_400)  # statuses kept for a day
    await store.lpush(QUEUED, json.dumps({"id": job_id, "pages": report.pages}))
    return {"id": job_id}


@durable_app.get("/reports/{job_id}", responses=UNKNOWN)
async def durable_status(job_id: Annotated[str, Path(max_length=32)]):
    status = await store.hget(f"report:{job_id}", "status")
    if status is None:
        raise HTTPException(404, "No such job")
    return {"id": job_id, "status": status}


# --8<-- [end:durable]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    with TestClient(app) as client:  # the lifespan starts the two workers
        for pages in [100, 100] + [1] * QUEUE_SIZE:  # two 1-second jobs, ten short
            client.post("/reports", json={"pages": pages})
        full = client.post("/reports", json={"pages": 1})  # 2 running, 10 waiting
        print(full.status_code, full.headers["retry-after"], sorted(set(jobs.values())))
        #> 503 5 ['queued', 'running']
    # Leaving the block stops the app: the lifespan drained the queue first.
    print(sorted(set(jobs.values())))
    #> ['done']
    # --8<-- [end:demo]
