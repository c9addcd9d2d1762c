# --8<-- [start:app]
from typing import Annotated

from fastapi import FastAPI, Path, Query

app = FastAPI()


@app.get("/items")
def list_items(
    # 3 to 50 characters, each an ASCII letter, a digit or a space.
    q: Annotated[
        str | None, Query(min_length=3, max_length=50, pattern=r"^[a-zA-Z0-9 ]+$")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100, description="Page number (1-100)")] = 1,
    size: Annotated[int, Query(ge=1, le=50, description="Items per page")] = 10,
):
    return {"q": q, "page": page, "size": size, "offset": (page - 1) * size}


@app.get("/items/{item_id}")
def get_item(
    # Path() takes the same constraints: here, what fits a 32-bit INTEGER column.
    item_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
):
    return {"item_id": item_id}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    print(client.get("/items?q=python&page=2&size=5").json())
    #> {'q': 'python', 'page': 2, 'size': 5, 'offset': 5}

    # Every broken constraint is reported, each with its place ("loc") and its limit.
    response = client.get("/items?q=ab&page=0&size=99")
    print([(error["loc"], error["msg"]) for error in response.json()["detail"]])
    '''
    [
        (['query', 'q'], 'String should have at least 3 characters'),
        (['query', 'page'], 'Input should be greater than or equal to 1'),
        (['query', 'size'], 'Input should be less than or equal to 50'),
    ]
    '''
    print(client.get("/items/99999999999").json()["detail"][0]["msg"])
    #> Input should be less than or equal to 2147483647
    # --8<-- [end:demo]

    # --8<-- [start:more]
    print(client.get("/items").json())
    #> {'q': None, 'page': 1, 'size': 10, 'offset': 0}

    # Leaving q out gives None; sending it empty is a too-short string.
    print(client.get("/items?q=").json()["detail"][0]["msg"])
    #> String should have at least 3 characters

    # The pattern allows what it says and no more: no "+", no accented letters.
    print([client.get("/items", params={"q": q}).status_code for q in ["C++", "café"]])
    #> [422, 422]

    # The constraints are part of the OpenAPI schema that /docs displays.
    schema = client.get("/openapi.json").json()
    q_parameter = schema["paths"]["/items"]["get"]["parameters"][0]
    print(q_parameter["schema"])
    '''
    {
        'anyOf': [
            {
                'type': 'string',
                'minLength': 3,
                'maxLength': 50,
                'pattern': '^[a-zA-Z0-9 ]+$',
            },
            {'type': 'null'},
        ],
        'title': 'Q',
    }
    '''
    # --8<-- [end:more]

    # --8<-- [start:regex]
    import re

    # Python's re module lets "$" match before a final newline; Pydantic does not.
    print(bool(re.match(r"^[a-zA-Z0-9 ]+$", "abc\n")))
    #> True
    print(client.get("/items", params={"q": "abc\n"}).status_code)
    #> 422
# --8<-- [end:regex]
