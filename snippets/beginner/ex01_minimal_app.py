# --8<-- [start:app]
from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello():
    return {"message": "Hello World"}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    response = client.get("/hello")
    print(response.status_code, response.headers["content-type"])
    #> 200 application/json
    print(response.json())
    #> {'message': 'Hello World'}

    # The decorator registered /hello; FastAPI added the documentation routes itself.
    print([route.path for route in app.routes])
    #> ['/openapi.json', '/docs', '/docs/oauth2-redirect', '/redoc', '/hello']

    # Paths and methods nobody declared get standard JSON errors, not a crash.
    response = client.get("/goodbye")
    print(response.status_code, response.json())
    #> 404 {'detail': 'Not Found'}
    response = client.post("/hello")
    print(response.status_code, response.headers["allow"], response.json())
    #> 405 GET {'detail': 'Method Not Allowed'}

    # The handler is still a plain function: call it with no HTTP involved at all.
    print(hello())
    #> {'message': 'Hello World'}
# --8<-- [end:demo]
