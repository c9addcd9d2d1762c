"""What Example 73 claims beyond its prints: context from a FastAPI dependency, errors in a
200, the depth limit refusing before any resolver runs, what the hardened and trusted apps
refuse, GraphiQL's CDN, what the outline's code does on Strawberry 0.341, and that no
malformed or generated GraphQL request gets a 5xx."""

import re

import pytest
import strawberry
from fastapi.testclient import TestClient
from strawberry.fastapi import GraphQLRouter

ALICE = {"X-API-Key": "alice-demo-key"}
ADD = 'mutation { addBook(title: "Kindred", author: "Octavia E. Butler") { title } }'


def nested(levels: int) -> str:
    return "{ books { " + "bySameAuthor { " * levels + "title" + " }" * levels + " } }"


@pytest.fixture(autouse=True)
def fresh_books(example, monkeypatch):
    monkeypatch.setattr(example, "BOOKS", list(example.BOOKS))


def ask(client, query, headers=None, **body):
    return client.post("/graphql", json={"query": query, **body}, headers=headers)


def messages(response) -> list[str]:
    return [error["message"] for error in response.json().get("errors", [])]


def test_the_context_comes_from_a_fastapi_dependency(client, example):
    refused = ask(client, ADD)
    assert refused.status_code == 200
    assert refused.json()["data"] is None
    assert messages(refused) == ["Send an API key to add books"]
    assert len(example.BOOKS) == 3
    added = ask(client, ADD, ALICE)
    assert added.json() == {"data": {"addBook": {"title": "Kindred"}}}
    assert example.BOOKS[-1] == example.Book(
        title="Kindred", author="Octavia E. Butler"
    )
    # A wrong key is refused by the dependency itself, with HTTP's own 401.
    wrong = ask(client, "{ books { title } }", {"X-API-Key": "wrong"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "APIKey"


def test_the_depth_limit_refuses_before_any_resolver_runs(client, example, monkeypatch):
    assert "errors" not in ask(client, nested(3)).json()

    class Counted(list):
        reads = 0

        def __iter__(self):
            Counted.reads += 1
            return super().__iter__()

    monkeypatch.setattr(example, "BOOKS", Counted(example.BOOKS))
    for levels in [4, 10, 100]:
        response = ask(client, nested(levels))
        assert response.status_code == 200
        assert response.json()["data"] is None
        assert messages(response) == [
            "'anonymous' exceeds maximum operation depth of 4"
        ]
    assert Counted.reads == 0


def test_the_depth_limit_counts_fragments_too(client):
    fragment = "fragment Deep on Book { bySameAuthor { bySameAuthor { title } } }"
    query = "{ books { bySameAuthor { bySameAuthor { ...Deep } } } } " + fragment
    assert messages(ask(client, query)) == [
        "'anonymous' exceeds maximum operation depth of 4"
    ]


def test_a_depth_limit_does_not_bound_breadth(client):
    wide = "{ " + " ".join(f"copy{n}: books {{ title }}" for n in range(50)) + " }"
    assert len(ask(client, wide).json()["data"]) == 50


def test_batches_are_refused(client):
    response = client.post("/graphql", json=[{"query": "{ books { title } }"}] * 2)
    assert response.status_code == 400
    assert response.text == "Batching is not enabled"


# What the hardened app adds


@pytest.fixture
def hardened(example):
    return TestClient(example.hardened_app)


def test_aliases_and_tokens_are_limited(hardened):
    five = "{ " + " ".join(f"a{n}: books {{ title }}" for n in range(5)) + " }"
    assert "errors" not in ask(hardened, five).json()
    six = "{ " + " ".join(f"a{n}: books {{ title }}" for n in range(6)) + " }"
    assert messages(ask(hardened, six)) == ["6 aliases found. Allowed: 5"]
    long = "{ books { " + "title " * 200 + "} }"
    assert messages(ask(hardened, long)) == [
        "Syntax Error: Document contains more than 200 tokens. Parsing aborted."
    ]
    assert messages(ask(hardened, nested(4))) == [
        "'anonymous' exceeds maximum operation depth of 4"
    ]


def test_unexpected_errors_are_masked_and_refusals_kept(example, hardened):
    assert messages(ask(hardened, "{ sales }")) == ["Unexpected error."]
    assert messages(ask(hardened, ADD)) == ["Send an API key to add books"]
    assert messages(ask(hardened, "{ nope }")) == [
        "Cannot query field 'nope' on type 'ReportingQuery'."
    ]
    # Without MaskErrors, the internal message reaches the client.
    leaky = strawberry.Schema(example.ReportingQuery)
    result = leaky.execute_sync("{ sales }")
    assert result.errors[0].message == "sales-db.internal:5432 refused the connection"


def test_introspection_is_off_but_suggestions_name_fields(client, hardened):
    introspection = "{ __schema { types { name } } }"
    assert "__schema" in ask(client, introspection).json()["data"]
    refused = ask(hardened, introspection)
    assert refused.json()["data"] is None
    assert messages(refused)[0] == (
        "GraphQL introspection has been disabled, but the requested query contained "
        "the field '__schema'."
    )
    assert messages(ask(hardened, "{ book { title } }")) == [
        "Cannot query field 'book' on type 'ReportingQuery'. Did you mean 'books'?"
    ]


def test_graphiql_loads_from_unpkg_and_can_be_removed(client, hardened):
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    hosts = set(re.findall(r'(?:src|href)="https://([^/"]+)/', page.text))
    assert hosts == {"unpkg.com"}
    scripts = re.findall(r"<script[^>]*src=\"https://[^>]*>", page.text)
    assert scripts and all("integrity=" in tag for tag in scripts)
    assert hardened.get("/graphql", headers={"Accept": "text/html"}).status_code == 404


def test_cost_analysis_is_not_built_in():
    names = [name.lower() for name in strawberry.extensions.__all__]
    assert not [name for name in names if "cost" in name or "complex" in name]


# Trusted documents


def test_only_trusted_documents_run(example):
    trusted = TestClient(example.trusted_app)
    response = ask(trusted, "{ books { title author } }")
    assert len(response.json()["data"]["books"]) == 3
    add = (
        "mutation Add($title: String!, $author: String!) "
        "{ addBook(title: $title, author: $author) { title } }"
    )
    variables = {"title": "Kindred", "author": "Octavia E. Butler"}
    added = ask(trusted, add, ALICE, variables=variables)
    assert added.json() == {"data": {"addBook": {"title": "Kindred"}}}
    for query in [
        "{ books { title } }",
        "{  books { title author } }",  # one more space: another document
        nested(3),
        "{ __schema { types { name } } }",
    ]:
        refused = ask(trusted, query)
        assert refused.json()["data"] is None
        assert messages(refused) == ["Only this API's own documents run here"]


# Requests that are not GraphQL over JSON


def test_queries_may_use_get_and_mutations_may_not(client, example):
    response = client.get("/graphql", params={"query": "{ books { title } }"})
    assert len(response.json()["data"]["books"]) == 3
    refused = client.get("/graphql", params={"query": ADD}, headers=ALICE)
    assert refused.status_code == 400
    assert refused.text == "mutations are not allowed when using GET"
    assert len(example.BOOKS) == 3


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"query={ADD}"),
        ("text/plain", '{"query": "' + ADD.replace('"', '\\"') + '"}'),
        (
            "multipart/form-data; boundary=x",
            f'--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ADD}\r\n--x--\r\n',
        ),
    ],
)
def test_a_cross_site_form_cannot_send_a_mutation(client, example, content_type, body):
    response = client.post(
        "/graphql", content=body, headers={**ALICE, "content-type": content_type}
    )
    assert response.status_code == 400
    assert len(example.BOOKS) == 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "Unable to parse request body as JSON"),
        (b"\xff\xfe", "Unable to parse request body as JSON"),
        (b"{}", "No GraphQL query found in the request"),
        (
            b'{"query": NaN}',
            "The GraphQL operation's `query` must be a string or null, if provided.",
        ),
        (
            b'{"query": 1}',
            "The GraphQL operation's `query` must be a string or null, if provided.",
        ),
        (
            b'{"query": "{ books { title } }", "variables": [1]}',
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        (b"[NaN]", "Batching is not enabled"),
    ],
)
def test_malformed_requests_get_a_400_with_a_reason(client, body, reason):
    response = client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.text == reason


