# --8<-- [start:app]
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel


class User(BaseModel):
    username: str


SESSIONS: dict[str, User] = {}  # token -> user, filled by a login (Examples 30 and 31)
# HTTPBearer reads "Authorization: Bearer <token>", and answers 401 without one.
Credentials = Annotated[HTTPAuthorizationCredentials, Depends(HTTPBearer())]


def current_user(credentials: Credentials) -> User:
    if (user := SESSIONS.get(credentials.credentials)) is None:
        raise HTTPException(401, "Invalid token", {"WWW-Authenticate": "Bearer"})
    return user


def now() -> datetime:
    return datetime.now(UTC)


app = FastAPI()


@app.get("/greeting", responses={401: {"description": "No valid token"}})
def greeting(
    user: Annotated[User, Depends(current_user)],
    time: Annotated[datetime, Depends(now)],
):
    part = "morning" if time.hour < 12 else "afternoon" if time.hour < 18 else "evening"
    return {"message": f"Good {part}, {user.username}"}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    print(client.get("/greeting").status_code)  # nobody has logged in
    #> 401
    # Replace the two dependencies: a user, and a clock stopped at 9 o'clock.
    app.dependency_overrides[current_user] = lambda: User(username="ada")
    app.dependency_overrides[now] = lambda: datetime(2026, 1, 5, 9, tzinfo=UTC)
    print(client.get("/greeting").json())
    #> {'message': 'Good morning, ada'}
    app.dependency_overrides.clear()  # the real dependencies again
    print(client.get("/greeting").status_code)
    #> 401
    # --8<-- [end:demo]
