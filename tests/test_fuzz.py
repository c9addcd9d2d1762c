"""Every example app survives input nobody planned for.

schemathesis reads each snippet's OpenAPI schema and sends every operation at least
CASES_PER_OPERATION generated requests, valid ones and malformed ones (wrong types, missing
and extra fields, huge and unicode strings, broken bodies), in-process. Every response must be
free of server errors and match the status codes and schemas the app declares. The run is
derandomized, so CI sees the same cases every time.
"""

from __future__ import annotations

import functools
import re

import pytest
from fastapi.testclient import TestClient

from conftest import load_snippet
from site_sources import DOCS, app_modules, includes, pages, relative

pytestmark = pytest.mark.fuzz

CASES_PER_OPERATION = 50

# The one list of exceptions: (snippet, check name) -> why. Each reason must also be written
# on the page that shows the snippet, so readers see the same caveat the tests accept.
EXCLUDED_CHECKS: dict[tuple[str, str], str] = {
    ("snippets/beginner/ex08_request_body.py", "positive_data_acceptance"): (
        "Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits, so it describes prices the app refuses"
    ),
    ("snippets/beginner/hardening_json_input.py", "positive_data_acceptance"): (
        "Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits, so it describes prices the app refuses"
    ),
    ("snippets/beginner/ex09_field_validation.py", "positive_data_acceptance"): (
        "a validator compares `sale_price` with `price`, which JSON Schema cannot express, "
        "and Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits"
    ),
    ("snippets/beginner/ex10_nested_models.py", "positive_data_acceptance"): (
        "Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits, so it describes prices the app refuses"
    ),
    ("snippets/beginner/ex14_http_exception.py", "positive_data_acceptance"): (
        "Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits, so it describes prices the app refuses"
    ),
    ("snippets/beginner/ex15_validation_errors.py", "positive_data_acceptance"): (
        "Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits, so it describes prices the app refuses"
    ),
    ("snippets/beginner/ex17_file_uploads.py", "positive_data_acceptance"): (
        "a schema cannot say that a file must start with a PNG, JPEG or PDF signature"
    ),
    ("snippets/beginner/ex17_file_uploads.py", "negative_data_rejection"): (
        "in a multipart body every part is bytes, so a part holding a number is still a file"
    ),
    ("snippets/advanced/ex69_job_queue.py", "not_a_server_error"): (
        "the queue's backpressure answers a declared 503 with Retry-After when no worker "
        "can take a job, which a burst of generated reports reaches"
    ),
    ("snippets/beginner/ex24_background_tasks.py", "positive_data_acceptance"): (
        "email-validator also refuses reserved domains such as `.test`, which the email "
        "format of JSON Schema allows"
    ),
    ("snippets/intermediate/ex46_model_validators.py", "positive_data_acceptance"): (
        "a validator compares `check_out` with `check_in`, which JSON Schema cannot "
        "express, and Pydantic's JSON Schema for Money allows any string and leaves out "
        "its digit limits"
    ),
    ("snippets/advanced/ex73_graphql_strawberry.py", "positive_data_acceptance"): (
        "the GraphQL router's OpenAPI schema declares no request body, so a `POST` "
        "without one looks valid to it, and Strawberry answers `400`"
    ),
    ("snippets/advanced/ex73_graphql_strawberry.py", "content_type_conformance"): (
        "Strawberry's router documents its GraphiQL page at `GET /graphql` as JSON, "
        "though it answers HTML"
    ),
    ("snippets/intermediate/ex47_aliases_and_config.py", "positive_data_acceptance"): (
        "Pydantic's JSON Schema for Money allows any string and leaves out its digit "
        "limits, so it describes prices the app refuses"
    ),
    ("snippets/advanced/ex77_signed_webhooks.py", "positive_data_acceptance"): (
        "a schema cannot say which signatures are valid: only the holder of the secret "
        "can make one, and the receiver refuses every other with a 400"
    ),
    ("snippets/intermediate/ex50_cursor_pagination.py", "positive_data_acceptance"): (
        "a schema cannot say which strings are cursors this API issued: it allows any "
        "short string, and the app refuses every one it cannot decode"
    ),
}


@pytest.fixture(autouse=True)
def real_redis_for_snippets_that_read_it(request, monkeypatch):
    """A snippet that reads REDIS_URL gets the session's real Redis (tests/servers.py), as
    its own tests do: without it, its app could only answer its declared 503."""
    # Only the tests parametrized by snippet have a callspec.
    callspec = getattr(request.node, "callspec", None)
    snippet = callspec.params.get("snippet") if callspec else None
    if snippet and "REDIS_URL" in snippet.read_text():
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))