def test_generated_queries_and_mutations_never_get_a_5xx(example, monkeypatch):
    """Sixty documents that hypothesis-graphql writes from the schema, valid ones
    with odd arguments, sent to app and to the hardened app. Each starts from the three
    books: with the books that generated mutations add, nested lists grow as the number
    of books to the power of the depth (this test ran out of memory that way)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis_graphql import from_schema

    books = list(example.BOOKS)
    sdl = str(example.hardened_schema)
    clients = [
        TestClient(example.app, raise_server_exceptions=False),
        TestClient(example.hardened_app, raise_server_exceptions=False),
    ]

    @settings(
        max_examples=60,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(document=from_schema(sdl))
    def survives(document):
        for client in clients:
            monkeypatch.setattr(example, "BOOKS", list(books))
            response = ask(client, document, ALICE)
            assert response.status_code < 500, (document, response.text)

    survives()


# The outline's code on Strawberry 0.341


def test_the_outlines_graphiql_argument_stops_the_app(example):
    with pytest.raises(TypeError, match="graphiql"):
        GraphQLRouter(example.schema, graphiql=True)


def test_an_extension_instance_is_deprecated(example):
    from strawberry.extensions import QueryDepthLimiter

    with pytest.warns(DeprecationWarning, match="Passing an extension instance"):
        strawberry.Schema(example.Query, extensions=[QueryDepthLimiter(max_depth=4)])


def test_an_optional_api_key_header_is_still_required_in_openapi():
    """Why current_user reads a plain header: APIKeyHeader's scheme is a requirement."""
    from typing import Annotated

    from fastapi import FastAPI, Security
    from fastapi.security import APIKeyHeader

    app = FastAPI()
    optional = APIKeyHeader(name="X-API-Key", auto_error=False)

    @app.get("/")
    def home(key: Annotated[str | None, Security(optional)]):
        return {"anonymous": key is None}

    assert TestClient(app).get("/").json() == {"anonymous": True}
    assert app.openapi()["paths"]["/"]["get"]["security"] == [{"APIKeyHeader": []}]


