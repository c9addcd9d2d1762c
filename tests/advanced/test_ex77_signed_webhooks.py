"""What Example 77 claims beyond its prints, with real receivers on loopback: the receiver
accepts what the sender signed and nothing else (a changed byte, another secret, an old or
future time), compares in constant time and processes an event once; the sender retries
failures (500s, refused connections, timeouts) with delays that grow, each in its window,
signs each attempt afresh and gives up in the end; the guard refuses every private address
in every spelling, by default loopback too, connects to the address it checked (TLS still
verified against the name), never follows a redirect, and registration refuses private
literals without asking DNS. And the outline's sender: it signs bytes it does not send,
leaves its time unsigned, waits 1 s and 2 s (never 4 s) for everyone alike, and posts
anywhere."""

import asyncio
import hashlib
import hmac
import ipaddress
import json
import ssl
import subprocess
import threading
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace

import anyio.to_thread
import pytest
import uvicorn
from fastapi import Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from test_fuzz import same_cases_every_run, send_junk

from conftest import load_snippet, snippet_for
from transcripts import free_port, serve

EVENT = {"id": "evt_1", "type": "order.paid", "data": {"order": 42}}
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture
def example() -> ModuleType:
    """A fresh import for each test: receivers remember the events they processed."""
    return load_snippet(snippet_for(Path(__file__)))


@pytest.fixture
def loopback_allowed(example, monkeypatch):
    """The tests' receivers run on loopback, which the guard refuses by default."""
    monkeypatch.setattr(example, "ALLOWED_NETWORKS", LOOPBACK)


class Recorder:
    """An ASGI receiver that answers the given statuses in turn (the last one from then
    on) and keeps every request it got: headers and raw body."""

    def __init__(self, *statuses: int, headers: dict[str, str] | None = None):
        self.statuses = list(statuses) or [200]
        self.headers = headers or {}
        self.requests: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        self.requests.append((dict(request.headers), await request.body()))
        status = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
        await Response(status_code=status, headers=self.headers)(scope, receive, send)


def run(example, url, *, attempts=5, jitter=lambda: 0.5, client=None):
    """deliver() with recorded sleeps: (attempts it took or the exception, the waits)."""
    waits: list[float] = []

    async def sleep(seconds):
        waits.append(seconds)

    async def go():
        async with client or example.new_client() as http:
            return await example.deliver(
                http, url, example.SECRET, EVENT, attempts, sleep=sleep, jitter=jitter
            )

    try:
        return asyncio.run(go()), waits
    except (example.DeliveryFailed, example.TargetRefused) as failure:
        return failure, waits


def signed(example, body: bytes, timestamp: float | None = None, secret=None) -> dict:
    when = int(time.time() if timestamp is None else timestamp)
    return {"Webhook-Signature": example.sign(secret or example.SECRET, when, body)}


# ---------------------------------------------------------------- the receiver

BODY = json.dumps(EVENT).encode()


def post(client, body=BODY, headers=None):
    return client.post("/webhooks", content=body, headers=headers or {})


def test_the_receiver_accepts_what_the_sender_signed(example, client):
    response = post(client, headers=signed(example, BODY))
    assert response.json() == {"status": "processed"}
    assert example.processed == {"evt_1": {"order": 42}}


@pytest.mark.parametrize(
    "tamper",
    [
        "another body",
        "another secret",
        "the time changed",
        "no v1",
        "no t",
        "t not a number",
        "garbage",
        "empty",
    ],
)
def test_anything_but_the_senders_signature_is_refused(example, client, tamper):
    header = signed(example, BODY)["Webhook-Signature"]
    t, v1 = header.split(",")
    body = BODY
    if tamper == "another body":
        body = BODY.replace(b"42", b"43")
    elif tamper == "another secret":
        header = signed(example, BODY, secret=b"whsec_guessed")["Webhook-Signature"]
    elif tamper == "the time changed":
        header = f"t={int(t[2:]) + 1},{v1}"
    else:
        header = {
            "no v1": t,
            "no t": v1,
            "t not a number": f"t=soon,{v1}",
            "garbage": "sha256=abc",
            "empty": "",
        }[tamper]
    response = post(client, body, {"Webhook-Signature": header})
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad or stale signature"}
    assert example.processed == {}


