# --8<-- [start:app]
import asyncio
import time

from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel, EmailStr

app = FastAPI()

# Stand-ins for a mail server and an analytics store, so the demo can look inside.
outbox: list[str] = []
activity: list[str] = []


def send_welcome_email(email: str, username: str) -> None:
    # A plain def task runs on a worker thread, so a blocking call is fine here.
    time.sleep(0.05)  # the SMTP conversation
    outbox.append(f"to {email}: Welcome, {username}!")


async def record_signup(username: str) -> None:
    # An async def task runs on the event loop: await, never block, in here.
    await asyncio.sleep(0)
    activity.append(f"signup {username}")


class Registration(BaseModel):
    username: str
    email: EmailStr


UNREADABLE_BODY = {400: {"description": "The body could not be read"}}


@app.post("/register", status_code=201, responses=UNREADABLE_BODY)
def register(user: Registration, background_tasks: BackgroundTasks):
    # Nothing runs yet: add_task only queues the call and its arguments.
    background_tasks.add_task(send_welcome_email, user.email, user.username)
    background_tasks.add_task(record_signup, username=user.username)
    return {"message": f"User {user.username} registered"}


# --8<-- [end:app]


# --8<-- [start:json_safe_errors]
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON
    # cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:json_safe_errors]


# --8<-- [start:failure]
# A second application, there to fail: its one route queues a task that raises.
failing_app = FastAPI()


def notify_sales_team(username: str) -> None:
    raise ConnectionError("CRM is unreachable")  # an outage, say


@failing_app.post("/register-lead", status_code=201)
def register_lead(user: Registration, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_sales_team, user.username)  # raises
    background_tasks.add_task(send_welcome_email, user.email, user.username)  # skipped
    return {"message": f"Lead {user.username} registered"}


# --8<-- [end:failure]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    ann = {"username": "ann", "email": "ann@example.com"}
    response = client.post("/register", json=ann)
    print(response.status_code, response.json())
    #> 201 {'message': 'User ann registered'}
    # TestClient returns only once the app has finished, background tasks included,
    # so both tasks have already run here. A real server sends the response first.
    print(outbox, activity)
    #> ['to ann@example.com: Welcome, ann!'] ['signup ann']

    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A body that fails validation never reaches register(), so it queues nothing.
    response = client.post("/register", json={"username": "eve", "email": "eve"})
    print(response.status_code, len(outbox))
    #> 422 1
    # --8<-- [end:more]

    # --8<-- [start:failure_demo]
    # A failing task: the response had already gone out, so the client saw success...
    bob = {"username": "bob", "email": "bob@example.com"}
    lenient_client = TestClient(failing_app, raise_server_exceptions=False)
    response = lenient_client.post("/register-lead", json=bob)
    print(response.status_code, response.json())
    #> 201 {'message': 'Lead bob registered'}
    # ...and the task queued after the failing one was skipped: still no mail for bob.
    print(outbox)
    #> ['to ann@example.com: Welcome, ann!']

    # The default TestClient re-raises the task's exception, so tests do notice it.
    try:
        TestClient(failing_app).post("/register-lead", json=bob)
    except ConnectionError as error:
        print("raised:", repr(error))
        #> raised: ConnectionError('CRM is unreachable')
    # --8<-- [end:failure_demo]
