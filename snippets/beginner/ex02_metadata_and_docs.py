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
    import re

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

    # Both documentation UIs are HTML pages that draw that schema in the browser,
    # with JavaScript, CSS and fonts that the browser fetches from other hosts.
    def hosts_it_loads_from(html: str) -> list[str]:
        return sorted(set(re.findall(r'(?:src|href)="https://([^/"]+)', html)))

    swagger_ui = client.get("/docs")
    print(swagger_ui.status_code, swagger_ui.headers["content-type"])
    #> 200 text/html; charset=utf-8
    print(hosts_it_loads_from(swagger_ui.text))
    #> ['cdn.jsdelivr.net', 'fastapi.tiangolo.com']
    redoc = client.get("/redoc")
    print(redoc.status_code, redoc.headers["content-type"])
    #> 200 text/html; charset=utf-8
    print(hosts_it_loads_from(redoc.text))
    #> ['cdn.jsdelivr.net', 'fastapi.tiangolo.com', 'fonts.googleapis.com']

    # With openapi_url=None the schema and both UIs are gone.
    private_client = TestClient(private_app)
    print(private_client.get("/openapi.json").status_code)
    #> 404
    print(
        private_client.get("/docs").status_code,
        private_client.get("/redoc").status_code,
    )
    #> 404 404
# --8<-- [end:demo]
