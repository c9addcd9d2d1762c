# --8<-- [start:app]
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

# The one folder the routes below serve files from: absolute, and resolved once.
FILES = (Path(__file__).parent / "serving_files_safely").resolve()


def file_inside(folder: Path, name: str) -> Path | None:
    """The regular file that `name` names inside `folder` (resolved), or None."""
    try:
        # Absolute, with every "..", "." and symbolic link worked out.
        path = (folder / name).resolve()
        if path.is_relative_to(folder) and path.is_file():
            return path
    except (OSError, ValueError, RuntimeError):
        # A name the OS refuses (too long, ...), a NUL byte, or a symbolic link loop
        # (RuntimeError on Python 3.11 and 3.12): none of them names a file here.
        pass
    return None


app = FastAPI()


@app.get(
    "/files/{name:path}",
    response_class=FileResponse,
    responses={404: {"description": "No such file in the folder"}},
)
def read_file(name: str):
    path = file_inside(FILES, name)
    if path is None:
        raise HTTPException(status_code=404, detail="File not found")
    return FileResponse(path)


# --8<-- [end:app]


# --8<-- [start:static]
from fastapi.staticfiles import StaticFiles


class QuietStaticFiles(StaticFiles):
    """StaticFiles that answers 404, never 500 or 401, for a path the OS refuses."""

    def lookup_path(self, path: str):
        try:
            return super().lookup_path(path)
        except OSError:  # a symbolic link loop, a file it may not read, ...
            return "", None  # what StaticFiles returns for "no such file"


app.mount("/static", QuietStaticFiles(directory=FILES), name="static")
# --8<-- [end:static]


# --8<-- [start:naive]
# The naive route, on an app of its own that is there to be broken: never serve it.
naive_app = FastAPI()


@naive_app.get("/files/{name:path}")
def naive_read_file(name: str):
    # WRONG: "../" in name climbs out of FILES, and "/etc/passwd" replaces it.
    return FileResponse(FILES / name)


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    naive = TestClient(naive_app, raise_server_exceptions=False)
    client = TestClient(app)

    # Spellings of a name outside the folder, and what each app answers.
    for probe in [
        "%2e%2e/serving_files_safely.py",  # "../", dots encoded
        "..%2fserving_files_safely.py",  # "../", slash encoded
        "%2fetc%2fpasswd",  # an absolute path
        "%c0%ae%c0%ae%c0%afserving_files_safely.py",  # "../" in overlong UTF-8
        "notes.txt%00.py",  # a NUL byte
    ]:
        naive_status = naive.get(f"/files/{probe}").status_code
        safe_status = client.get(f"/files/{probe}").status_code
        print(f"{probe:42} naive {naive_status}, safe {safe_status}")
        #> %2e%2e/serving_files_safely.py             naive 200, safe 404
        #> ..%2fserving_files_safely.py               naive 200, safe 404
        #> %2fetc%2fpasswd                            naive 200, safe 404
        #> %c0%ae%c0%ae%c0%afserving_files_safely.py  naive 500, safe 404
        #> notes.txt%00.py                            naive 500, safe 404
    # --8<-- [end:demo]

    # --8<-- [start:os-errors]
    import tempfile

    # Names the operating system refuses: each would be a 500 if it escaped.
    print(file_inside(FILES, "a" * 300))  # longer than a file name may be
    #> None
    print(file_inside(FILES, "notes.txt/more"))  # a file used as a folder
    #> None

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary).resolve()
        (folder / "loop").symlink_to(folder / "loop")  # a link to itself
        print(file_inside(folder, "loop"))
        #> None

        # StaticFiles answers the loop with a 500; QuietStaticFiles with a 404.
        for files in StaticFiles(directory=folder), QuietStaticFiles(directory=folder):
            probe_app = FastAPI()
            probe_app.mount("/static", files)
            probe_client = TestClient(probe_app, raise_server_exceptions=False)
            print(type(files).__name__, probe_client.get("/static/loop").status_code)
            #> StaticFiles 500
            #> QuietStaticFiles 404
# --8<-- [end:os-errors]
