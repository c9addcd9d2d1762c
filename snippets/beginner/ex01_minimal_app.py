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
    print(response.status_code, response.json())
    #> 200 {'message': 'Hello World'}

    # A path nobody declared, and a method the route does not accept.
    print(client.get("/goodbye").status_code, client.post("/hello").status_code)
    #> 404 405

    # The handler is still a plain function: call it with no HTTP at all.
    print(hello())
    #> {'message': 'Hello World'}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # The dict became JSON text, with the header that says so.
    print(response.headers["content-type"], response.text)
    #> application/json {"message":"Hello World"}

    # The decorator registered /hello; FastAPI added the documentation routes itself.
    print([route.path for route in app.routes])
    #> ['/openapi.json', '/docs', '/docs/oauth2-redirect', '/redoc', '/hello']

    # Both errors are JSON too, and the 405 names the methods the path does accept.
    print(client.get("/goodbye").json())
    #> {'detail': 'Not Found'}
    response = client.post("/hello")
    print(response.headers["allow"], response.json())
    #> GET {'detail': 'Method Not Allowed'}
# --8<-- [end:more]
