# --8<-- [start:app]
from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def echo(websocket: WebSocket):
    await websocket.accept()  # completes the handshake; nothing can be sent before it
    while True:
        message = await websocket.receive()  # waits for the client's next message
        if message["type"] == "websocket.disconnect":
            return  # the client has gone: there is nobody left to answer
        text = message.get("text")
        if text is None:  # a binary frame: this endpoint speaks text only
            await websocket.close(code=1003, reason="text messages only")
            return
        await websocket.send_text(f"echo: {text}")


# --8<-- [end:app]


# --8<-- [start:naive]
from fastapi import WebSocketDisconnect

# The outline's loop, on an app of its own so that `app` stays one to copy.
naive_app = FastAPI()


@naive_app.websocket("/ws")
async def naive_echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()  # KeyError on a binary frame
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect:
        pass


# --8<-- [end:naive]


# --8<-- [start:origin]
from fastapi import Depends, WebSocketException, status

# Where your own pages are served from: browsers send it in the Origin header.
TRUSTED_ORIGINS = {"https://app.example.com"}


async def trusted_origin(websocket: WebSocket) -> None:
    # Any page on any site can open a WebSocket to you, and the browser attaches your
    # cookies to it: when cookies say who the user is, refuse other sites' pages.
    if websocket.headers.get("origin") not in TRUSTED_ORIGINS:
        # Raised before accept(): the server refuses the handshake with a 403.
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)


guarded_app = FastAPI()


@guarded_app.websocket("/ws", dependencies=[Depends(trusted_origin)])
async def guarded_echo(websocket: WebSocket):
    await echo(websocket)


# --8<-- [end:origin]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    client = TestClient(app)
    # One connection, several messages each way, until one side closes it.
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("hello")
        print(websocket.receive_text())
        #> echo: hello
        websocket.send_text("again")
        print(websocket.receive_text())
        #> echo: again
        websocket.send_bytes(b"\x00\x01")  # binary: the server closes the connection
        closing = websocket.receive()
        print(closing["type"], closing["code"], closing["reason"])
        #> websocket.close 1003 text messages only
    # --8<-- [end:demo]

    # --8<-- [start:more]
    from fastapi import WebSocketDisconnect

    # The outline's loop: a binary frame crashes the handler. TestClient raises the
    # handler's exception in the test when the connection ends.
    try:
        with TestClient(naive_app).websocket_connect("/ws") as websocket:
            websocket.send_bytes(b"\x00\x01")
            websocket.receive_text()
    except KeyError as error:
        print("the handler failed with KeyError:", error)
        #> the handler failed with KeyError: 'text'

    # A page from a site you do not trust is refused before the handshake completes.
    guarded = TestClient(guarded_app)
    for origin in ["https://app.example.com", "https://evil.example"]:
        try:
            with guarded.websocket_connect("/ws", headers={"origin": origin}) as ws:
                ws.send_text("hi")
                print(origin, "->", ws.receive_text())
                #> https://app.example.com -> echo: hi
        except WebSocketDisconnect as refused:
            print(origin, "-> closed with", refused.code)
            #> https://evil.example -> closed with 1008
# --8<-- [end:more]
