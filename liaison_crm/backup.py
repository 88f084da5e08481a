"""Backs up and restores the CRM's PostgreSQL database with pg_dump and pg_restore.

    python -m liaison_crm.backup dump [FILE]      # default: backups/liaison_crm-YYYYMMDD-HHMMSS.dump
    python -m liaison_crm.backup restore FILE     # into DATABASE_URL's database, created when missing

Dumps use pg_dump's custom format (compressed, restorable table by table). Uploaded files under MEDIA_ROOT
are not in the database: back that folder up with the dump.
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison_crm.settings")


def _connection_arguments(database: dict) -> tuple[list[str], dict]:
    arguments = ["--host", database.get("HOST") or "localhost", "--port", str(database.get("PORT") or 5432)]
    if database.get("USER"):
        arguments += ["--username", database["USER"]]
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    return arguments, environment


def dump(database: dict, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    arguments, environment = _connection_arguments(database)
    subprocess.run(
        ["pg_dump", *arguments, "--format", "custom", "--no-owner", "--file", str(target), database["NAME"]],
        env=environment,
        check=True,
    )
    return target


def restore(database: dict, source: Path) -> None:
    """Replaces the database's contents with the dump's; the database is created when it does not exist."""
    if not source.is_file():
        raise FileNotFoundError(f"No backup at {source}")
    arguments, environment = _connection_arguments(database)
    created = subprocess.run(
        ["createdb", *arguments, database["NAME"]], env=environment, capture_output=True, text=True
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise RuntimeError(created.stderr.strip())
    subprocess.run(
        [
            "pg_restore",
            *arguments,
            "--dbname",
            database["NAME"],
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            str(source),
        ],
        env=environment,
        check=True,
    )


def main(argv: list[str]) -> int:
    django.setup()
    from django.conf import settings

    database = settings.DATABASES["default"]
    if len(argv) >= 1 and argv[0] == "dump":
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = Path(argv[1]) if len(argv) > 1 else Path("backups") / f"{database['NAME']}-{stamp}.dump"
        print(f"Backed up {database['NAME']} to {dump(database, target)}")
        return 0
    if len(argv) == 2 and argv[0] == "restore":
        restore(database, Path(argv[1]))
        print(f"Restored {database['NAME']} from {argv[1]}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