@pytest.fixture(autouse=True)
def cheapest_password_hashing(monkeypatch):
    """These tests judge how an app answers input, not how slow its password hash is. At
    Argon2's recommended cost every fuzzed login or sign-up hashes for tens of milliseconds
    of purpose-made work, 50 cases an operation; so while they run, the examples' pwdlib
    hashers (made when the snippet is imported, inside the test) use Argon2's cheapest
    parameters. The examples' own tests keep the real cost."""
    from pwdlib.hashers.argon2 import Argon2Hasher

    monkeypatch.setattr(
        Argon2Hasher,
        "__init__",
        functools.partialmethod(
            Argon2Hasher.__init__, time_cost=1, memory_cost=8, parallelism=1
        ),
    )


def same_cases_every_run():
    """Hypothesis settings for every fuzz test: CASES_PER_OPERATION cases, derandomized (CI
    sees the same cases as a laptop), no example database, no time limit per case."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=CASES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def operations(app) -> list[tuple[str, str, dict]]:
    """(method, path, description) of every operation in an app's OpenAPI schema."""
    return [
        (method, path, operation)
        for path, methods in app.openapi().get("paths", {}).items()
        for method, operation in methods.items()
    ]


def url_for(path: str) -> str:
    """A URL for an OpenAPI path, with 1 for every path parameter."""
    return re.sub(r"\{[^}]+\}", "1", path)


# Parametrized by snippet, not by operation, so that collecting the suite (and so running
# one example's tests) loads no app and imports no fuzzing library.
@pytest.mark.parametrize("snippet", app_modules(), ids=relative)
def test_every_operation_survives_generated_requests(snippet):
    import schemathesis
    from hypothesis import given
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    app = load_snippet(snippet).app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    excluded = [
        check
        for check in schemathesis.checks.CHECKS.get_all()
        if (relative(snippet), check.__name__) in EXCLUDED_CHECKS
    ]
    for method, path, _ in operations(app):
        operation = schema[path][method.upper()]
        requests = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @same_cases_every_run()
        @given(case=requests)
        def survives(case):
            case.call_and_validate(excluded_checks=excluded, allow_redirects=False)

        try:
            survives()
        except Exception as failure:
            failure.add_note(f"in {relative(snippet)}: {method.upper()} {path}")
            raise


@pytest.mark.parametrize("snippet", app_modules(), ids=relative)
def test_every_operation_survives_input_it_never_declared(snippet):
    """Undeclared query parameters (unicode, up to 2,000 characters), odd headers and body
    bytes nobody asked for. Schema-driven fuzzing cannot vary an operation that declares no
    input (it has one possible request); this gives every operation CASES_PER_OPERATION more."""
    app = load_snippet(snippet).app
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, _ in operations(app):
            send_junk(client, method, url_for(path), relative(snippet))


def send_junk(client: TestClient, method: str, url: str, where: str) -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    junk = st.fixed_dictionaries(
        {
            "params": st.dictionaries(
                st.text(min_size=1, max_size=20), st.text(max_size=2000), max_size=3
            ),
            "headers": st.dictionaries(
                st.sampled_from(
                    ["x-junk", "accept", "content-type", "cookie", "origin"]
                ),
                st.text(
                    st.characters(min_codepoint=32, max_codepoint=126), max_size=200
                ),
                max_size=3,
            ),
            "content": st.binary(max_size=2000),
        }
    )

    @same_cases_every_run()
    @given(request=junk)
    def survives(request):
        response = client.request(method, url, follow_redirects=False, **request)
        assert response.status_code < 500, (
            f"{where}: {method.upper()} {url} answered {response.status_code} to {request!r}"
        )

    survives()


@pytest.mark.parametrize("snippet", app_modules(), ids=relative)
def test_a_json_body_with_nan_is_a_client_error(snippet):
    """Python's JSON parser accepts the bare tokens NaN and Infinity, which strict JSON
    (and so FastAPI's 422 answer that echoes the input back) cannot write: unhandled, the
    client gets a 500. Example 8 shows the fix (its json_safe_errors section)."""
    app = load_snippet(snippet).app
    client = TestClient(app, raise_server_exceptions=False)
    for method, path, operation in operations(app):
        if "application/json" not in operation.get("requestBody", {}).get(
            "content", {}
        ):
            continue
        response = client.request(
            method,
            url_for(path),
            content=b"[NaN]",
            headers={"content-type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (
            f"{relative(snippet)}: {method.upper()} {path} with a NaN in its JSON body "
            f"answered {response.status_code}"
        )


def test_every_excluded_check_is_explained_on_its_page():
    for (snippet, check), reason in EXCLUDED_CHECKS.items():
        showing = [
            page for page in pages() if any(i.target == snippet for i in includes(page))
        ]
        # Prose wraps where it likes: compare words, not line breaks.
        assert any(reason in " ".join(page.read_text().split()) for page in showing), (
            f"{snippet} skips the {check} fuzz check because {reason!r}; "
            f"say so on its page ({', '.join(relative(page) for page in showing) or DOCS})"
        )