def test_a_request_without_the_header_is_422(client):
    assert post(client).status_code == 422


@pytest.mark.parametrize(
    ("age", "accepted"), [(290, True), (310, False), (-310, False)]
)
def test_only_signatures_within_five_minutes_are_accepted(
    example, client, age, accepted
):
    """A delivery captured and replayed later carries its old time, which cannot be
    changed without the secret: past the tolerance it is refused (and from the future
    too)."""
    response = post(client, headers=signed(example, BODY, time.time() - age))
    assert (response.status_code == 200) is accepted


def test_the_signatures_are_compared_in_constant_time(example, client, monkeypatch):
    compared = []

    def compare_digest(a, b):
        compared.append((a, b))
        return hmac.compare_digest(a, b)

    spy = SimpleNamespace(new=hmac.new, compare_digest=compare_digest)
    monkeypatch.setattr(example, "hmac", spy)
    post(client, headers=signed(example, BODY))
    post(client, headers={"Webhook-Signature": f"t={int(time.time())},v1=00"})
    assert len(compared) == 2
    assert compared[1][1] == "00"


def test_an_event_is_processed_once_however_often_it_comes(example, client):
    first = post(client, headers=signed(example, BODY))
    again = post(client, headers=signed(example, BODY))
    other = json.dumps({**EVENT, "id": "evt_2"}).encode()
    third = post(client, other, signed(example, other))
    assert [r.json()["status"] for r in (first, again, third)] == [
        "processed",
        "duplicate",
        "processed",
    ]
    assert list(example.processed) == ["evt_1", "evt_2"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "x"}', b"\xff"])
def test_a_signed_body_that_is_not_an_event_is_400(example, client, body):
    response = post(client, body, signed(example, body))
    assert response.status_code == 400
    assert response.json() == {"detail": "Not an event"}


# ---------------------------------------------------------------- retries


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(
    example, loopback_allowed
):
    flaky = example.FailFirst(example.app, failures=2)
    with serve(flaky) as url:
        attempts, waits = run(
            example, url + "/webhooks", jitter=iter([0.3, 0.9]).__next__
        )
    assert attempts == 3
    assert flaky.calls == 3
    assert example.processed == {"evt_1": {"order": 42}}
    # Two waits, in the windows [0.5, 1) and [1, 2): the second is longer.
    assert waits == [0.5 + 0.3 * 0.5, 1 + 0.9 * 1]
    assert waits[0] < waits[1]


@pytest.mark.parametrize("jitters", [[0, 0, 0, 0], [0.999] * 4, [0.999, 0, 0.999, 0]])
def test_the_delays_grow_whatever_the_random_numbers(example, monkeypatch, jitters):
    async def always_500(*arguments):
        return 500

    monkeypatch.setattr(example, "post_to_public_address", always_500)
    failure, waits = run(example, "http://unused", jitter=iter(jitters).__next__)
    assert isinstance(failure, example.DeliveryFailed)
    assert len(waits) == 4  # five attempts, four waits between them
    for number, wait in enumerate(waits, start=1):
        cap = 2 ** (number - 1)
        assert cap / 2 <= wait < cap
    assert waits == sorted(waits)


def test_deliveries_that_fail_together_do_not_retry_together(example, monkeypatch):
    async def always_500(*arguments):
        return 500

    monkeypatch.setattr(example, "post_to_public_address", always_500)
    first_waits = []

    async def sleep(seconds):
        first_waits.append(seconds)

    async def twenty_deliveries():
        for _ in range(20):
            with pytest.raises(example.DeliveryFailed):
                await example.deliver(None, "http://unused", b"", EVENT, 2, sleep=sleep)

    asyncio.run(twenty_deliveries())
    assert all(0.5 <= wait < 1 for wait in first_waits)
    assert len(set(first_waits)) > 1  # spread over [0.5, 1), not all at one moment


