"""A webhook receiver on 127.0.0.1: another tool's server, answering with the status codes a test chooses."""

import http.server
import threading
from dataclasses import dataclass, field

import pytest

from webhooks.models import WebhookEvent
from webhooks.services import webhook_endpoint_create


@dataclass
class Received:
    headers: dict
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def next_status(self) -> int:
        # The last status repeats once the list is used up.
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver():
    state = Receiver()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                state.received.append(Received(dict(self.headers), body))
                status = state.next_status()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/liaison"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint_for():
    def make(owner, url="http://127.0.0.1:9/unused", events=(WebhookEvent.INTERACTION_CREATED,), **fields):
        return webhook_endpoint_create(owner=owner, url=url, events=list(events), **fields)

    return make
