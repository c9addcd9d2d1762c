# --8<-- [start:app]
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/whoami")
def whoami(request: Request):
    # Behind a proxy, uvicorn puts the X-Forwarded-For and -Proto values here, but
    # only for connections from an address listed in FORWARDED_ALLOW_IPS.
    host = request.client.host if request.client else None
    return {"client": host, "scheme": request.url.scheme}


# --8<-- [end:app]

# --8<-- [start:demo]
if __name__ == "__main__":
    import uvicorn

    # The CMD's --proxy-headers trusts only the addresses in FORWARDED_ALLOW_IPS,
    # which default to the container itself: set the proxy's at `docker run`.
    print(uvicorn.Config("main:app", proxy_headers=True).forwarded_allow_ips)
    #> 127.0.0.1,::1
    # --8<-- [end:demo]
