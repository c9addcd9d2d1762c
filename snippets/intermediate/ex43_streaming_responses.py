# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:app]
import asyncio
from collections.abc import AsyncIterable
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()

SALES = {2025: ["1200.50", "980.00", "1430.25", "1610.00"]}  # totals per quarter


class Quarter(BaseModel):
    quarter: int
    total: Decimal


def sales_of(year: int) -> list[str]:
    # Runs before the first byte is sent: the answer can still be a 404.
    if year not in SALES:
        raise HTTPException(404, "No sales recorded for that year")
    return SALES[year]


@app.get("/sales/{year}", responses={404: {"description": "No sales that year"}})
async def sales_by_quarter(
    totals: Annotated[list[str], Depends(sales_of)],
) -> AsyncIterable[Quarter]:
    for number, total in enumerate(totals, start=1):
        await asyncio.sleep(0.3)  # stands in for a slow query
        yield Quarter(quarter=number, total=Decimal(total))  # sent as one JSON line


# --8<-- [end:app]


# --8<-- [start:csv]
from fastapi.responses import StreamingResponse

CATALOGUE_ROWS = 10_000


class CSVResponse(StreamingResponse):
    media_type = "text/csv"


@app.get("/catalogue.csv", response_class=CSVResponse)
async def export_catalogue() -> AsyncIterable[str]:
    yield "id,name\r\n"
    for first in range(1, CATALOGUE_ROWS + 1, 1000):  # a page of rows per piece
        last = min(first + 1000, CATALOGUE_ROWS + 1)
        yield "".join(f"{n},Item {n}\r\n" for n in range(first, last))


# --8<-- [end:csv]


# --8<-- [start:mid_stream_error]
# Checking inside the generator is too late: by the first yield, the client has a 200.
late_check_app = FastAPI()


@late_check_app.get("/sales/{year}")
async def sales_checked_too_late(year: int) -> AsyncIterable[Quarter]:
    yield Quarter(quarter=1, total=Decimal("1200.50"))
    if year not in SALES:
        raise HTTPException(404, "No sales recorded for that year")  # too late
    yield Quarter(quarter=2, total=Decimal("980.00"))


# --8<-- [end:mid_stream_error]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    with client.stream("GET", "/sales/2025") as response:
        lines = list(response.iter_lines())
    print(response.headers["content-type"], len(lines), "lines, the first:", lines[0])
    #> application/jsonl 4 lines, the first: {"quarter":1,"total":"1200.50"}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The download: 10,000 rows, sent a page at a time.
    with client.stream("GET", "/catalogue.csv") as response:
        pieces = [len(piece) for piece in response.iter_raw()]
    print(len(pieces), "pieces,", sum(pieces), "bytes")
    #> 11 pieces, 157797 bytes

    # The dependency refused before anything was sent: a real 404.
    print(client.get("/sales/1999").json())
    #> {'detail': 'No sales recorded for that year'}

    # A check inside the generator, after the first yield: the status is 200, and the
    # body simply stops. The client cannot tell it from a dropped connection.
    late = TestClient(late_check_app, raise_server_exceptions=False)
    response = late.get("/sales/1999")
    print(response.status_code, response.text.splitlines())
    #> 200 ['{"quarter":1,"total":"1200.50"}']

    # Every item is checked against the declared type, and the schema says so.
    schema = client.get("/openapi.json").json()
    print(schema["paths"]["/sales/{year}"]["get"]["responses"]["200"]["content"])
    #> {'application/jsonl': {'itemSchema': {'$ref': '#/components/schemas/Quarter'}}}
# --8<-- [end:more]
