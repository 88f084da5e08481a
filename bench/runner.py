"""Runs the benchmark: data set, production-like server, wrk against each endpoint, query counts, report.

    python -m bench [--size tiny|small|default|large|<stakeholders>] [--duration S] [--port 8100] …

The server is gunicorn with two sync workers, DEBUG off, persistent database connections and the
BENCHMARK setting on (the calibration endpoints). wrk drives it over loopback with random ids and search
terms (lua/requests.lua): a warm-up, then `--runs` runs at 8 connections and at 1 connection; the report
gives the median of each figure. Query counts come from Django's test client in this process, against the
same database, with the same session cookie and token as wrk.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = ROOT / "bench" / "lua" / "requests.lua"
# Bump when the generator changes what it writes: a kept database of another version is rebuilt.
GENERATOR_VERSION = 2
DEFAULT_DATABASE = "liaison_crm_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PORTS = range(8100, 8200)
COUNT = re.compile(r"\bCOUNT\(", re.IGNORECASE)
FROM_TABLE = re.compile(r'\bFROM "?(\w+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """What the issue asks of an endpoint at the default size on the reference machine (2 cores)."""

    p95_ms: float | None = None
    share_of_db: float | None = None  # of /bench/plain/db's requests per second
    min_rps: float | None = None

    def describe(self) -> str:
        parts = []
        if self.p95_ms is not None:
            parts.append(f"p95≤{self.p95_ms:g}ms")
        if self.share_of_db is not None:
            parts.append(f"≥{self.share_of_db:.0%} db")
        if self.min_rps is not None:
            parts.append(f"≥{self.min_rps:g}/s")
        return " ".join(parts)

    def met(self, result: dict, db_rps: float | None) -> bool:
        if self.p95_ms is not None and result["latency_ms"]["p95"] > self.p95_ms:
            return False
        if self.share_of_db is not None and db_rps and result["rps"] < self.share_of_db * db_rps:
            return False
        return not (self.min_rps is not None and result["rps"] < self.min_rps)


API_TARGET = Target(p95_ms=20, share_of_db=0.4)
PAGE_TARGET = Target(p95_ms=40)
SEARCH_TARGET = Target(p95_ms=50)
IMPORT_ROWS_PER_SECOND = 20_000


@dataclass
class Endpoint:
    key: str
    label: str
    auth: str  # none, officer, manager (session cookies) or token
    requests: list[tuple[str, str, str]]  # method, path, body; wrk picks one at random for each request
    content_type: str | None = None
    target: Target | None = None
    result: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Timing:
    warmup: int
    duration: int
    runs: int
    one_connection_duration: int
    one_connection_runs: int
    connections: int = 8


def timing_for(size_name: str, args) -> Timing:
    quick = size_name in {"tiny", "small"}
    return Timing(
        warmup=args.warmup if args.warmup is not None else (1 if quick else 3),
        duration=args.duration or (1 if quick else 10),
        runs=args.runs or 3,
        one_connection_duration=args.duration or (1 if quick else 5),
        one_connection_runs=args.one_connection_runs
        if args.one_connection_runs is not None
        else (1 if quick else 3),
    )


def log(message: str) -> None:
    print(message, flush=True)


# The environment --------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liaison_crm"
    )
    return urllib.parse.urlsplit(base)._replace(path=f"/{name}").geturl()


def server_environment(args, static_root: Path) -> dict[str, str]:
    """The production-like settings the server (and this process) run with."""
    return {
        "DJANGO_SETTINGS_MODULE": "liaison_crm.settings",
        "DATABASE_URL": database_url(args.database),
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "BENCHMARK": "1",
        "SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "600",
        "STATIC_ROOT": str(static_root),
        # The import writes the uploaded file here.
        "MEDIA_ROOT": str(static_root.parent / "media"),
        # The API's rate limit would stop a load test after 1,200 requests; it is still counted in Redis.
        "API_RATE_LIMIT": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "EMAIL_URL": "consolemail://",
    }


def preflight(args) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench` installs it as root, else `sudo apt-get install wrk`.")
    if "bench" not in args.database:
        sys.exit(f"--database {args.database}: the benchmark only uses databases with 'bench' in the name.")
    if args.port not in PORTS:
        sys.exit(f"--port {args.port}: use a port from {PORTS.start} to {PORTS.stop - 1}.")
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            sys.exit(f"Port {args.port} is already in use: give another with --port (8100 to 8199).")


# The data set ---------------------------------------------------------------------------------------


def _admin_connection(args):
    import psycopg

    return psycopg.connect(database_url("postgres"), autocommit=True)


def _database_meta(args) -> dict | None:
    with _admin_connection(args) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [args.database],
        ).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except ValueError:
        return {}


def _set_database_meta(args, meta: dict) -> None:
    from psycopg import sql

    with _admin_connection(args) as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(args.database), sql.Literal(json.dumps(meta))
            )
        )


def drop_database(args) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with _admin_connection(args) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database))
        )


TEMPLATE_PREFIX = "liaison_crm_bench_schema_"


def _schema_template_name() -> str:
    """A database name for the migrated, empty schema: it changes with every migration and dependency."""
    import hashlib

    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return TEMPLATE_PREFIX + digest.hexdigest()[:16]


def _create_database(args, name: str, *, template: str | None = None) -> bool:
    """Creates the database, as a copy of `template` when given; False when that template is not there."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    with _admin_connection(args) as connection:
        if (
            template is not None
            and not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        ):
            return False
        try:
            connection.execute(statement)
        except psycopg.errors.ObjectInUse:
            return False  # another run is copying or making the template: migrate instead
    return True


