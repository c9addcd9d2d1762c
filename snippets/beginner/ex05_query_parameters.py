# --8<-- [start:app]
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def list_items(
    skip: int = 0,  # a default makes a query parameter optional
    limit: int = 20,
    search: str | None = None,  # optional, and None when the client leaves it out
    active: bool = True,
):
    return {"skip": skip, "limit": limit, "search": search, "active": active}


@app.get("/search")
def search_items(q: str):  # no default: the client must send ?q=...
    return {"query": q, "results": []}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # Every parameter left out takes its default; the others are converted.
    print(client.get("/items").json())
    #> {'skip': 0, 'limit': 20, 'search': None, 'active': True}
    print(client.get("/items?skip=5&search=python&active=off").json())
    #> {'skip': 5, 'limit': 20, 'search': 'python', 'active': False}

    # A required parameter that is missing: 422, and no call to search_items.
    response = client.get("/search")
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Field required
    print(client.get("/search?q=book").json())
    #> {'query': 'book', 'results': []}
    # --8<-- [end:demo]

    # --8<-- [start:more]
    # A bool parameter understands these words, in any letter case...
    words = ["true", "1", "yes", "on", "y", "t", "false", "0", "no", "off", "n", "f"]
    print(
        {word: client.get(f"/items?active={word}").json()["active"] for word in words}
    )
    '''
    {
        'true': True,
        '1': True,
        'yes': True,
        'on': True,
        'y': True,
        't': True,
        'false': False,
        '0': False,
        'no': False,
        'off': False,
        'n': False,
        'f': False,
    }
    '''
    # ...and nothing else: a bare flag is an empty string, which is not a boolean.
    print([client.get(url).status_code for url in ["/items?active", "/items?active=2"]])
    #> [422, 422]

    # Required means present, not non-empty.
    print(client.get("/search?q=").json())
    #> {'query': '', 'results': []}

    # Names are matched exactly; any other parameter is silently ignored.
    print(client.get("/items?serach=python&Skip=3").json())
    #> {'skip': 0, 'limit': 20, 'search': None, 'active': True}
# --8<-- [end:more]
