import re
import socket
import tracemalloc
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import anyio
import pytest
from fastapi import FastAPI, File, UploadFile
from fastapi.testclient import TestClient

from transcripts import serve

SAMPLES = (
    Path(__file__).resolve().parents[2] / "snippets" / "beginner" / "ex17_file_uploads"
)
RECEIPT = (SAMPLES / "receipt.pdf").read_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
STORED_NAME = re.compile(r"[0-9a-f]{16}\.(png|jpg|pdf)")


@pytest.fixture(autouse=True)
def upload_dir(example, monkeypatch, tmp_path):
    """Uploads land in a folder inside tmp_path; tmp_path itself must stay otherwise empty."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setattr(example, "UPLOAD_DIR", folder)
    return folder


def everything_under(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


def upload(client, content, filename="receipt.pdf", content_type="application/pdf"):
    return client.post("/receipts", files={"file": (filename, content, content_type)})


@pytest.mark.parametrize(
    "content, media_type, suffix",
    [
        (PNG, "image/png", ".png"),
        (JPEG, "image/jpeg", ".jpg"),
        (RECEIPT, "application/pdf", ".pdf"),
    ],
    ids=["png", "jpeg", "pdf"],
)
def test_each_accepted_type_is_recognised_by_its_bytes(
    client, upload_dir, content, media_type, suffix
):
    # The declared type is deliberately wrong: only the bytes count.
    response = upload(client, content, filename="x.txt", content_type="text/plain")
    assert response.status_code == 201
    body = response.json()
    assert body["media_type"] == media_type and body["size"] == len(content)
    assert STORED_NAME.fullmatch(body["stored_as"]) and body["stored_as"].endswith(
        suffix
    )
    assert (upload_dir / body["stored_as"]).read_bytes() == content


@pytest.mark.parametrize(
    "content",
    [
        (SAMPLES / "notes.txt").read_bytes(),
        b"",  # an empty file
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"MZ\x90\x00",  # a Windows executable
        b" %PDF-1.4",  # the signature must be at the very start
    ],
    ids=["text", "empty", "svg", "exe", "late-signature"],
)
def test_anything_else_is_415_whatever_it_claims_to_be(client, upload_dir, content):
    response = upload(
        client, content, filename="receipt.pdf", content_type="application/pdf"
    )
    assert response.status_code == 415
    assert response.json() == {"detail": "Upload a PNG, JPEG or PDF file"}
    assert everything_under(upload_dir) == []


@pytest.mark.parametrize(
    "filename",
    [
        "../../evil.pdf",
        "..%2f..%2fevil.pdf",
        "%2e%2e%2f%2e%2e%2fevil.pdf",
        "%252e%252e%252fevil.pdf",
        "/etc/cron.d/evil",
        "..\\..\\evil.pdf",
        "uploads/../../evil.pdf",
        ".bashrc",
    ],
)
def test_hostile_filenames_reach_the_app_but_never_the_disk(client, tmp_path, filename):
    # The server does receive the hostile name, verbatim...
    response = client.post(
        "/files", files={"file": (filename, RECEIPT, "application/pdf")}
    )
    assert response.status_code == 201
    assert response.json()["filename"] == filename
    # ...and the stored file's name is made from the content alone, inside the folder.
    assert response.json()["stored_as"] == "c4051adb6b22e67d"
    assert everything_under(tmp_path) == ["uploads", "uploads/c4051adb6b22e67d"]
    # The same for /receipts, which adds the suffix of the type it detected.
    response = upload(client, RECEIPT, filename=filename)
    assert response.status_code == 201
    assert everything_under(tmp_path) == [
        "uploads",
        "uploads/c4051adb6b22e67d",
        "uploads/c4051adb6b22e67d.pdf",
    ]


def test_files_reports_every_claim_of_the_client_and_stores_any_content(
    client, upload_dir
):
    response = client.post(
        "/files", files={"file": ("notes.pdf", b"plain text", "image/png")}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["filename"] == "notes.pdf" and body["content_type"] == "image/png"
    assert body["size"] == len(b"plain text")
    assert (upload_dir / body["stored_as"]).read_bytes() == b"plain text"


def test_the_same_content_is_stored_once_under_the_same_name(client, upload_dir):
    first = upload(client, RECEIPT, filename="a.pdf").json()["stored_as"]
    second = upload(client, RECEIPT, filename="b.pdf").json()["stored_as"]
    assert first == second == "c4051adb6b22e67d.pdf"
    assert everything_under(upload_dir) == [first]


def test_a_declared_oversized_body_is_413_and_never_reaches_the_handler(
    client, upload_dir
):
    response = upload(client, b"%PDF-" + bytes(2 * 1024 * 1024))
    assert response.status_code == 413
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Content Too Large"
    assert everything_under(upload_dir) == []


def test_the_limit_counts_the_whole_body_not_just_the_file(client, example):
    limit = example.MAX_BODY_BYTES
    just_over = upload(
        client, b"%PDF-" + bytes(limit - 5)
    )  # file == limit, plus framing
    just_under = upload(client, b"%PDF-" + bytes(limit - 1000))
    assert (just_over.status_code, just_under.status_code) == (413, 201)


def multipart_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"multipart/form-data; boundary=b"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


def test_a_body_of_unknown_length_is_read_only_up_to_the_limit(example, upload_dir):
    """No Content-Length (chunked upload): the server reads until the count passes the
    limit, answers 413, and asks for no more of the body."""
    chunk = 64 * 1024
    received = []
    sent = []

    async def receive():
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-'
            if not received
            else bytes(chunk)
        )
        received.append(len(body))
        assert sum(received) < 50 * example.MAX_BODY_BYTES, "the server kept reading"
        return {"type": "http.request", "body": body, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = multipart_scope("/files", [(b"transfer-encoding", b"chunked")])
    anyio.run(example.app, scope, receive, send)
    assert sent[0]["status"] == 413
    assert (
        b"".join(m.get("body", b"") for m in sent[1:])
        == b'{"detail":"Content Too Large"}'
    )
    assert example.MAX_BODY_BYTES < sum(received) <= example.MAX_BODY_BYTES + chunk
    assert everything_under(upload_dir) == []


def test_a_real_server_refuses_a_declared_oversized_body_before_it_is_sent(example):
    """Only the headers are sent, announcing 100 MB and asking to continue: uvicorn answers
    413 at once, without the interim '100 Continue' that would invite the body."""
    request = (
        b"POST /files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: 104857600\r\nExpect: 100-continue\r\n\r\n"
    )
    with serve(example.app) as base_url:
        address = urlsplit(base_url)
        with socket.create_connection(
            (address.hostname, address.port), timeout=5
        ) as sock:
            sock.sendall(request)
            response = b""
            while not response.endswith(b"Content Too Large"):
                data = sock.recv(65536)
                assert data, f"connection closed after {response!r}"
                response += data
    assert response.startswith(b"HTTP/1.1 413 ")
    assert response.endswith(b"\r\n\r\nContent Too Large")


def test_a_real_server_refuses_an_endless_upload_without_holding_it_in_memory(example):
    """64 MiB sent to uvicorn in chunks, with no Content-Length: the answer is 413, and the
    peak of all memory Python allocated meanwhile, in the server's thread included, stays
    a small fraction of the upload. uvicorn reads the rest of the body after the 413 and
    drops it as it arrives (to keep the connection usable), so the whole upload is sent."""
    offered = 64 * 1024 * 1024
    chunk = bytes(
        64 * 1024
    )  # one object, sent again and again: the test allocates nothing
    frame = b"%x\r\n%b\r\n" % (len(chunk), chunk)
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-'
    with serve(example.app) as base_url:
        address = urlsplit(base_url)
        tracemalloc.start()
        try:
            with socket.create_connection(
                (address.hostname, address.port), timeout=5
            ) as sock:
                sock.sendall(
                    b"POST /files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: multipart/form-data; boundary=b\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                    b"%x\r\n%b\r\n" % (len(head), head)
                )
                for _ in range(offered // len(chunk)):
                    sock.sendall(frame)
                response = b""
                while not response.endswith(b'{"detail":"Content Too Large"}'):
                    data = sock.recv(65536)
                    assert data, f"connection closed after {response!r}"
                    response += data
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert response.startswith(b"HTTP/1.1 413 ")
    assert peak < offered / 16, f"{peak} bytes allocated at the peak"


@pytest.mark.parametrize("path", ["/files", "/receipts"])
def test_a_missing_file_or_a_text_field_is_422(client, path):
    response = client.post(path)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["body", "file"],
                "msg": "Field required",
                "input": None,
            }
        ]
    }
    response = client.post(path, data={"file": "receipt.pdf"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    response = client.post(path, json={"file": "receipt.pdf"})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/files", "/receipts"])
@pytest.mark.parametrize(
    "content_type, body, detail",
    [
        (
            "multipart/form-data; boundary=b",
            b"--b\r\n-1396056--b--\r\n",
            "Invalid multipart data.",
        ),
        ("multipart/form-data", b"file=x", "Missing boundary in multipart."),
    ],
    ids=["broken-part", "no-boundary"],
)
def test_a_broken_multipart_body_is_400_as_documented(
    client, example, path, content_type, body, detail
):
    response = client.post(path, content=body, headers={"content-type": content_type})
    assert (response.status_code, response.json()) == (400, {"detail": detail})
    documented = example.app.openapi()["paths"][path]["post"]["responses"]
    assert {"400", "413"} <= set(documented)


def test_the_whole_upload_is_received_before_any_handler_runs():
    """What the outline leaves out: with no limit in front, UploadFile and bytes alike
    receive the entire body (UploadFile spills it to a temporary file on disk past 1 MiB)
    before the handler's first line, so a size check in the handler comes too late."""
    app = FastAPI()
    seen = {}

    @app.post("/as-uploadfile")
    def as_uploadfile(file: UploadFile):
        seen["size"], seen["position"] = file.size, file.file.tell()
        seen["on_disk"] = file.file._rolled  # SpooledTemporaryFile: moved to disk yet?

    @app.post("/as-bytes")
    def as_bytes(file: Annotated[bytes, File()]):
        seen["bytes"] = len(file)

    client = TestClient(app)
    small = bytes(1000)
    client.post("/as-uploadfile", files={"file": ("small.bin", small)})
    assert seen == {"size": len(small), "position": 0, "on_disk": False}  # in memory
    big = bytes(3 * 1024 * 1024)
    client.post("/as-uploadfile", files={"file": ("big.bin", big)})
    client.post("/as-bytes", files={"file": ("big.bin", big)})
    assert seen == {"size": len(big), "position": 0, "on_disk": True, "bytes": len(big)}


