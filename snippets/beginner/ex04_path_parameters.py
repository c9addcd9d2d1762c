# --8<-- [start:app]
from pathlib import Path

from fastapi import FastAPI, HTTPException

app = FastAPI()


@app.get("/items/{item_id}")
def get_item(item_id: int):
    return {"item_id": item_id, "type": type(item_id).__name__}


@app.get("/users/{user_id}/posts/{post_id}")
def get_user_post(user_id: int, post_id: int):
    return {"user_id": user_id, "post_id": post_id}


# --8<-- [end:app]

# --8<-- [start:naive]
# The outline's catch-all route, on an application of its own that is there to be broken:
# `fastapi dev` serves `app`, which does not have this route.
naive_app = FastAPI()


@naive_app.get("/files/{file_path:path}")
def get_file_path(file_path: str):
    # An echo only: file_path is whatever the client sent, "../" included.
    return {"file_path": file_path}


# --8<-- [end:naive]

# --8<-- [start:documents]
# The only folder this route may read from, found beside this file.
DOCUMENTS = (Path(__file__).parent / "ex04_documents").resolve()


def find_document(file_path: str) -> Path | None:
    """The file that file_path names inside DOCUMENTS, or None if there is none."""
    try:
        # resolve() removes "..", follows symlinks and makes the path absolute.
        target = (DOCUMENTS / file_path).resolve()
    except ValueError:  # a NUL byte ("%00") in the path
        return None
    # Compare whole path components: "/srv/docs-private" does not start a path in "/srv/docs".
    if target.is_relative_to(DOCUMENTS) and target.is_file():
        return target
    return None


@app.get(
    "/documents/{file_path:path}",
    responses={404: {"description": "No such file in the documents folder"}},
)
def read_document(file_path: str):
    document = find_document(file_path)
    if document is None:
        raise HTTPException(status_code=404, detail="Document not found")
    return {"file_path": file_path, "content": document.read_text(encoding="utf-8")}


# --8<-- [end:documents]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)

    # The URL segment "42" arrives as the int 42.
    print(client.get("/items/42").json())
    #> {'item_id': 42, 'type': 'int'}
    print(client.get("/users/5/posts/10").json())
    #> {'user_id': 5, 'post_id': 10}

    # A segment that is not an integer never reaches get_item: FastAPI answers 422.
    response = client.get("/items/abc")
    print(response.status_code, response.json())
    '''
    422
    {
        'detail': [
            {
                'type': 'int_parsing',
                'loc': ['path', 'item_id'],
                'msg': 'Input should be a valid integer, unable to parse string as an integer',
                'input': 'abc',
            }
        ]
    }
    '''

    # "Is an integer" means "Pydantic can read it as one", which is broader than digits.
    segments = ["042", "+7", "4.0"]
    print([client.get(f"/items/{segment}").json()["item_id"] for segment in segments])
    #> [42, 7, 4]
    print(client.get("/items/4.5").status_code)
    #> 422

    # :path lets the parameter span several segments...
    naive_client = TestClient(naive_app)
    print(naive_client.get("/files/dir/sub/file.txt").json())
    #> {'file_path': 'dir/sub/file.txt'}
    # ...including "..": percent-encoded dots are decoded before your function runs.
    print(naive_client.get("/files/%2e%2e/%2e%2e/etc/passwd").json())
    #> {'file_path': '../../etc/passwd'}

    # The documents route reads files only from inside its folder.
    print(client.get("/documents/guides/setup.txt").json())
    '''
    {
        'file_path': 'guides/setup.txt',
        'content': 'Setup guide: install the requirements, then run fastapi dev.\n',
    }
    '''
    response = client.get("/documents/%2e%2e/ex04_path_parameters.py")
    print(response.status_code, response.json())
    #> 404 {'detail': 'Document not found'}
# --8<-- [end:demo]