def _save_schema_template(args, template: str) -> None:
    """Keeps the freshly migrated schema as a template (migrating takes seconds; copying, a moment)."""
    import psycopg
    from psycopg import sql

    with _admin_connection(args) as connection:
        stale = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [TEMPLATE_PREFIX + "%", template],
        ).fetchall()
        try:
            for (name,) in stale:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(template), sql.Identifier(args.database)
                )
            )
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.ObjectInUse):
            pass  # another run saved it, or is using the old one


def prepare_data(args, size) -> dict:
    """Builds the data set, or keeps the one already there when it was built for this size and seed."""
    import psycopg
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from . import generate

    wanted = {"stakeholders": size.stakeholders, "seed": generate.SEED, "generator": GENERATOR_VERSION}
    meta = _database_meta(args)
    if meta is not None and not args.rebuild and {k: meta.get(k) for k in wanted} == wanted:
        log(f"Keeping the data set in {args.database} (built {meta.get('built_at')}; --rebuild to redo).")
        call_command("migrate", verbosity=0)
        vacuum()
        return meta
    started = perf_counter()
    log(f"Building the {size.name} data set in {args.database} …")
    drop_database(args)
    template = _schema_template_name()
    if not _create_database(args, args.database, template=template):
        _create_database(args, args.database)
        call_command("migrate", verbosity=0)
        connections.close_all()
        _save_schema_template(args, template)
    log(f"  migrated in {perf_counter() - started:.0f} s")
    now = timezone.now()
    with psycopg.connect(database_url(args.database), autocommit=True) as connection:
        loaded = generate.load(
            connection,
            size,
            now=now,
            password_hash=make_password(generate.PASSWORD),
            log=log,
        )
    meta = {
        **wanted,
        **loaded,
        "built_at": now.isoformat(timespec="seconds"),
        "build_seconds": round(perf_counter() - started, 1),
    }
    _set_database_meta(args, meta)
    log(f"Data set built in {meta['build_seconds']:.0f} s.")
    return meta


