"""What Example 62 claims beyond its prints: series are labelled by route template, so
neither item ids, made-up paths nor made-up methods add series; every request is counted,
a crash too; and with several worker processes (real ones: `fastapi run --workers 2`, and
Gunicorn with the example's config) every scrape reports every request, whichever worker
answered it and whichever answers the scrape, a killed worker's counts included. Without
the multiprocess directory, or with prometheus_client imported too early in Gunicorn's
master, it does not."""

import os
import random
import signal
import socket
import string
import threading
import time
from pathlib import Path

import httpx2
import prometheus_client
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import multiprocess
from prometheus_client.parser import text_string_to_metric_families
from real_servers import server, wait_for_log

from conftest import load_snippet
from site_sources import REPO
from transcripts import serve

SNIPPET = "snippets/advanced/ex62_prometheus_metrics.py"
MODULE = "snippets.advanced.ex62_prometheus_metrics"
CONF = "snippets/advanced/ex62_gunicorn_conf.py"
ITEMS = ("http_requests_total", (("method", "GET"), ("route", "/items/{item_id}")))


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """A scrape, parsed: (sample name, its labels but `status`, sorted) -> value,
    statuses added up."""
    found: dict[tuple[str, tuple], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(
                sorted((k, v) for k, v in sample.labels.items() if k != "status")
            )
            key = (sample.name, labels)
            found[key] = found.get(key, 0) + sample.value
    return found


def scrape(base_url: str) -> dict[tuple[str, tuple], float]:
    response = httpx2.get(f"{base_url}/metrics", headers={"Connection": "close"})
    assert response.status_code == 200
    return samples(response.text)


def get_items(base_url: str, count: int) -> None:
    """Each request on a new connection, so that the kernel hands each one to whichever
    worker accepts it first."""
    for item_id in range(count):
        response = httpx2.get(
            f"{base_url}/items/{item_id}", headers={"Connection": "close"}, timeout=10
        )
        assert response.status_code == 200


def counts_per_worker(folder: Path) -> dict[int, float]:
    """What each worker's own counter file holds for the items route: pid -> count."""
    per_worker = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        merged = samples_of(multiprocess.MultiProcessCollector.merge([str(path)]))
        per_worker[pid] = merged.get(ITEMS, 0)
    return per_worker


def counts_once_written(folder: Path, sent: int) -> dict[int, float]:
    """counts_per_worker, once the workers have counted all `sent` requests: a worker counts
    a request after its response has gone, so the client can read the files first."""
    deadline = time.monotonic() + 10
    while sum((per_worker := counts_per_worker(folder)).values()) < sent:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return per_worker


def samples_of(metrics) -> dict[tuple[str, tuple], float]:
    found: dict[tuple[str, tuple], float] = {}
    for metric in metrics:
        for sample in metric.samples:
            labels = tuple(
                sorted((k, v) for k, v in sample.labels.items() if k != "status")
            )
            key = (sample.name, labels)
            found[key] = found.get(key, 0) + sample.value
    return found


@pytest.fixture
def example():
    """Overrides the module-wide fixture: every test counts from zero."""
    return load_snippet(REPO / SNIPPET)


# One process: the labels.


def test_a_series_per_route_template_not_per_url(client):
    for item_id in range(50):
        client.get(f"/items/{item_id}")
    found = samples(client.get("/metrics").text)
    assert found[ITEMS] == 50
    duration = (("route", "/items/{item_id}"),)
    assert found[("http_request_duration_seconds_count", duration)] == 50
    assert found[("http_request_duration_seconds_sum", duration)] > 0
    buckets = [
        value
        for (name, labels), value in found.items()
        if name == "http_request_duration_seconds_bucket"
        and ("route", "/items/{item_id}") in labels
    ]
    assert buckets == sorted(buckets) and buckets[-1] == 50  # cumulative, +Inf = all


def test_made_up_paths_and_methods_add_no_series(client):
    draw = random.Random(62)
    for _ in range(200):
        path = "/" + "".join(draw.choices(string.ascii_letters + "/.-", k=20))
        method = "".join(draw.choices(string.ascii_uppercase, k=8))
        client.get(path)
        client.request(method, "/items/1")
    series = {
        labels
        for (name, labels) in samples(client.get("/metrics").text)
        if name == "http_requests_total"
    }
    assert series == {
        (("method", "GET"), ("route", "(unmatched)")),
        (("method", "(other)"), ("route", "/items/{item_id}")),
    }


def test_a_request_that_crashes_is_counted_as_a_500(example):
    @example.app.get("/crash")
    async def crash():
        raise RuntimeError("boom")

    client = TestClient(example.app, raise_server_exceptions=False)
    assert client.get("/crash").status_code == 500
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/crash",status="500"} 1.0' in text


def test_the_scrape_is_the_current_text_format_and_not_in_the_api_schema(client):
    response = client.get("/metrics")
    assert (
        response.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"
    )
    assert prometheus_client.CONTENT_TYPE_LATEST == response.headers["content-type"]
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_the_in_progress_gauge_counts_the_request_being_answered(client):
    found = samples(client.get("/metrics").text)
    assert found[("http_requests_in_progress", ())] == 1  # the scrape itself


# Several worker processes.


def test_in_multiprocess_mode_the_scrape_adds_up_the_folders_files(
    tmp_path, monkeypatch
):
    """In this process: two workers' counter files, written the way prometheus-client
    writes them, and the example's /metrics reports their sum."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    labels = ("GET", "/items/{item_id}", "200")
    for pid, count in ((4101, 7), (4102, 5)):
        value_class = prometheus_client.values.MultiProcessValue(lambda pid=pid: pid)
        names = ("method", "route", "status")
        value = value_class(
            "counter", "http_requests", "http_requests_total", names, labels, "Requests"
        )
        value.inc(count)
    app = load_snippet(REPO / SNIPPET).app
    assert samples(TestClient(app).get("/metrics").text)[ITEMS] == 12


def test_with_the_directory_every_scrape_counts_every_workers_requests(tmp_path):
    """`fastapi run --workers 2`, with PROMETHEUS_MULTIPROC_DIR set to an empty folder as
    a start script would: requests are sent until both workers have answered some (each
    worker's own file says how many), and every scrape, whichever worker answers it,
    reports all of them."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with server(["fastapi", "run", SNIPPET, "--workers", "2"], env) as running:
        sent = 0
        while sent < 400:
            get_items(running.base_url, 20)
            sent += 20
            per_worker = counts_once_written(folder, sent)
            if len(per_worker) == 2 and all(per_worker.values()):
                break
        assert len(per_worker) == 2 and all(per_worker.values())  # both answered
        assert sum(per_worker.values()) == sent
        for _ in range(6):
            assert scrape(running.base_url)[ITEMS] == sent


def test_without_the_directory_a_scrape_sees_one_workers_share():
    """The outline's setup: each worker counts in its own memory, and a scrape reports
    the worker that happens to answer it. Two workers: two different answers, which add
    up to the requests sent (however the kernel shared them out). An odd number, so that
    the two shares always differ: with 20 and 20 both would answer 20."""
    with server(["fastapi", "run", SNIPPET, "--workers", "2"]) as running:
        get_items(running.base_url, 41)
        seen = set()
        for _ in range(200):
            seen.add(scrape(running.base_url).get(ITEMS, 0))
            if len(seen) == 2:
                break
    assert len(seen) == 2
    assert sum(seen) == 41


SLOW_APP = """
import asyncio

from snippets.advanced.ex62_prometheus_metrics import app


@app.get("/slow")
async def slow():
    await asyncio.sleep(60)
"""


def test_gunicorn_keeps_a_killed_workers_counts_and_forgets_its_gauge(tmp_path):
    """A worker killed with SIGKILL while answering: Gunicorn's master runs child_exit,
    mark_process_dead removes the worker's live gauge file, the counts it made stay, and a
    new worker takes its place."""
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    argv = ["gunicorn", "slow_app:app", "-c", CONF, "--pythonpath", str(tmp_path)]
    with server(argv) as running:
        base_url = running.base_url
        folder = Path(metrics_folder(base_url))
        get_items(base_url, 20)
        counted = scrape(base_url)[ITEMS]
        slow = threading.Thread(target=call_slow, args=(base_url,), daemon=True)
        slow.start()
        busy = wait_for_in_progress(folder)
        os.kill(busy, signal.SIGKILL)
        slow.join(timeout=30)
        wait_until_gone(folder / f"gauge_livesum_{busy}.db")
        assert (folder / f"counter_{busy}.db").exists()
        after = scrape(base_url)
        assert after[ITEMS] == counted  # the killed worker's counts are still there
        assert after[("http_requests_in_progress", ())] == 1  # only this scrape
        assert len(list(folder.glob("gauge_livesum_*.db"))) >= 1


def metrics_folder(base_url: str) -> str:
    """The folder on_starting made: the only prometheus folder a worker's process has
    open, read from /proc."""
    response = httpx2.get(f"{base_url}/items/0", headers={"Connection": "close"})
    assert response.status_code == 200
    folders = {
        os.path.dirname(os.path.realpath(link))
        for pid in child_pids()
        for link in Path(f"/proc/{pid}/fd").iterdir()
        if "metrics-" in os.path.realpath(link)
    }
    assert len(folders) == 1, folders
    return folders.pop()


def child_pids() -> list[int]:
    """Every process whose command line names slow_app: the Gunicorn master's workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"slow_app:app" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def call_slow(base_url: str) -> None:
    try:
        httpx2.get(f"{base_url}/slow", timeout=60)
    except httpx2.HTTPError:
        pass  # its worker is killed: the connection drops


def wait_for_in_progress(folder: Path) -> int:
    """The pid of the worker whose live gauge shows a request in progress."""
    for _ in range(600):
        for path in folder.glob("gauge_livesum_*.db"):
            merged = samples_of(multiprocess.MultiProcessCollector.merge([str(path)]))
            if merged.get(("http_requests_in_progress", ()), 0) >= 1:
                return int(path.stem.removeprefix("gauge_livesum_"))
        threading.Event().wait(0.05)
    raise AssertionError("no worker shows the slow request in progress")


def wait_until_gone(path: Path) -> None:
    for _ in range(600):
        if not path.exists():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"{path.name} is still there: child_exit did not run")


def test_uvicorn_keeps_a_killed_workers_gauge(tmp_path):
    """Under `fastapi run --workers 2` nothing calls mark_process_dead: a worker killed
    while answering is replaced, its counts stay, and so does its in-progress 1."""
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(REPO)}
    argv = ["fastapi", "run", str(tmp_path / "slow_app.py"), "--workers", "2"]
    with server(argv, env) as running:
        get_items(running.base_url, 20)
        counted = scrape(running.base_url)[ITEMS]
        slow = threading.Thread(target=call_slow, args=(running.base_url,), daemon=True)
        slow.start()
        busy = wait_for_in_progress(folder)
        os.kill(busy, signal.SIGKILL)
        slow.join(timeout=30)
        wait_for_log(running, "Application startup complete", 3)  # the replacement
        after = scrape(running.base_url)
        assert after[ITEMS] == counted
        assert after[("http_requests_in_progress", ())] == 2  # 1 of them is stale


EARLY_IMPORT = """
from prometheus_client import multiprocess  # too early: before on_starting

exec(open("snippets/advanced/ex62_gunicorn_conf.py").read())
"""
PRELOAD = """
exec(open("snippets/advanced/ex62_gunicorn_conf.py").read())
preload_app = True  # the app, and prometheus_client, imported in the master
"""


def test_prometheus_client_imported_in_gunicorns_master_too_early_counts_nothing(
    tmp_path,
):
    """The trap the config's comment names: imported at the top of the config, in the
    master before on_starting sets the variable, prometheus_client stays in one-process
    mode in every forked worker, writes no files, and the scrape finds nothing."""
    conf = tmp_path / "early_conf.py"
    conf.write_text(EARLY_IMPORT)
    with server(["gunicorn", f"{MODULE}:app", "-c", str(conf)]) as running:
        get_items(running.base_url, 20)
        assert ITEMS not in scrape(running.base_url)


def test_with_preload_app_each_worker_reports_its_own_share(tmp_path):
    """preload_app imports the app in the master before on_starting: it never sees the
    variable, so it scrapes its own memory, and each worker knows only its share."""
    conf = tmp_path / "preload_conf.py"
    conf.write_text(PRELOAD)
    with server(["gunicorn", f"{MODULE}:app", "-c", str(conf)]) as running:
        get_items(running.base_url, 20)
        shares = {scrape(running.base_url).get(ITEMS, 0) for _ in range(10)}
    assert all(share < 20 for share in shares)


# The config's hooks, in this process.


def test_the_config_gives_each_run_an_empty_folder_and_removes_it(monkeypatch):
    conf = load_snippet(REPO / CONF)
    assert conf.workers == 2
    assert conf.worker_class == "uvicorn_worker.UvicornWorker"
    # Set first, so that the test's end restores the environment (on_starting sets it).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    conf.on_starting(None)
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert folder.is_dir() and not any(folder.iterdir())
    conf.on_starting(None)  # the next run: another empty folder
    assert Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) != folder
    folder.rmdir()
    (Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) / "gauge_livesum_41.db").touch()
    (Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) / "counter_41.db").touch()

    class Worker:
        pid = 41

    conf.child_exit(None, Worker())
    remaining = {p.name for p in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).iterdir()}
    assert remaining == {"counter_41.db"}  # a counter is never forgotten
    last = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    conf.on_exit(None)
    assert not last.exists()


# Outside the app: prometheus_client's own ASGI app, and the outline's middleware.


def test_prometheus_clients_asgi_app_fails_on_an_accept_header_that_is_not_utf8():
    """Why the example serves /metrics from a route: make_asgi_app decodes request headers
    as UTF-8, so one byte from a client turns its answer into a 500. On a real server."""
    app = FastAPI()
    app.mount("/metrics", prometheus_client.make_asgi_app())

    @app.get("/ours")
    def ours():  # the example's way, for comparison
        return None

    with serve(app) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        assert raw_get(port, "/metrics/", b"text/\xffplain").startswith(b"HTTP/1.1 500")
        assert raw_get(port, "/metrics/", b"text/plain").startswith(b"HTTP/1.1 200")


def test_the_examples_metrics_route_takes_any_accept_header(example):
    with serve(example.app) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        assert raw_get(port, "/metrics", b"text/\xffplain").startswith(b"HTTP/1.1 200")


def raw_get(port: int, path: str, accept: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
            + b"Accept: "
            + accept
            + b"\r\n\r\n"
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_the_outlines_labels_make_a_series_per_url(example):
    naive = TestClient(example.naive_app)
    for item_id in range(300):
        naive.get(f"/items/{item_id}")
    series = [
        name
        for (name, _) in samples(
            prometheus_client.generate_latest(example.naive_registry).decode()
        )
        if name == "naive_requests_total"
    ]
    assert len(series) == 300


def test_the_outlines_middleware_misses_crashes_and_leaks_its_gauge(example):
    @example.naive_app.get("/crash")
    async def crash():
        raise RuntimeError("boom")

    naive = TestClient(example.naive_app, raise_server_exceptions=False)
    assert naive.get("/crash").status_code == 500
    found = samples(prometheus_client.generate_latest(example.naive_registry).decode())
    assert not any("/crash" in str(labels) for (_, labels) in found)  # never counted
    assert found[("naive_requests_active", ())] == 1  # and "in flight" forever