def test_the_demo_leaves_its_uploads_in_a_private_folder(example, monkeypatch):
    monkeypatch.undo()  # the real UPLOAD_DIR, made by tempfile.mkdtemp
    assert example.UPLOAD_DIR.name.startswith("uploads-")
    assert example.UPLOAD_DIR.stat().st_mode & 0o777 == 0o700


def test_why_joining_a_client_filename_is_dangerous():
    uploads = Path("/srv/uploads")
    assert (uploads / "../../etc/cron.d/evil").resolve() == Path("/etc/cron.d/evil")
    assert uploads / "/etc/cron.d/evil" == Path("/etc/cron.d/evil")  # absolute wins


def test_the_sample_receipt_is_a_well_formed_one_page_pdf():
    """Every cross-reference offset points at its object, and startxref at the table."""
    text = RECEIPT.decode("ascii")
    assert text.startswith("%PDF-1.4\n") and text.endswith("%%EOF\n")
    startxref = int(text.rsplit("startxref\n", 1)[1].split()[0])
    assert text[startxref:].startswith("xref\n0 6\n")
    entries = text[startxref:].splitlines()[3:8]
    for number, entry in enumerate(entries, start=1):
        assert len(entry) + 1 == 20 and entry.endswith(" 00000 n ")  # 20-byte entries
        assert text[int(entry[:10]) :].startswith(f"{number} 0 obj\n")
    assert "/Type /Pages /Kids [3 0 R] /Count 1" in text
    stream = text.split("stream\n", 1)[1].split("\nendstream", 1)[0]
    assert f"<< /Length {len(stream)} >>" in text
