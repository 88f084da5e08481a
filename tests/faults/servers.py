"""Throwaway servers for fault tests: a private PostgreSQL cluster, a private Redis, the app under gunicorn.

Colleagues' test runs share the machine's PostgreSQL and Redis, so a test that stops a server stops one of
its own: each runs on a free port in a temporary folder and is gone when the test ends.
"""

import contextlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from django.conf import settings as django_settings

from ..workers import wait_for

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres() -> list[str]:
    # initdb and postgres refuse to run as root; the machine's own cluster runs as `postgres`.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivateCluster:
    """A PostgreSQL 15 cluster of the test's own, fsync off: made in about two seconds, restarted in one."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="liaison-faults-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        subprocess.run([*_as_postgres(), *command], check=True, capture_output=True, timeout=120)

    def create(self) -> "PrivateCluster":
        self._run(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
            "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        # -m fast: what a restart by the operating system or an operator does; open sessions are cut.
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def copy_database(self, source: dict, name: str) -> None:
        """Creates `name` here as a copy of the source database (a Django settings dict): schema and rows."""
        subprocess.run(
            [str(POSTGRES_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            capture_output=True,
            timeout=60,
        )
        dump = subprocess.Popen(
            [
                str(POSTGRES_BIN / "pg_dump"), "--no-owner", "--no-privileges",
                "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432),
                "-U", source["USER"] or "postgres", source["NAME"],
            ],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        restore = subprocess.run(
            [
                str(POSTGRES_BIN / "psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", name,
            ],
            stdin=dump.stdout,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
        dump.stdout.close()
        assert dump.wait(60) == 0, "pg_dump failed"
        assert restore.returncode == 0, restore.stderr.decode()[-2000:]

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivateRedis:
    """`redis-server` on a free port, keeping nothing on disk like the machine's; stopped, started again."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory),
             "--logfile", str(self.directory / "redis.log")],
        )  # fmt: skip
        wait_for(self._answers, timeout=20, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.process = None


class AppServer:
    """The app under gunicorn, one sync worker — one process, one persistent database connection."""

    def __init__(self, directory: Path, environment: dict):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "gunicorn.log"
        # Production settings (DEBUG off), but plain static files: there is no collectstatic manifest here.
        (directory / "fault_server_settings.py").write_text(
            "from liaison_crm.settings import *  # noqa: F403\n"
            'STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}\n'
        )
        self.environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(directory), str(django_settings.BASE_DIR)]),
            "DJANGO_SETTINGS_MODULE": "fault_server_settings",
            "DEBUG": "0",
            "SECRET_KEY": "fault-tests-only-" + "x" * 40,
            "SECURE": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **environment,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "liaison_crm.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--timeout", "60", "--graceful-timeout", "5"],
            cwd=django_settings.BASE_DIR,
            env=self.environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self._answers, timeout=60, what="gunicorn to answer", logs=[self.log])

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-4000:]
        try:
            return requests.get(f"{self.base_url}/accounts/login/", timeout=10).status_code == 200
        except requests.ConnectionError:
            return False

    def worker_pids(self) -> set[int]:
        """The ids of gunicorn's worker processes: a worker restarted by the arbiter would get a new one."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return {int(pid) for pid in children.split()}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process:
            self._log_file.close()


def sign_in(base_url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=15)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base_url}/accounts/login/"},
        timeout=15,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:2000]
    return session


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """Another tool's webhook endpoint on 127.0.0.1: records each POST, then waits `delay` s before its 200.

    The delay comes after the request is recorded, as at a receiver that has acted on a delivery but not yet
    said so: the worker may die not knowing it was received.
    """

    daemon_threads = True

    def __init__(self, *, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.delay = delay
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/liaison"

    def deliveries(self) -> list[tuple[str, str]]:
        """(X-Liaison-Delivery, the body's event id) of each POST received."""
        with self.lock:
            return [(request["delivery"], request["event_id"]) for request in self.received]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        # A worker killed mid-request leaves a closed socket to answer: what the test is about, not an error.
        pass


class _ReceiverHandler(http.server.BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.received.append(
                {"delivery": self.headers["X-Liaison-Delivery"], "event_id": json.loads(body)["id"]}
            )
        time.sleep(self.server.delay)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass
