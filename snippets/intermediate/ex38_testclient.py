# --8<-- [start:app]
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field


class NewTodo(BaseModel):
    title: str = Field(min_length=1, max_length=100)


class Todo(NewTodo):
    id: int


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield {"todos": []}  # a new, empty list each time the app starts (Example 40)


app = FastAPI(lifespan=lifespan)


@app.post("/todos", status_code=201, responses={400: {"description": "Unreadable"}})
async def add_todo(new: NewTodo, request: Request) -> Todo:
    request.state.todos.append(Todo(id=len(request.state.todos) + 1, title=new.title))
    return request.state.todos[-1]


@app.get("/todos/{todo_id}", responses={404: {"description": "No such to-do"}})
async def read_todo(todo_id: int, request: Request) -> Todo:
    if not 1 <= todo_id <= len(request.state.todos):
        raise HTTPException(status_code=404, detail="No such to-do")
    return request.state.todos[todo_id - 1]


# --8<-- [end:app]


# --8<-- [start:json_safe_errors]
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    # "input" and "ctx" are left out: they can hold NaN or raw bytes, which JSON cannot write.
    errors = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


# --8<-- [end:json_safe_errors]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    for _ in range(2):  # each `with` runs the lifespan: a new, empty list each time
        with TestClient(app) as client:
            print(client.post("/todos", json={"title": "Write tests"}).json())
            #> {'title': 'Write tests', 'id': 1}
            #> {'title': 'Write tests', 'id': 1}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import asyncio

    # Without `with`, the lifespan never runs: there is no list, and the request fails.
    # TestClient raises the app's exception in the test instead of answering 500...
    try:
        TestClient(app).get("/todos/1")
    except AttributeError as error:
        print("AttributeError:", error)
        #> AttributeError: 'State' object has no attribute 'todos'
    # ...unless told not to: then it returns the 500 that a real client would get.
    print(TestClient(app, raise_server_exceptions=False).get("/todos/1").status_code)
    #> 500

    # The app runs on an event loop of its own, in another thread. Without `with`,
    # every request starts a new one; with it, all requests share one, as on a server.
    probe = FastAPI()
    loops = []  # the loop that ran each request (kept, so that no two share an id)

    @probe.get("/loop")
    async def record_loop():
        loops.append(asyncio.get_running_loop())

    without = TestClient(probe)
    for _ in range(3):
        without.get("/loop")
    with TestClient(probe) as client:
        for _ in range(3):
            client.get("/loop")
    print("without with:", len(set(loops[:3])), "loops; with:", len(set(loops[3:])))
    #> without with: 3 loops; with: 1
# --8<-- [end:more]
