# --8<-- [start:app]
from enum import StrEnum

from fastapi import FastAPI

app = FastAPI()


class Period(StrEnum):
    day = "day"
    week = "week"
    month = "month"


DAYS = {Period.day: 1, Period.week: 7, Period.month: 30}


@app.get("/reports/{period}")
def get_report(period: Period):
    # period is a Period member, never an arbitrary string.
    report = {
        "period": period,  # written to JSON as its value, "day", "week" or "month"
        "days": DAYS[period],
        "title": f"Sales per {period.value}",  # .value: the plain string
    }
    if period is Period.month:  # members are singletons: compare them with `is`
        report["note"] = "A month counts as 30 days."
    return report


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    print(client.get("/reports/week").json())
    #> {'period': 'week', 'days': 7, 'title': 'Sales per week'}

    # Anything else, even another letter case, is refused with the allowed values.
    response = client.get("/reports/year")
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Input should be 'day', 'week' or 'month'
    print(client.get("/reports/Week").status_code)
    #> 422

    # The OpenAPI schema lists the allowed values, and /docs shows them.
    print(client.get("/openapi.json").json()["components"]["schemas"]["Period"])
    #> {'type': 'string', 'enum': ['day', 'week', 'month'], 'title': 'Period'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The handler receives a Period member: `period is Period.month` adds the note.
    print(client.get("/reports/month").json())
    '''
    {
        'period': 'month',
        'days': 30,
        'title': 'Sales per month',
        'note': 'A month counts as 30 days.',
    }
    '''
    # --8<-- [end:more]

    # --8<-- [start:mixin]
    from enum import Enum

    # What StrEnum adds: a member is a str and equals its plain string...
    print(Period.week == "week", isinstance(Period.week, str))
    #> True True

    # ...which a plain Enum member does not, though it equals itself all the same.
    class Color(Enum):
        red = "red"

    print(Color.red == "red", Color.red == Color.red)
    #> False True

    # str() and f-strings give the value, as for any string.
    print(str(Period.week), f"{Period.week}", Period.week.value)
    #> week week week
# --8<-- [end:mixin]
