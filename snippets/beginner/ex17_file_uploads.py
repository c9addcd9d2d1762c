# Each section the page shows brings its own imports, so some imports are not at the top.
# --8<-- [start:app]
import hashlib

from fastapi import FastAPI, UploadFile

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB per request: the file plus a little form framing

# A body over the limit gets 413 before FastAPI parses any of it.
app = FastAPI(max_body_size=MAX_BODY_BYTES)
# The answers besides 201 and 422, declared so that the docs list them (Example 12).
ERRORS = {400: {"description": "Not multipart"}, 413: {"description": "Over 1 MiB"}}


@app.post("/files", status_code=201, responses=ERRORS)
def upload_file(file: UploadFile):
    content = file.file.read()  # at most MAX_BODY_BYTES: the limit saw to it
    # The name on disk comes from the content, never from file.filename.
    stored_as = hashlib.sha256(content).hexdigest()[:16]
    (UPLOAD_DIR / stored_as).write_bytes(content)
    return {
        "stored_as": stored_as,
        # What the client claims, sent back as it came: nobody has checked it.
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
    }


# --8<-- [end:app]


# --8<-- [start:storage]
import atexit
import shutil
import tempfile
from pathlib import Path

# A fresh, private folder, deleted when the process exits. A real app reads its folder
# from its settings.
UPLOAD_DIR = Path(tempfile.mkdtemp(prefix="uploads-"))
atexit.register(shutil.rmtree, UPLOAD_DIR, ignore_errors=True)
# --8<-- [end:storage]


# --8<-- [start:signatures]
from fastapi import HTTPException

# How each accepted type's bytes begin (its "magic number"), and its file suffix.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


def detect_type(content: bytes) -> tuple[str, str] | None:
    """The (media type, suffix) that the first bytes announce, if we accept it."""
    for signature, kind in SIGNATURES.items():
        if content.startswith(signature):
            return kind
    return None


@app.post(
    "/receipts",
    status_code=201,
    responses={**ERRORS, 415: {"description": "Not a PNG, JPEG or PDF"}},
)
def upload_receipt(file: UploadFile):
    content = file.file.read()
    kind = detect_type(content)  # file.content_type is ignored: the client chose it
    if kind is None:
        raise HTTPException(415, "Upload a PNG, JPEG or PDF file")
    media_type, suffix = kind
    stored_as = hashlib.sha256(content).hexdigest()[:16] + suffix
    (UPLOAD_DIR / stored_as).write_bytes(content)
    return {"stored_as": stored_as, "media_type": media_type, "size": len(content)}


# --8<-- [end:signatures]

# --8<-- [start:demo]
if __name__ == "__main__":
    from pathlib import Path

    from fastapi.testclient import TestClient

    client = TestClient(app)
    receipt = (Path(__file__).parent / "ex17_file_uploads" / "receipt.pdf").read_bytes()

    # A filename is text the client chose: this one climbs out of the folder...
    upload = ("../../etc/cron.d/evil", receipt, "image/png")
    print(client.post("/files", files={"file": upload}).json()["stored_as"])
    #> c4051adb6b22e67d
    # ...but it is never used as a path: the file is in the folder, named by hash.
    print([path.name for path in UPLOAD_DIR.iterdir()])
    #> ['c4051adb6b22e67d']

    # 2 MiB: refused before the handler runs.
    response = client.post("/files", files={"file": bytes(2 * MAX_BODY_BYTES)})
    print(response.status_code, response.text)
    #> 413 Content Too Large
    # --8<-- [end:demo]

    # --8<-- [start:more]
    samples = Path(__file__).parent / "ex17_file_uploads"
    # A plain text field where the file should be.
    response = client.post("/files", data={"file": "receipt.pdf"})
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Value error, Expected UploadFile, received: <class 'str'>

    # /receipts reads the type from the first bytes, whatever the client claims.
    upload = ("receipt.pdf", receipt, "application/pdf")
    response = client.post("/receipts", files={"file": upload})
    print(response.status_code, response.json())
    '''
    201
    {'stored_as': 'c4051adb6b22e67d.pdf', 'media_type': 'application/pdf', 'size': 602}
    '''
    upload = ("notes.pdf", (samples / "notes.txt").read_bytes(), "application/pdf")
    response = client.post("/receipts", files={"file": upload})
    print(response.status_code, response.json())
    #> 415 {'detail': 'Upload a PNG, JPEG or PDF file'}
    # --8<-- [end:more]
