# --8<-- [start:app]
from typing import Annotated

from fastapi import FastAPI, Path, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected

app = FastAPI()
MAX_LENGTH = 1000  # characters per message: each one is copied to every client


class ConnectionManager:
    def __init__(self) -> None:
        self.connections: set[WebSocket] = set()

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.connections.add(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self.connections.discard(websocket)  # no error if it is already gone

    async def broadcast(self, text: str) -> None:
        # Over a copy: while a send waits, other clients may join or leave.
        for connection in list(self.connections):
            try:
                await connection.send_text(text)
            except (WebSocketDisconnect, WebSocketDisconnected):
                self.disconnect(connection)  # it dropped: forget it, serve the rest


manager = ConnectionManager()
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,20}$")]


@app.websocket("/chat/{name}")
async def chat(websocket: WebSocket, name: Name):
    await manager.connect(websocket)
    await manager.broadcast(f"{name} joined")
    try:
        while (message := await websocket.receive())["type"] == "websocket.receive":
            text = message.get("text")
            if text is None or len(text) > MAX_LENGTH:
                await websocket.close(
                    code=1008, reason="text of 1000 characters at most"
                )
                break
            await manager.broadcast(f"{name}: {text}")
    finally:  # however the loop ended, even by an error, this connection is forgotten
        manager.disconnect(websocket)
    await manager.broadcast(f"{name} left")


# --8<-- [end:app]


# --8<-- [start:naive]
# The outline's manager, on an app of its own so that `app` stays one to copy.
class NaiveManager:
    def __init__(self) -> None:
        self.active_connections: list[WebSocket] = []

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.active_connections.append(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self.active_connections.remove(websocket)

    async def broadcast(self, text: str) -> None:
        for connection in self.active_connections:
            await connection.send_text(text)  # one failed send ends the whole loop


naive_manager = NaiveManager()
naive_app = FastAPI()


@naive_app.websocket("/chat/{name}")
async def naive_chat(websocket: WebSocket, name: Name):
    await naive_manager.connect(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            await naive_manager.broadcast(f"{name}: {text}")
    except (
        WebSocketDisconnect
    ):  # also raised by a send to *another* client that dropped
        naive_manager.disconnect(websocket)
        await naive_manager.broadcast(f"{name} left")


# --8<-- [end:naive]

# --8<-- [start:demo]
if __name__ == "__main__":
    from fastapi.testclient import TestClient

    # `with`: every connection runs on the one event loop, as on a real server.
    with TestClient(app) as client, client.websocket_connect("/chat/ada") as ada:
        with client.websocket_connect("/chat/bob") as bob:
            bob.send_text("hi all")
            print("bob hears:", bob.receive_text(), "|", bob.receive_text())
            #> bob hears: bob joined | bob: hi all
        # bob has gone: ada heard it all, and the manager has forgotten bob.
        print("ada hears:", [ada.receive_text() for _ in range(4)])
        #> ada hears: ['ada joined', 'bob joined', 'bob: hi all', 'bob left']
        print("connections:", len(manager.connections))
        #> connections: 1
    # --8<-- [end:demo]

    # --8<-- [start:more]
    import asyncio
    import socket
    import struct
    import threading
    import time

    import uvicorn
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    def heard(client):
        """What a client hears, up to "bob left" or the end of its connection."""
        messages = []
        try:
            while (text := client.recv(timeout=10)) != "bob left":
                if not text.endswith(" joined"):
                    messages.append(text)
        except ConnectionClosed:  # the server ended this client's connection
            return [*messages, "(disconnected)"]
        return [*messages, text]

    def keep_busy(loop, seconds):
        """Keep the server's event loop busy, as under load; return once it is."""
        started = threading.Event()
        loop.call_soon_threadsafe(lambda: (started.set(), time.sleep(seconds)))
        started.wait()

    for label, asgi_app in [("outline", naive_app), ("ours", app)]:
        # A real uvicorn server on a free port, in a thread of its own.
        server = uvicorn.Server(uvicorn.Config(asgi_app, port=0, log_level="critical"))
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_until_complete, args=[server.serve()])
        thread.start()
        while not server.started:
            time.sleep(0.01)
        url = f"ws://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/chat/"
        with (
            connect(url + "ada") as ada,
            connect(url + "bob") as bob,
            connect(url + "cy") as cy,
        ):
            keep_busy(loop, 0.3)
            # Meanwhile bob's connection breaks (a reset, no goodbye), ada speaks.
            linger = struct.pack("ii", 1, 0)
            bob.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            bob.socket.close()
            ada.send("hello")
            ada_heard, cy_heard = heard(ada), heard(cy)
        server.should_exit = True
        thread.join()
        loop.close()
        print(label, "| ada:", ada_heard, "| cy:", cy_heard)
        #> outline | ada: ['ada: hello', '(disconnected)'] | cy: ['bob left']
        #> ours | ada: ['ada: hello', 'bob left'] | cy: ['ada: hello', 'bob left']
# --8<-- [end:more]
