"""A real local HTTP receiver for webhook tests (http.server in a thread)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        parts = dict(part.split("=", 1) for part in self.headers["X-Empathy-Signature"].split(","))
        message = f"{parts['t']}.".encode() + self.body
        expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["sha256"])


@dataclass
class Receiver:
    #: Status codes to answer with, in order; then 200.
    answers: list[int] = field(default_factory=list)
    hold_first: bool = False
    received: list[Received] = field(default_factory=list)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@contextmanager
def webhook_receiver(**kwargs):
    state = Receiver(**kwargs)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(dict(self.headers), body))
            if state.hold_first and len(state.received) == 1:
                state.first_arrived.set()
                state.released.wait(60)  # the sender dies meanwhile: nobody hears the answer
                return
            status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()
