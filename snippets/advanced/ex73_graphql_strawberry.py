# Each section on the page brings its own imports, so some are not at the top.
# --8<-- [start:users]
import hashlib
from typing import Annotated

from fastapi import Header, HTTPException

ANSWERS = {
    400: {"description": "Not a GraphQL request"},
    401: {"description": "Invalid API key"},
}
# Demo data: the SHA-256 digest of the key "alice-demo-key" (Example 71 makes
# real keys).
USERS = {"0572c17ed012b3efdf9df98db1718f225887132739b8da945d81ac5a7d1fea45": "alice"}


# A plain header, not APIKeyHeader: OpenAPI would call the key required.
def current_user(x_api_key: Annotated[str | None, Header()] = None) -> str | None:
    """None for an anonymous client; a key that is sent must be right."""
    if x_api_key is None:
        return None
    user = USERS.get(hashlib.sha256(x_api_key.encode()).hexdigest())
    if user is None:
        raise HTTPException(401, "Invalid API key", {"WWW-Authenticate": "APIKey"})
    return user


# --8<-- [end:users]


# --8<-- [start:app]
import strawberry
from fastapi import Depends, FastAPI
from strawberry.extensions import QueryDepthLimiter
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Book:
    title: str
    author: str

    @strawberry.field
    def by_same_author(self) -> list["Book"]:  # a cycle: a query can nest forever
        return [book for book in BOOKS if book.author == self.author]


@strawberry.type
class Query:
    books: list[Book] = strawberry.field(resolver=lambda: BOOKS)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_book(self, title: str, author: str, info: strawberry.Info) -> Book:
        if info.context["user"] is None:
            raise PermissionError("Send an API key to add books")  # goes to "errors"
        BOOKS.append(Book(title=title, author=author))
        return BOOKS[-1]


async def context(user: Annotated[str | None, Depends(current_user)]) -> dict:
    return {"user": user}  # the resolvers' info.context (current_user: below)


depth_limit = lambda: QueryDepthLimiter(max_depth=4)  # a factory: one per request
schema = strawberry.Schema(Query, Mutation, extensions=[depth_limit])
app = FastAPI()
graphql = GraphQLRouter(schema, context_getter=context)
app.include_router(graphql, prefix="/graphql", responses=ANSWERS)
# --8<-- [end:app]

# --8<-- [start:data]
BOOKS = [
    Book(title="Dune", author="Frank Herbert"),
    Book(title="Children of Dune", author="Frank Herbert"),
    Book(title="Parable of the Sower", author="Octavia E. Butler"),
]
# --8<-- [end:data]


# --8<-- [start:hardened]
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
)


@strawberry.type
class ReportingQuery(Query):
    @strawberry.field
    def sales(self) -> int:  # stands in for a backend that fails
        raise ConnectionError("sales-db.internal:5432 refused the connection")


def unexpected(error: GraphQLError) -> bool:
    """Mask what the code raised by accident; keep refusals and query errors."""
    return error.original_error is not None and not isinstance(
        error.original_error, PermissionError
    )


hardened_schema = strawberry.Schema(
    ReportingQuery,
    Mutation,
    extensions=[
        depth_limit,
        lambda: MaxAliasesLimiter(max_alias_count=5),  # one field asked for 5 times
        lambda: MaxTokensLimiter(max_token_count=200),  # bounds the document's size
        lambda: MaskErrors(should_mask_error=unexpected),
        DisableIntrospection,  # when your own apps are the only clients
    ],
)
hardened_app = FastAPI()
hardened_graphql = GraphQLRouter(
    hardened_schema,
    context_getter=context,
    graphql_ide=None,  # no GraphiQL page
)
hardened_app.include_router(hardened_graphql, prefix="/graphql", responses=ANSWERS)
# --8<-- [end:hardened]


# --8<-- [start:trusted]
from graphql import DocumentNode
from graphql.validation import ValidationRule
from strawberry.extensions import AddValidationRules