def test_each_attempt_is_signed_at_its_own_time(example, loopback_allowed, monkeypatch):
    clock = iter([1000.0, 1100.0, 1200.0])
    monkeypatch.setattr(example, "time", SimpleNamespace(time=lambda: next(clock)))
    receiver = Recorder(500, 500, 200)
    with serve(receiver) as url:
        attempts, _ = run(example, url)
    assert attempts == 3
    signatures = [headers["webhook-signature"] for headers, _ in receiver.requests]
    assert [s.split(",")[0] for s in signatures] == ["t=1000", "t=1100", "t=1200"]
    body = receiver.requests[0][1]
    assert signatures[2] == example.sign(example.SECRET, 1200, body)


def test_a_refused_connection_is_retried_then_given_up(example, loopback_allowed):
    closed_port = free_port()  # nothing listens there
    failure, waits = run(example, f"http://127.0.0.1:{closed_port}/", attempts=3)
    assert isinstance(failure, example.DeliveryFailed)
    assert len(waits) == 2


def test_a_receiver_too_slow_to_answer_is_a_failed_attempt(
    example, loopback_allowed, monkeypatch
):
    monkeypatch.setattr(example, "TIMEOUT", 0.5)
    release = threading.Event()
    calls = []

    async def never_answers(scope, receive, send):
        if scope["type"] == "http":
            calls.append(1)
            await anyio.to_thread.run_sync(release.wait)

    with serve(never_answers) as url:
        failure, waits = run(example, url, attempts=2)
        release.set()
    # Both attempts ran out of time (a busy machine may not even have passed the
    # second request on yet): one wait between them, then DeliveryFailed.
    assert isinstance(failure, example.DeliveryFailed)
    assert len(waits) == 1
    assert 1 <= len(calls) <= 2


# ---------------------------------------------------------------- the guard


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # shared address space (carrier NAT)
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "ff0e::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:a00:1::",  # 6to4 around 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible, long deprecated
        "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
        "2001:db8::1",
    ],
)
def test_private_and_special_addresses_are_refused(example, address):
    assert example.refused(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(example, address):
    assert not example.refused(ipaddress.ip_address(address))


@pytest.fixture(scope="module")
def receiver():
    """One receiver on loopback for the tests that must never reach it."""
    recorder = Recorder()
    with serve(recorder) as url:
        yield recorder, url.rsplit(":", 1)[1]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "0",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
    ],
)
def test_every_spelling_of_loopback_is_refused_by_default(example, host, receiver):
    """With the real resolver (numbers and /etc/hosts: no DNS query leaves the machine),
    and no address allowed: the default refuses loopback."""
    assert example.ALLOWED_NETWORKS == ()
    recorder, port = receiver
    failure, waits = run(example, f"http://{host}:{port}/webhooks")
    assert isinstance(failure, example.TargetRefused)
    assert (recorder.requests, waits) == ([], [])  # never connected, never retried


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "file:///etc/passwd"])
def test_other_schemes_are_refused(example, url):
    failure, _ = run(example, url)
    assert isinstance(failure, example.TargetRefused)


def test_a_name_with_any_private_address_is_refused_before_connecting(
    example, monkeypatch
):
    async def resolve(host, port):
        return ["8.8.8.8", "10.0.0.1"]

    monkeypatch.setattr(example, "resolve", resolve)
    failure, _ = run(example, "https://hooks.example.test/")
    assert isinstance(failure, example.TargetRefused)


