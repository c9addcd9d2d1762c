# --8<-- [start:app]
from fastapi import FastAPI

app = FastAPI(
    title="Book Store API",
    summary="Browse and manage the books of a small shop.",
    description="Manage **books**, authors and reviews.\n\nAll prices are in euros.",
    version="1.0.0",
    terms_of_service="https://example.com/terms",
    contact={"name": "API Support", "email": "support@example.com"},
    license_info={"name": "MIT", "identifier": "MIT"},
)


@app.get("/")
def root():
    return {"message": "Welcome to the Book Store API"}


# --8<-- [end:app]

# --8<-- [start:private]
# No public schema and no docs UIs: openapi_url=None removes all three at once.
private_app = FastAPI(title="Book Store API", openapi_url=None)
# --8<-- [end:private]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # Everything passed to FastAPI() lands in the "info" object of the OpenAPI schema.
    print(client.get("/openapi.json").json()["info"])
    '''
    {
        'title': 'Book Store API',
        'summary': 'Browse and manage the books of a small shop.',
        'description': 'Manage **books**, authors and reviews.\n\nAll prices are in euros.',
        'termsOfService': 'https://example.com/terms',
        'contact': {'name': 'API Support', 'email': 'support@example.com'},
        'license': {'name': 'MIT', 'identifier': 'MIT'},
        'version': '1.0.0',
    }
    '''

    # Swagger UI (/docs) and ReDoc (/redoc) are HTML pages that draw that schema.
    docs, redoc = client.get("/docs"), client.get("/redoc")
    print(docs.status_code, redoc.status_code, docs.headers["content-type"])
    #> 200 200 text/html; charset=utf-8
    # --8<-- [end:demo]

    # --8<-- [start:private_demo]
    private_client = TestClient(private_app)
    paths = ["/openapi.json", "/docs", "/redoc"]
    print([private_client.get(path).status_code for path in paths])
    #> [404, 404, 404]
    # --8<-- [end:private_demo]

    # --8<-- [start:cdn_demo]
    import re

    # The hosts each page makes the reader's browser load scripts, styles or fonts from.
    def hosts_it_loads_from(html: str) -> list[str]:
        return sorted(set(re.findall(r'(?:src|href)="https://([^/"]+)', html)))

    print(hosts_it_loads_from(docs.text))
    #> ['cdn.jsdelivr.net', 'fastapi.tiangolo.com']
    print(hosts_it_loads_from(redoc.text))
    #> ['cdn.jsdelivr.net', 'fastapi.tiangolo.com', 'fonts.googleapis.com']
# --8<-- [end:cdn_demo]
