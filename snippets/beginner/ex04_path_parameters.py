# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def get_item(item_id: int):
    return {"item_id": item_id, "type": type(item_id).__name__}


@app.get("/users/{user_id}/posts/{post_id}")
def get_user_post(user_id: int, post_id: int):
    return {"user_id": user_id, "post_id": post_id}


# --8<-- [end:app]


# --8<-- [start:documents]
from pathlib import Path

from fastapi import HTTPException

# The only folder /documents may read from, found beside this file.
DOCUMENTS = (Path(__file__).parent / "ex04_documents").resolve()


def find_document(file_path: str) -> str | None:
    """The text of the file that file_path names inside DOCUMENTS, or None."""
    try:
        target = (DOCUMENTS / file_path).resolve()  # removes "..", follows symlinks
        if not (target.is_relative_to(DOCUMENTS) and target.is_file()):
            return None
        return target.read_text(encoding="utf-8")
    except (OSError, ValueError, RuntimeError):
        # The system refused the path (a name too long, a NUL byte, a symlink loop...),
        # or the file cannot be read as UTF-8 text.
        return None


@app.get(
    "/documents/{file_path:path}",
    responses={404: {"description": "No such document"}},
)
def read_document(file_path: str):
    content = find_document(file_path)
    if content is None:
        raise HTTPException(status_code=404, detail="Document not found")
    return {"file_path": file_path, "content": content}


# --8<-- [end:documents]


# --8<-- [start:naive]
# The outline's catch-all route, on an application of its own that is there to be broken:
# `fastapi dev` serves `app`, which does not have this route.
naive_app = FastAPI()


@naive_app.get("/files/{file_path:path}")
def get_file_path(file_path: str):
    # An echo only: file_path is whatever the client sent, "../" included.
    return {"file_path": file_path}


# --8<-- [end:naive]

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
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Input should be a valid integer, unable to parse string as an integer
    # --8<-- [end:demo]

    # --8<-- [start:documents_demo]
    # {file_path:path} spans slashes, and the route reads only inside its folder.
    response = client.get("/documents/guides/setup.txt")
    print(response.status_code, response.json()["file_path"])
    #> 200 guides/setup.txt
    print(client.get("/documents/%2e%2e/ex04_path_parameters.py").status_code)
    #> 404
    # A name longer than the file system allows is not found either, not a crash.
    print(client.get("/documents/" + "a" * 300).status_code)
    #> 404
    # --8<-- [end:documents_demo]

    # --8<-- [start:more]
    # "Is an integer" means "Pydantic can read it as one", which is broader than digits.
    segments = ["042", "+7", "4.0", "99999999999999999999999"]
    print([client.get(f"/items/{segment}").json()["item_id"] for segment in segments])
    #> [42, 7, 4, 99999999999999999999999]
    print(client.get("/items/4.5").status_code)
    #> 422
    # --8<-- [end:more]

    # --8<-- [start:naive_demo]
    # :path captures slashes, and ".." too: percent-encoded dots are decoded first.
    naive_client = TestClient(naive_app)
    print(naive_client.get("/files/dir/sub/file.txt").json())
    #> {'file_path': 'dir/sub/file.txt'}
    print(naive_client.get("/files/%2e%2e/%2e%2e/etc/passwd").json())
    #> {'file_path': '../../etc/passwd'}
# --8<-- [end:naive_demo]