def test_the_connection_goes_to_the_address_that_was_checked(
    example, loopback_allowed, monkeypatch
):
    """The name is resolved once, by the guard; the client connects to the address the
    guard checked and sends the name as Host. (`.invalid` names never resolve: had the
    client looked the name up itself, it would have failed.)"""
    lookups = []

    async def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(example, "resolve", resolve)
    receiver = Recorder()
    with serve(receiver) as url:
        port = url.rsplit(":", 1)[1]
        attempts, _ = run(example, f"http://hooks.rebind.invalid:{port}/webhooks")
    assert attempts == 1
    assert lookups == ["hooks.rebind.invalid"]
    assert receiver.requests[0][0]["host"] == f"hooks.rebind.invalid:{port}"


def test_a_check_apart_from_the_connection_is_fooled(example):
    """The naive check asks the resolver, then lets the client look the name up again.
    Here the guard's resolver says a public address while the system's says loopback,
    as a DNS server that changes its answer (DNS rebinding) would."""
    internal = Recorder()

    async def public_answer(host, port):
        return ["93.184.215.14"]  # never connected to: the client resolves by itself

    example.ALLOWED_NETWORKS = ()  # the real default: loopback refused
    example.resolve = public_answer
    with serve(internal) as url:
        port = url.rsplit(":", 1)[1]

        async def go():
            async with example.new_client() as client:
                return await example.check_then_post(
                    client, f"http://localhost:{port}/admin", b"{}"
                )

        assert asyncio.run(go()) == 200
    assert len(internal.requests) == 1  # it reached the internal server


def test_the_naive_check_does_refuse_what_it_resolves_itself(example):
    async def go():
        async with example.new_client() as client:
            await example.check_then_post(client, "http://localhost:1/", b"{}")

    with pytest.raises(example.TargetRefused):
        asyncio.run(go())