# The documents your own apps were built with, by their SHA-256 (a build step
# collects them): nothing else runs.
TRUSTED_DOCUMENTS = {
    hashlib.sha256(document.encode()).hexdigest()
    for document in [
        "{ books { title author } }",
        (
            "mutation Add($title: String!, $author: String!) "
            "{ addBook(title: $title, author: $author) { title } }"
        ),
    ]
}


class TrustedDocumentsOnly(ValidationRule):
    def enter_document(self, node: DocumentNode, *_) -> None:
        text = node.loc.source.body if node.loc else ""
        if hashlib.sha256(text.encode()).hexdigest() not in TRUSTED_DOCUMENTS:
            self.report_error(GraphQLError("Only this API's own documents run here"))


trusted_schema = strawberry.Schema(
    Query, Mutation, extensions=[lambda: AddValidationRules([TrustedDocumentsOnly])]
)
trusted_app = FastAPI()
trusted_graphql = GraphQLRouter(
    trusted_schema, context_getter=context, graphql_ide=None
)
trusted_app.include_router(trusted_graphql, prefix="/graphql", responses=ANSWERS)
# --8<-- [end:trusted]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    add = 'mutation { addBook(title: "Dawn", author: "Octavia E. Butler") { title } }'
    response = client.post("/graphql", json={"query": add})  # no API key
    print(response.status_code, response.json()["errors"][0]["message"])
    #> 200 Send an API key to add books
    alice = {"X-API-Key": "alice-demo-key"}
    print(client.post("/graphql", json={"query": add}, headers=alice).json())
    #> {'data': {'addBook': {'title': 'Dawn'}}}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    def ask(query: str) -> tuple[int, dict]:
        response = client.post("/graphql", json={"query": query})
        return response.status_code, response.json()

    # Too deep: refused before any resolver runs.
    status, answer = ask("{ books { " + "bySameAuthor { " * 4 + "title }" + " }" * 5)
    print(status, answer["errors"][0]["message"])
    #> 200 'anonymous' exceeds maximum operation depth of 4
    # Within the depth limit, a query can still ask for the same list many times.
    wide = "{ " + " ".join(f"copy{n}: books {{ title }}" for n in range(50)) + " }"
    print(len(ask(wide)[1]["data"]))
    #> 50
    # Batches of operations in one request: refused unless you turn them on.
    batch = [{"query": "{ books { title } }"}] * 50
    print(client.post("/graphql", json=batch).text)
    #> Batching is not enabled

    # The hardened app: aliases, tokens, masked errors, no introspection, no IDE.
    hardened = TestClient(hardened_app)

    def ask_hardened(query: str) -> list[str]:
        response = hardened.post("/graphql", json={"query": query}).json()
        return [error["message"] for error in response.get("errors", [])]

    six = "{ " + " ".join(f"copy{n}: books {{ title }}" for n in range(6)) + " }"
    print(ask_hardened(six))
    #> ['6 aliases found. Allowed: 5']
    print(ask_hardened(wide))
    #> ['Syntax Error: Document contains more than 200 tokens. Parsing aborted.']
    print(ask_hardened("{ sales }"))
    #> ['Unexpected error.']
    print(ask_hardened("{ __schema { types { name } } }")[0])
    '''
    GraphQL introspection has been disabled, but the requested query contained the field '__schema'.
    '''
    print(ask_hardened("{ book { title } }"))  # suggestions still name fields
    #> ["Cannot query field 'book' on type 'ReportingQuery'. Did you mean 'books'?"]
    print(hardened.get("/graphql", headers={"Accept": "text/html"}).status_code)
    #> 404

    # Trusted documents: only the queries this API's own apps send.
    trusted = TestClient(trusted_app)
    for query in ["{ books { title author } }", "{ books { title } }"]:
        answer = trusted.post("/graphql", json={"query": query}).json()
        print(answer.get("errors") or len(answer["data"]["books"]))
        #> 4
        #> [{'message': "Only this API's own documents run here"}]
    # --8<-- [end:more]