def vacuum() -> None:
    """Clears what earlier runs left behind before this one measures: each run's import is rolled back and
    its logging rewrites stakeholders, and the dead rows slow what reads them until autovacuum comes by (a
    data set after a dozen rolled-back imports, with five dead stakeholder rows to each live one, searched
    at 22 requests/s instead of 40)."""
    from django.db import connection

    started = perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(f"  vacuumed in {perf_counter() - started:.0f} s")


def refresh_summaries() -> None:
    """Brings the dashboards' summaries up to date, as the quarter-hourly beat keeps them in production: the
    manager dashboard reads them, and so does a stakeholder page's health card (today's snapshot, worked out
    live only for someone logged with since). Without it the dashboard read empty tables, and every page
    viewed after a run's logging worked its card out live."""
    from dashboards.services import figures_refresh

    started = perf_counter()
    figures_refresh()
    log(f"Dashboard summaries brought up to date in {perf_counter() - started:.0f} s, as the beat would.")


def collect_static(static_root: Path) -> None:
    """The production storage needs collected files and their manifest; collected once, then kept.

    Collected again when a file under static/ or the dependencies changed; a lock keeps two runs (a test
    and a `make bench`) from writing the manifest at once.
    """
    import fcntl

    from django.core.management import call_command

    static_root.mkdir(parents=True, exist_ok=True)
    manifest = static_root / "staticfiles.json"
    sources = [ROOT / "pyproject.toml", *(path for path in (ROOT / "static").rglob("*") if path.is_file())]
    with (static_root.parent / "static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest.exists() and manifest.stat().st_mtime > max(path.stat().st_mtime for path in sources):
            return
        call_command("collectstatic", interactive=False, verbosity=0)


# The server -----------------------------------------------------------------------------------------


class Server:
    """gunicorn with two sync workers, as production would run it (without the proxy in front)."""

    def __init__(self, port: int, env: dict[str, str], log_path: Path):
        self.port = port
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "liaison_crm.wsgi:application",
            "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
            "--backlog", "2048", "--log-level", "warning", "--timeout", "60",
        ]  # fmt: skip
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: see {self.log_path}\n{self.log_path.read_text()[-2000:]}"
                )
            try:
                status, _headers, _body = self.request("GET", "/bench/plain/json")
            except OSError:
                time.sleep(0.2)
                continue
            if status != 200:
                raise RuntimeError(f"/bench/plain/json answered {status}: is the BENCHMARK setting on?")
            return
        raise RuntimeError(f"gunicorn did not answer within a minute: see {self.log_path}")

    def cpu_seconds(self, database: str) -> dict[str, dict[int, float]]:
        """CPU time used so far by the gunicorn workers, and by the database sessions serving them.

        Divided by the requests served, these survive a busy machine better than requests per second: on a
        shared machine the other processes take the cores, not the CPU time a request needs.
        """
        from django.db import connection

        workers = _children(self.process.pid) if self.process else []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        return {
            "app": {pid: _cpu_seconds(pid) for pid in workers},
            "database": {pid: _cpu_seconds(pid) for pid in backends},
        }

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log_file.close()

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body.encode() or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def sign_in(self, username: str, password: str) -> dict[str, str]:
        """Signs in through the login form, as a browser would; returns the cookies."""
        status, headers, body = self.request("GET", "/accounts/login/")
        cookies = _cookies(headers)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"The login page answered {status} without a CSRF token.")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        status, headers, _body = self.request(
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(cookies)},
        )
        cookies |= _cookies(headers)
        if status != 302 or "sessionid" not in cookies:
            raise RuntimeError(f"Could not sign in as {username} (status {status}).")
        return cookies


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0  # gone, or not Linux
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


def _cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# The endpoints --------------------------------------------------------------------------------------


