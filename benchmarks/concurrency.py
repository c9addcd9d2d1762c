"""Three outbound calls at once with `asyncio.gather`, or one by one (Example 57).

    python benchmarks/concurrency.py               # 10 requests per row
    python benchmarks/concurrency.py --requests 30

Loads snippets/advanced/ex57_gather.py, whose lifespan serves the stand-in airlines
with uvicorn on a free loopback port (northwind 0.15 s, bluesky 0.1 s, slowair 0.2 s),
and times GET /fares for a flight every airline answers, on `app` (gather) and on
`sequential_app`.

Prints figures; it asserts nothing (timings are not tests). What the tests check
instead, with no clock: tests/advanced/test_ex57_gather.py (airlines that answer only
while three calls are in flight at once give `app` every fare, `sequential_app` none).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

SNIPPET = Path(__file__).resolve().parent.parent / "snippets/advanced/ex57_gather.py"
TRIP = {"origin": "AMS", "destination": "OPO"}


def load_example():
    spec = importlib.util.spec_from_file_location("ex57_gather", SNIPPET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_seconds(app, requests: int) -> float:
    with TestClient(app) as client:
        client.get("/fares", params=TRIP)  # connections opened, nothing imported late
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get("/fares", params=TRIP)
            times.append(time.perf_counter() - start)
            assert response.json()["missing"] == [], response.text
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10)
    arguments = parser.parse_args()
    example = load_example()
    delays = example.DELAYS.values()
    print(
        f"delays {sorted(delays)} s: sum {sum(delays):.2f} s, "
        f"longest {max(delays):.2f} s"
    )
    for name in ("sequential_app", "app"):
        seconds = median_seconds(getattr(example, name), arguments.requests)
        print(f"{name:<16} median {seconds:.3f} s over {arguments.requests} requests")


if __name__ == "__main__":
    main()
