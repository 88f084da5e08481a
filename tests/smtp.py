"""A small SMTP server on 127.0.0.1 for tests: the edge of the world, where mocking is allowed.

It records what it accepts, can refuse every recipient or every message with a 554, and can be slow.
Written on socketserver because smtpd is deprecated (and gone in Python 3.12).
"""

import email
import email.policy
import socketserver
import sys
import threading
import time
from dataclasses import dataclass


@dataclass
class Received:
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, refuse: str = "", delay: float = 0.0):
        """`refuse` is "rcpt" or "data" to answer 554 there; `delay` is how long each message takes to accept.

        The delay comes after the message is recorded and before the 250 reply, as at a real server
        that has queued a message but not yet said so: the client may die not knowing it was delivered.
        """
        super().__init__(("127.0.0.1", 0), _Session)
        self.refuse = refuse
        self.delay = delay
        self.received: list[Received] = []
        self.refusals = 0
        self.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> "SMTPServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        # A client that dies mid-conversation (a killed worker) is what some tests are about, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def record(self, recipients: list[str], data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(recipients, message))

    def refused(self) -> None:
        with self.lock:
            self.refusals += 1

    def recipients(self) -> list[str]:
        with self.lock:
            return [address for received in self.received for address in received.recipients]


class _Session(socketserver.StreamRequestHandler):
    server: SMTPServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test.invalid ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-test.invalid\r\n250 8BITMIME\r\n")
            elif verb in ("HELO", "NOOP"):
                self.reply("250 OK")
            elif verb in ("MAIL", "RSET"):
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                if self.server.refuse == "rcpt":
                    self.server.refused()
                    self.reply("554 5.7.1 Recipient refused by the test server")
                else:
                    recipients.append(command.partition(":")[2].strip().strip("<>"))
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                if self.server.refuse == "data":
                    self.server.refused()
                    self.reply("554 5.6.0 Message refused by the test server")
                    continue
                self.server.record(recipients, data)
                time.sleep(self.server.delay)
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) and line not in (b".\r\n", b".\n"):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)
