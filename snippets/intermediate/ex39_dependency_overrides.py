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

    # A user without a login, and a clock stopped at 9 in the morning.
    app.dependency_overrides[current_user] = lambda: User(username="ada")
    app.dependency_overrides[now] = lambda: datetime(2026, 1, 5, 9, tzinfo=UTC)
    print(TestClient(app).get("/greeting").json())
    #> {'message': 'Good morning, ada'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import re

    app.dependency_overrides.clear()  # the real dependencies again: nobody logged in
    print(TestClient(app).get("/greeting").status_code)
    #> 401
    # A real login would fill SESSIONS; the greeting then follows the real clock
    # (the hour is masked here, so that the output is the same at any time of day).
    SESSIONS["a-long-random-token"] = User(username="bob")
    headers = {"Authorization": "Bearer a-long-random-token"}
    message = TestClient(app).get("/greeting", headers=headers).json()["message"]
    print(re.sub("morning|afternoon|evening", "<part of the day>", message))
    #> Good <part of the day>, bob
# --8<-- [end:more]
