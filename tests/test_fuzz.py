"""Every example app survives input nobody planned for.

schemathesis reads each snippet's OpenAPI schema and sends every operation at least
CASES_PER_OPERATION generated requests, valid ones and malformed ones (wrong types, missing
and extra fields, huge and unicode strings, broken bodies), in-process. Every response must be
free of server errors and match the status codes and schemas the app declares. The run is
derandomized, so CI sees the same cases every time.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conftest import load_snippet
from site_sources import DOCS, includes, pages, relative, snippet_modules

CASES_PER_OPERATION = 50

# The one list of exceptions: (snippet, check name) -> why. Each reason must also be written
# on the page that shows the snippet, so readers see the same caveat the tests accept.
EXCLUDED_CHECKS: dict[tuple[str, str], str] = {
    ("snippets/beginner/ex09_field_validation.py", "positive_data_acceptance"): (
        "a validator compares `sale_price` with `price`, which JSON Schema cannot express"
    ),
}


def operations():
    for snippet in snippet_modules():
        schema = schemathesis.openapi.from_asgi(
            "/openapi.json", load_snippet(snippet).app
        )
        for result in schema.get_all_operations():
            operation = result.ok()
            yield pytest.param(
                snippet,
                operation.method,
                operation.path,
                id=f"{relative(snippet)} {operation.label}",
            )


@pytest.mark.parametrize(("snippet", "method", "path"), list(operations()))
def test_operation_survives_generated_requests(snippet, method, path):
    schema = schemathesis.openapi.from_asgi("/openapi.json", load_snippet(snippet).app)
    operation = schema[path][method.upper()]
    excluded = [
        check
        for check in schemathesis.checks.CHECKS.get_all()
        if (relative(snippet), check.__name__) in EXCLUDED_CHECKS
    ]
    requests = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=CASES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=requests)
    def survives(case):
        case.call_and_validate(excluded_checks=excluded)

    survives()


def json_body_operations():
    for snippet in snippet_modules():
        app = load_snippet(snippet).app
        for path, methods in app.openapi().get("paths", {}).items():
            for method, operation in methods.items():
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" in content:
                    yield pytest.param(
                        snippet,
                        method,
                        path,
                        id=f"{relative(snippet)} {method.upper()} {path}",
                    )


@pytest.mark.parametrize(("snippet", "method", "path"), list(json_body_operations()))
def test_a_json_body_with_nan_is_a_client_error(snippet, method, path):
    """Python's JSON parser accepts the bare tokens NaN and Infinity, which strict JSON
    (and so FastAPI's 422 answer that echoes the input back) cannot write: unhandled, the
    client gets a 500. Example 8 shows the fix (its json_safe_errors section)."""
    url = re.sub(r"\{[^}]+\}", "1", path)
    client = TestClient(load_snippet(snippet).app, raise_server_exceptions=False)
    response = client.request(
        method, url, content=b"[NaN]", headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, (
        f"{relative(snippet)}: {method.upper()} {path} with a NaN in its JSON body answered "
        f"{response.status_code}"
    )


def test_every_excluded_check_is_explained_on_its_page():
    for (snippet, check), reason in EXCLUDED_CHECKS.items():
        showing = [
            page for page in pages() if any(i.target == snippet for i in includes(page))
        ]
        assert any(reason in page.read_text() for page in showing), (
            f"{snippet} skips the {check} fuzz check because {reason!r}; "
            f"say so on its page ({', '.join(relative(page) for page in showing) or DOCS})"
        )