class Session:
    """Credentials as wrk sends them (headers) and as the test client sends them (cookies, extra)."""

    def __init__(self, cookies: dict[str, str] | None = None, token: str | None = None):
        self.cookies = cookies or {}
        self.token = token

    def headers(self, content_type: str | None) -> list[str]:
        headers = []
        if self.cookies:
            headers.append(f"Cookie: {_cookie_header(self.cookies)}")
            if "csrftoken" in self.cookies:
                headers.append(f"X-CSRFToken: {self.cookies['csrftoken']}")
        if self.token:
            headers.append(f"Authorization: Bearer {self.token}")
        if content_type:
            headers.append(f"Content-Type: {content_type}")
        return headers


def _misspell(rng: random.Random, word: str) -> str:
    """One typing slip inside the word: two letters swapped, one dropped or one doubled."""
    index = rng.randint(1, len(word) - 3)
    slip = rng.choice(("swap", "drop", "double"))
    if slip == "swap":
        return word[:index] + word[index + 1] + word[index] + word[index + 2 :]
    if slip == "drop":
        return word[:index] + word[index + 1 :]
    return word[:index] + word[index] + word[index:]


def build_endpoints(meta: dict, sessions: dict[str, Session], port: int) -> list[Endpoint]:
    """The endpoints, each with a few hundred requests that differ in ids, search terms and cursors."""
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from contacts.models import Stakeholder
    from interactions.models import Interaction

    rng = random.Random(11)
    worst = meta["worst_case_stakeholder"]
    count = Stakeholder.objects.order_by("-pk").values_list("pk", flat=True).first()
    sample = rng.sample(range(1, count + 1), min(count, 3000))
    through = Interaction.stakeholders.through
    busy = set(
        through.objects.filter(stakeholder__in=sample)
        .values("stakeholder")
        .annotate(total=Count("pk"))
        .filter(total__gt=50)
        .values_list("stakeholder", flat=True)
    )
    people = list(
        Stakeholder.objects.filter(pk__in=sample, is_archived=False)
        .exclude(pk__in=busy | {worst})
        .values_list("pk", "name")
    )
    rng.shuffle(people)
    typical = [pk for pk, _name in people[:500]]

    words = [name.split() for _pk, name in people]
    fulltext_terms = []
    for parts in words[:400]:
        roll = rng.random()
        if roll < 0.4:
            fulltext_terms.append(parts[-1])
        elif roll < 0.8:
            fulltext_terms.append(f"{parts[0]} {parts[-1][: rng.randint(3, 5)]}".lower())
        else:
            fulltext_terms.append(parts[0][: rng.randint(3, 6)].lower())
    misspelled = []
    for parts in words[::-1]:
        family = max(parts, key=len)
        if len(family) >= 6 and family.isalpha():
            slip = _misspell(rng, family)
            if slip.lower() != family.lower() and Stakeholder.objects.active().search(slip).exists():
                misspelled.append(slip)
        if len(misspelled) >= 200:
            break

    # Cursor pages of the API list, as a tool syncing the register walks them.
    client = Client(HTTP_HOST=f"127.0.0.1:{port}", HTTP_AUTHORIZATION=f"Bearer {sessions['token'].token}")
    cursors = ["/api/v1/stakeholders/"]
    while len(cursors) < 40:
        response = client.get(cursors[-1])
        following = response.json().get("next") if response.status_code == 200 else None
        if not following:
            break
        parts = urllib.parse.urlsplit(following)
        cursors.append(f"{parts.path}?{parts.query}")

    yesterday = (timezone.localtime() - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    csrf = sessions["officer"].cookies.get("csrftoken", "")
    log_posts = []
    api_posts = []
    for pk in typical[:300]:
        form = {
            "kind": rng.choice(("call", "email", "meeting")),
            "direction": "outbound",
            "occurred_at": yesterday.strftime("%Y-%m-%dT%H:%M"),
            "stakeholders": pk,
            "summary": rng.choice(("Catch-up call on the consultation", "Sent the briefing pack")),
            "outcome": "Agreed next steps.",
            "sentiment": rng.choice((0, 1)),
            "topics": "Research",
            "from_stakeholder": pk,
            "csrfmiddlewaretoken": csrf,
        }
        log_posts.append(("POST", "/interactions/new/", urllib.parse.urlencode(form)))
        body = {
            "kind": "call",
            "summary": "Agreed the consultation timetable",
            "stakeholders": [pk],
            "topics": ["Research"],
            "occurred_at": yesterday.isoformat(),
        }
        api_posts.append(("POST", "/api/v1/interactions/", json.dumps(body)))

    get = lambda paths: [("GET", path, "") for path in paths]  # noqa: E731
    stakeholder_ids = rng.choices(range(1, count + 1), k=500)
    return [
        Endpoint("plain_json", "/bench/plain/json (no database)", "none", get(["/bench/plain/json"])),
        Endpoint(
            "plain_db",
            "/bench/plain/db (one primary-key read)",
            "none",
            get(f"/bench/plain/db?id={pk}" for pk in stakeholder_ids),
        ),
        Endpoint(
            "stakeholder_list",
            "Stakeholder list page",
            "officer",
            get(f"/stakeholders/?page={page}" for page in range(1, 21)),
            target=PAGE_TARGET,
        ),
        Endpoint(
            "search_fulltext",
            "Stakeholder search, full text",
            "officer",
            get(f"/stakeholders/?{urllib.parse.urlencode({'q': term})}" for term in fulltext_terms),
            target=SEARCH_TARGET,
        ),
        Endpoint(
            "search_misspelled",
            "Stakeholder search, misspelled",
            "officer",
            get(f"/stakeholders/?{urllib.parse.urlencode({'q': term})}" for term in misspelled),
            target=SEARCH_TARGET,
        ),
        Endpoint(
            "stakeholder_page",
            "Stakeholder page with timeline",
            "officer",
            get(f"/stakeholders/{pk}/" for pk in typical),
            target=PAGE_TARGET,
        ),
        Endpoint(
            "stakeholder_page_worst",
            f"Stakeholder page, worst case ({meta['worst_case_interactions']:,} interactions)",
            "officer",
            get([f"/stakeholders/{worst}/"]),
            target=PAGE_TARGET,
        ),
        Endpoint(
            "log_interaction",
            "Log interaction (HTML form POST)",
            "officer",
            log_posts,
            content_type="application/x-www-form-urlencoded",
            target=Target(min_rps=300),
        ),
        Endpoint("api_list", "API stakeholder list (cursor pages)", "token", get(cursors), target=API_TARGET),
        Endpoint(
            "api_timeline",
            "API timeline (interactions of a stakeholder)",
            "token",
            get(f"/api/v1/interactions/?stakeholder={pk}" for pk in typical),
            target=API_TARGET,
        ),
        Endpoint(
            "api_timeline_worst",
            "API timeline, worst case",
            "token",
            get([f"/api/v1/interactions/?stakeholder={worst}"]),
            target=API_TARGET,
        ),
        Endpoint(
            "api_create",
            "API create interaction (POST)",
            "token",
            api_posts,
            content_type="application/json",
        ),
        Endpoint(
            "dashboard", "Manager dashboard", "manager", get(["/dashboard/"]), target=Target(p95_ms=100)
        ),
        Endpoint(
            "global_search",
            "Global search",
            "officer",
            get(f"/search/?{urllib.parse.urlencode({'q': term})}" for term in fulltext_terms[:200]),
            target=SEARCH_TARGET,
        ),
    ]


def count_queries(
    endpoint: Endpoint, session: Session, port: int, samples: int = 3
) -> tuple[list[int], list]:
    """Queries per request for a few of the endpoint's requests, through Django's test client.

    Also returns the tables any COUNT(…) among them ran over: no page may count a large table.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {"HTTP_HOST": f"127.0.0.1:{port}"}
    if session.token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {session.token}"
    client = Client(**extra)
    for name, value in session.cookies.items():
        client.cookies[name] = value
    rng = random.Random(5)
    chosen = [endpoint.requests[0], *rng.sample(endpoint.requests, min(samples, len(endpoint.requests)))]
    counts, counted = [], set()
    for index, (method, path, body) in enumerate(chosen):
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(method, path, body, content_type=endpoint.content_type or "")
        if response.status_code >= 400:
            raise RuntimeError(f"{endpoint.key}: {method} {path} answered {response.status_code} in-process")
        if index:  # the first request warms caches (content types, the user's groups)
            counts.append(len(queries))
        for query in queries.captured_queries:
            if COUNT.search(query["sql"]):
                counted.update(FROM_TABLE.findall(query["sql"]))
    return counts, sorted(counted & set(connection.introspection.table_names()))


def run_wrk(
    endpoint: Endpoint, session: Session, port: int, connections: int, seconds: int, work: Path
) -> dict:
    requests_file = work / f"{endpoint.key}.tsv"
    if not requests_file.exists():
        requests_file.write_text("".join(f"{m}\t{p}\t{b}\n" for m, p, b in endpoint.requests))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA_SCRIPT)]
    for header in session.headers(endpoint.content_type):
        command += ["-H", header]
    command += [f"http://127.0.0.1:{port}", "--", str(requests_file)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in finished.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if finished.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {endpoint.key}: {finished.stderr or finished.stdout}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds_taken = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {
        "connections": connections,
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds_taken if seconds_taken else 0.0,
        "errors": raw["errors"],
        "latency_ms": {key: latency[key] / 1000 for key in ("mean", "p50", "p90", "p95", "p99", "max")},
    }


def measure(endpoint: Endpoint, session: Session, server, timing: Timing, work: Path, database: str) -> dict:
    port = server.port
    if timing.warmup:
        run_wrk(endpoint, session, port, timing.connections, timing.warmup, work)
    before = server.cpu_seconds(database)
    runs = [
        run_wrk(endpoint, session, port, timing.connections, timing.duration, work)
        for _ in range(timing.runs)
    ]
    after = server.cpu_seconds(database)
    served = sum(run["requests"] for run in runs) or 1
    # A process that started meanwhile counts from zero; one that ended is missed (rare: connections persist).
    used = {
        kind: sum(seconds - before[kind].get(pid, 0.0) for pid, seconds in after[kind].items())
        for kind in ("app", "database")
    }
    single = [
        run_wrk(endpoint, session, port, 1, timing.one_connection_duration, work)
        for _ in range(timing.one_connection_runs)
    ]
    errors = sum(sum(run["errors"].values()) for run in runs + single)
    return {
        "rps": statistics.median(run["rps"] for run in runs),
        "latency_ms": {
            key: statistics.median(run["latency_ms"][key] for run in runs) for key in ("p50", "p95", "p99")
        },
        "one_connection_p50_ms": statistics.median(run["latency_ms"]["p50"] for run in single)
        if single
        else None,
        "requests": sum(run["requests"] for run in runs + single),
        "cpu_ms_per_request": {kind: seconds * 1000 / served for kind, seconds in used.items()},
        "errors": errors,
        "runs": runs,
        "one_connection_runs": single,
    }


# Main -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", default="default", help="tiny, small, default, large or a number of stakeholders"
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE"),
        help="liaison_crm_bench, or liaison_crm_bench_<size> for other sizes; kept for the next run",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8100")))
    parser.add_argument(
        "--duration", type=int, help="seconds per measured run (default 10; 1 for tiny/small)"
    )
    parser.add_argument(
        "--warmup", type=int, help="seconds of warm-up per endpoint (default 3; 1 for tiny/small)"
    )
    parser.add_argument("--runs", type=int, help="measured runs at 8 connections (default 3)")
    parser.add_argument(
        "--one-connection-runs", type=int, help="runs at 1 connection (default 3; 1 for tiny/small)"
    )
    parser.add_argument("--only", help="comma-separated endpoint keys, e.g. api_list,stakeholder_page")
    parser.add_argument("--rebuild", action="store_true", help="build the data set even if one is there")
    parser.add_argument("--drop-database", action="store_true", help="drop the database when done")
    parser.add_argument("--output", help="the JSON report (default var/bench/<size>.json)")
    parser.add_argument(
        "--work-dir", help="wrk's request files and the server log (default var/bench/<database>)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Stopped from a terminal, a test's timeout or a background job: stop the server and drop what was asked.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    from .sizes import parse_size

    try:
        size = parse_size(args.size)
    except ValueError as error:
        sys.exit(str(error))
    if not args.database:
        args.database = DEFAULT_DATABASE if size.name == "default" else f"{DEFAULT_DATABASE}_{size.name}"
    preflight(args)
    work = Path(args.work_dir) if args.work_dir else ROOT / "var" / "bench" / args.database
    static_root = ROOT / "var" / "bench" / "static"
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("*.tsv"):
        stale.unlink()
    env = server_environment(args, static_root)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from . import report
    from .imports import run_import

    started = perf_counter()
    server = None
    try:
        meta = prepare_data(args, size)
        refresh_summaries()
        collect_static(static_root)
        server = Server(args.port, env, work / "gunicorn.log")
        server.start()
        log(f"gunicorn is serving {args.database} on 127.0.0.1:{args.port} (2 sync workers, DEBUG off).")
        machine = report.machine_info(load_at_start=True)
        from accounts.models import User
        from accounts.services import api_token_create

        from .generate import PASSWORD

        officer = User.objects.get(username="officer")
        _token, key = api_token_create(user=officer, name="benchmark", actor=officer)
        sessions = {
            "none": Session(),
            "officer": Session(cookies=server.sign_in("officer", PASSWORD)),
            "manager": Session(cookies=server.sign_in("manager", PASSWORD)),
            "token": Session(token=key),
        }
        endpoints = build_endpoints(meta, sessions, args.port)
        if args.only:
            keep = {key.strip() for key in args.only.split(",")} | {"plain_db"}
            endpoints = [endpoint for endpoint in endpoints if endpoint.key in keep]
        timing = timing_for(size.name, args)
        for endpoint in endpoints:
            session = sessions[endpoint.auth]
            method, path, body = endpoint.requests[0]
            status, _headers, _body = server.request(
                method,
                path,
                body,
                {
                    name.split(": ", 1)[0]: name.split(": ", 1)[1]
                    for name in session.headers(endpoint.content_type)
                },
            )
            if status >= 400:
                endpoint.result = {"status": f"error: {method} {path} answered {status}"}
                log(f"  {endpoint.label}: {method} {path} answered {status}")
                continue
            queries, counted_tables = count_queries(endpoint, session, args.port)
            result = measure(endpoint, session, server, timing, work, args.database)
            endpoint.result = {
                "status": "ok" if result["errors"] == 0 else "errors",
                "first_status": status,
                **result,
                "queries": {
                    "counts": queries,
                    "constant": len(set(queries)) == 1,
                    "max": max(queries),
                    "count_over": counted_tables,
                },
            }
            log(
                f"  {endpoint.label}: {result['rps']:.0f} req/s, p95 {result['latency_ms']['p95']:.1f} ms, "
                f"{max(queries)} queries"
            )
        import_result = run_import(size)
        log(f"  CSV import: {import_result.get('status')}")
        database = report.database_info()
    finally:
        if server is not None:
            server.stop()
        if args.drop_database:
            drop_database(args)
    machine |= report.machine_info(load_at_start=False)
    document = report.build(
        size=size,
        meta=meta,
        machine=machine,
        timing=asdict(timing),
        endpoints=endpoints,
        import_result=import_result,
        database=database,
        seconds=perf_counter() - started,
    )
    output = Path(args.output) if args.output else ROOT / "var" / "bench" / f"{size.name}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n")
    print()
    print(report.table(document))
    print(f"\nJSON report: {output}")
    return 0