def test_a_redirect_is_not_followed(example, loopback_allowed):
    inside = Recorder()
    with serve(inside) as inside_url:
        redirecting = Recorder(307, headers={"location": inside_url + "/admin"})
        with serve(redirecting) as url:
            failure, _ = run(example, url, attempts=2)
    assert isinstance(failure, example.DeliveryFailed)
    assert len(redirecting.requests) == 2
    assert inside.requests == []


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """Self-signed certificates for hooks.test and for other.test (openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    for name in ("hooks.test", "other.test"):
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                "-keyout", str(folder / f"{name}.key"),
                "-out", str(folder / f"{name}.crt"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return folder


def serve_tls(app, certificate: Path, key: Path):
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        log_level="critical",
        ssl_certfile=str(certificate),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, config.port


@pytest.mark.parametrize(
    ("served", "delivered"), [("hooks.test", 1), ("other.test", 0)]
)
def test_tls_is_verified_against_the_name_while_connecting_to_the_checked_address(
    example, loopback_allowed, monkeypatch, certificates, served, delivered
):
    async def resolve(host, port):
        return ["127.0.0.1"]

    monkeypatch.setattr(example, "resolve", resolve)
    receiver = Recorder()
    server, thread, port = serve_tls(
        receiver, certificates / f"{served}.crt", certificates / f"{served}.key"
    )
    trust = ssl.create_default_context(cafile=certificates / f"{served}.crt")
    try:
        client = example.httpx2.AsyncClient(
            verify=trust, trust_env=False, follow_redirects=False
        )
        result, _ = run(
            example, f"https://hooks.test:{port}/", attempts=1, client=client
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    # A certificate for another name fails the handshake: nothing is sent.
    assert len(receiver.requests) == delivered
    if delivered:
        assert result == 1
        assert receiver.requests[0][0]["host"] == f"hooks.test:{port}"
    else:
        assert isinstance(result, example.DeliveryFailed)


# ---------------------------------------------------------------- registration


@pytest.fixture
def registry(example) -> TestClient:
    return TestClient(example.registry)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001:8000/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0/",
        "http://%31%32%37.0.0.1/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://hooks.localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
    ],
)
def test_registration_refuses_private_literals_and_other_schemes(registry, url):
    response = registry.post("/webhook-endpoints", json={"url": url})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "url"]


def test_registration_accepts_a_public_address(registry):
    response = registry.post("/webhook-endpoints", json={"url": "http://8.8.8.8/hooks"})
    assert response.status_code == 201


def test_registration_accepts_a_name_without_asking_dns(example, registry, monkeypatch):
    async def no_dns(host, port):
        raise AssertionError("registration must not resolve names")

    monkeypatch.setattr(example, "resolve", no_dns)
    response = registry.post(
        "/webhook-endpoints", json={"url": "https://hooks.example.com/orders"}
    )
    assert response.status_code == 201
    endpoint = response.json()
    assert endpoint["url"] == "https://hooks.example.com/orders"
    assert endpoint["secret"].startswith("whsec_")
    assert example.endpoints[endpoint["id"]].secret == endpoint["secret"]


@pytest.mark.fuzz
def test_the_registry_survives_generated_requests(example):
    """test_fuzz.py fuzzes `app` (the receiver); the registry is fuzzed here."""
    import schemathesis
    from hypothesis import given
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", example.registry)
    # Pydantic's JSON Schema for a URL is any URI: it does not say http or https only,
    # nor public addresses only, so valid-looking URLs get a 422 by design.
    excluded = [
        check
        for check in schemathesis.checks.CHECKS.get_all()
        if check.__name__ == "positive_data_acceptance"
    ]
    operation = schema["/webhook-endpoints"]["POST"]
    requests = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @same_cases_every_run()
    @given(case=requests)
    def survives(case):
        case.call_and_validate(allow_redirects=False, excluded_checks=excluded)

    survives()
    with TestClient(example.registry, raise_server_exceptions=False) as client:
        send_junk(client, "post", "/webhook-endpoints", "registry")


# ---------------------------------------------------------------- the outline's sender


def naive_run(example, url, secret="s3cret"):
    waits: list[float] = []

    async def sleep(seconds):
        waits.append(seconds)

    return asyncio.run(example.naive_deliver(url, secret, EVENT, sleep=sleep)), waits


def test_the_outline_signs_bytes_it_does_not_send(example):
    receiver = Recorder()
    with serve(receiver) as url:
        assert naive_run(example, url)[0] is True
    headers, body = receiver.requests[0]
    sent = headers["x-webhook-signature"].removeprefix("sha256=")
    of_the_body = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sent != of_the_body  # a receiver that checks the bytes it got refuses it
    resorted = json.dumps(json.loads(body), sort_keys=True).encode()
    assert sent == hmac.new(b"s3cret", resorted, hashlib.sha256).hexdigest()


def test_the_outline_leaves_its_time_unsigned(example, monkeypatch):
    receiver = Recorder()
    with serve(receiver) as url:
        for now in (1000.0, 2000.0):
            monkeypatch.setattr(example, "time", SimpleNamespace(time=lambda n=now: n))
            naive_run(example, url)
    (first, _), (second, _) = receiver.requests
    assert first["x-webhook-timestamp"] != second["x-webhook-timestamp"]
    # Same signature: a captured request replays with any fresh timestamp.
    assert first["x-webhook-signature"] == second["x-webhook-signature"]


def test_the_outline_waits_1_and_2_seconds_the_same_for_everyone(example):
    receiver = Recorder(500)
    with serve(receiver) as url:
        results = [naive_run(example, url) for _ in range(3)]
    assert results == [(False, [1.0, 2.0])] * 3  # never the 4 s its comment promises
    assert len(receiver.requests) == 9


def test_the_outline_retries_a_refused_connection(example):
    assert naive_run(example, f"http://127.0.0.1:{free_port()}/") == (False, [1.0, 2.0])


def test_the_outline_posts_to_any_address(example):
    internal = Recorder()
    with serve(internal) as url:
        assert naive_run(example, url + "/admin")[0] is True
    assert len(internal.requests) == 1