def test_batching_when_turned_on_is_bounded(example):
    from fastapi import FastAPI
    from strawberry.schema.config import StrawberryConfig

    config = StrawberryConfig(batching_config={"max_operations": 2})
    schema = strawberry.Schema(example.Query, config=config)
    app = FastAPI()
    app.include_router(GraphQLRouter(schema), prefix="/graphql")
    client = TestClient(app)
    two = client.post("/graphql", json=[{"query": "{ books { title } }"}] * 2)
    assert [len(answer["data"]["books"]) for answer in two.json()] == [3, 3]
    three = client.post("/graphql", json=[{"query": "{ books { title } }"}] * 3)
    assert three.status_code == 400


def test_every_error_is_logged_with_its_traceback(client, caplog):
    with caplog.at_level("ERROR", logger="strawberry.execution"):
        ask(client, ADD)
    [record] = [r for r in caplog.records if r.name == "strawberry.execution"]
    assert record.getMessage().startswith("Send an API key to add books\n")
    assert record.exc_info is not None


def test_a_hash_without_the_query_is_not_understood(example):
    trusted = TestClient(example.trusted_app)
    response = trusted.post(
        "/graphql",
        json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab"}}},
    )
    assert response.status_code == 400
    assert response.text == "No GraphQL query found in the request"
