"""The benchmark at a tiny size, so that it cannot rot: data set, server, wrk, query counts and report.

It runs `python -m bench` as `make bench` does, against a database and a port of its own, for about a second
per endpoint, and checks the report rather than the speed (which depends on the machine).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    for port in range(8100, 8200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("No free port from 8100 to 8199 for the benchmark's server.")


def database_url(name: str) -> str:
    database = settings.DATABASES["default"]
    user = urllib.parse.quote(database.get("USER") or "postgres")
    password = f":{urllib.parse.quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{database.get('PORT') or 5432}/{name}"


@pytest.fixture
def bench_database():
    name = f"liaison_crm_bench_smoke_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_benchmark_runs_at_a_tiny_size_and_reports_every_endpoint(bench_database, tmp_path):
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk is missing: `make test` installs Debian's wrk when run as root.")
        pytest.skip("wrk is not installed (sudo apt-get install wrk).")
    output = tmp_path / "tiny.json"
    command = [
        sys.executable, "-m", "bench", "--size", "tiny", "--database", bench_database,
        "--port", str(free_port()), "--duration", "1", "--warmup", "0", "--runs", "1",
        "--one-connection-runs", "0", "--output", str(output), "--work-dir", str(tmp_path / "work"),
        "--drop-database",
    ]  # fmt: skip
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": database_url("postgres"),
        "BENCH_REDIS_URL": settings.REDIS_URL,
    }
    # About 30 s on a quiet machine; the limit only catches a hang, with room for a busy machine.
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    report = json.loads(output.read_text())
    assert {"size", "data_set", "machine", "timing", "database", "endpoints", "import"} <= report.keys()
    assert report["size"]["stakeholders"] == 200
    assert report["machine"]["nproc"] >= 1 and report["machine"]["postgresql"]
    assert report["database"]["bytes"] > 0
    endpoints = {entry["key"]: entry for entry in report["endpoints"]}
    assert {
        "plain_json",
        "plain_db",
        "stakeholder_list",
        "stakeholder_page_worst",
        "api_list",
    } <= endpoints.keys()
    for key, entry in endpoints.items():
        assert entry["status"] == "ok", f"{key}: {entry['status']}"
        assert 200 <= entry["first_status"] < 400, key
        assert entry["requests"] > 0 and entry["errors"] == 0, key
        assert {"p50", "p95", "p99"} <= entry["latency_ms"].keys(), key
        assert entry["queries"]["constant"], f"{key}: queries per request vary: {entry['queries']['counts']}"
    assert endpoints["plain_json"]["queries"]["max"] == 0
    assert endpoints["plain_db"]["queries"]["max"] == 1
    assert endpoints["plain_db"]["share_of_db"] == 1
    imported = report["import"]
    assert imported["status"] == "ok"
    # The import after the check is timed apart from the check, and both within the whole run.
    assert 0 < imported["commit_seconds"] < imported["seconds"]
    assert 0 < imported["check_seconds"] < imported["seconds"]
    assert "| CSV import (" in finished.stdout and "after the check" in finished.stdout
    assert "| Endpoint | req/s |" in finished.stdout

    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        left = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_database]).fetchone()
    assert left is None, "the benchmark database was not dropped"
