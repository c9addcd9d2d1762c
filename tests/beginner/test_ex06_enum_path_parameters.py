from enum import Enum

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

ALLOWED = "'day', 'week' or 'month'"


@pytest.mark.parametrize(
    ("period", "days"),
    [("day", 1), ("week", 7), ("month", 30)],
)
def test_each_member_is_served_and_written_back_as_its_value(client, period, days):
    response = client.get(f"/reports/{period}")
    assert response.status_code == 200
    report = response.json()
    assert (report["period"], report["days"]) == (period, days)
    assert report["title"] == f"Sales per {period}"
    assert ("note" in report) == (period == "month")


@pytest.mark.parametrize("period", ["year", "Week", "WEEK", "week ", "week.", "1"])
def test_anything_else_is_422_listing_the_allowed_values(client, period):
    response = client.get(f"/reports/{period}")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "enum",
                "loc": ["path", "period"],
                "msg": f"Input should be {ALLOWED}",
                "input": period,
                "ctx": {"expected": ALLOWED},
            }
        ]
    }


def test_the_handler_receives_the_enum_member(example, client, monkeypatch):
    (route,) = [
        r for r in example.app.routes if getattr(r, "path", "") == "/reports/{period}"
    ]
    received = []
    monkeypatch.setattr(
        route.dependant, "call", lambda **kwargs: received.append(kwargs) or {}
    )
    client.get("/reports/week")
    assert received == [{"period": example.Period.week}]
    assert received[0]["period"] is example.Period.week


def test_schema_lists_the_allowed_values(client):
    schema = client.get("/openapi.json").json()
    (parameter,) = schema["paths"]["/reports/{period}"]["get"]["parameters"]
    assert parameter["schema"] == {"$ref": "#/components/schemas/Period"}
    assert schema["components"]["schemas"]["Period"]["enum"] == ["day", "week", "month"]


def test_str_mixin_equals_strings_and_a_plain_enum_does_not(example):
    class Plain(Enum):
        week = "week"

    assert example.Period.week == "week"
    assert Plain.week != "week"
    assert Plain.week == Plain.week  # member comparison needs no str mixin


def test_a_str_enum_mixin_works_the_same_in_fastapi_but_prints_its_name():
    """The page's note: older code's `class Period(str, Enum)` is served the same way, and
    str() and f-strings of its members name the member instead of giving the value."""

    class Period(str, Enum):  # noqa: UP042 (the older form, on purpose)
        day = "day"
        week = "week"

    app = FastAPI()

    @app.get("/reports/{period}")
    def get_report(period: Period):
        return {"period": period, "is_member": period is Period.week}

    client = TestClient(app)
    assert client.get("/reports/week").json() == {"period": "week", "is_member": True}
    assert client.get("/reports/year").json()["detail"][0]["type"] == "enum"
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Period"]
    assert schema == {"type": "string", "enum": ["day", "week"], "title": "Period"}
    assert str(Period.week) == f"{Period.week}" == "Period.week"


def test_a_strenum_member_prints_its_value(example):
    member = example.Period.week
    assert str(member) == f"{member}" == "week"
