# --8<-- [start:app]
import asyncio
import time

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, EmailStr
from pydantic_core import to_json

app = FastAPI()

# Stand-ins for a mail server and an analytics store, so the demo can look inside.
outbox: list[str] = []
activity: list[str] = []


def where_am_i() -> str:
    """Say which thread runs the caller: the event loop's, or a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "worker thread"
    return "event loop"


def send_welcome_email(email: str, username: str) -> None:
    # A plain def task runs on a worker thread, so a blocking call is fine here.
    time.sleep(0.05)  # the SMTP conversation
    outbox.append(f"to {email}: Welcome, {username}! (sent from a {where_am_i()})")


async def record_signup(username: str) -> None:
    # An async def task runs on the event loop: await, never block, in here.
    await asyncio.sleep(0)
    activity.append(f"signup {username} (recorded on the {where_am_i()})")


class Registration(BaseModel):
    username: str
    email: EmailStr


# FastAPI answers 400 to a body it cannot even read as text (bytes that are not UTF-8);
# saying so here puts it in the docs next to 201 and 422.
UNREADABLE_BODY = {400: {"description": "The body could not be read"}}


@app.post("/register", status_code=201, responses=UNREADABLE_BODY)
def register(user: Registration, background_tasks: BackgroundTasks):
    # Nothing runs yet: add_task only queues the call and its arguments.
    background_tasks.add_task(send_welcome_email, user.email, user.username)
    background_tasks.add_task(record_signup, username=user.username)
    return {"message": f"User {user.username} registered"}


# --8<-- [end:app]


# --8<-- [start:json_safe_errors]
@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    # FastAPI's own 422 answer, with two fixes. A refused NaN or Infinity is echoed back
    # as the string "NaN" or "Infinity", because JSON cannot write it as a number. A body
    # that is not JSON is echoed as text, with "�" for any bytes that are not UTF-8,
    # where FastAPI would decode them strictly and fail with a 500.
    errors = jsonable_encoder(exc.errors(), custom_encoder={bytes: readable_text})
    content = {"detail": errors}
    body = to_json(content, inf_nan_mode="strings")
    return Response(body, status_code=422, media_type="application/json")


def readable_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


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
    print(outbox)
    #> ['to ann@example.com: Welcome, ann! (sent from a worker thread)']
    print(activity)
    #> ['signup ann (recorded on the event loop)']

    # A failing task: the response had already gone out, so the client saw success...
    bob = {"username": "bob", "email": "bob@example.com"}
    lenient_client = TestClient(failing_app, raise_server_exceptions=False)
    response = lenient_client.post("/register-lead", json=bob)
    print(response.status_code, response.json())
    #> 201 {'message': 'Lead bob registered'}
    # ...and the task queued after the failing one was skipped: still no mail for bob.
    print(outbox)
    #> ['to ann@example.com: Welcome, ann! (sent from a worker thread)']

    # The default TestClient re-raises the task's exception, so tests do notice it.
    try:
        TestClient(failing_app).post("/register-lead", json=bob)
    except ConnectionError as error:
        print("raised:", repr(error))
        #> raised: ConnectionError('CRM is unreachable')
# --8<-- [end:demo]
