"""Checks the services `make run` and `make test` need, and creates the database when it is missing.

Run as `python -m liaison_crm.preflight [--create-database]`. Each problem is one line saying what is
missing and how to start it; the exit status is non-zero when anything is missing.
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison_crm.settings")

START_POSTGRES = (
    "start it with `sudo apt-get install postgresql && sudo service postgresql start` "
    "or `docker compose up -d db redis`"
)
START_REDIS = (
    "start it with `sudo apt-get install redis-server && sudo service redis-server start` "
    "or `docker compose up -d db redis`"
)


def check_postgres(database: dict, create: bool) -> str | None:
    import psycopg
    from psycopg import sql

    where = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
    params = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "connect_timeout": 3,
    }
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
            ).fetchone()
            if not exists and create:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
                print(f"Created database {database['NAME']} on {where}.")
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no answer"
        return f"PostgreSQL is not reachable at {where} ({reason}): {START_POSTGRES}."
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {url} ({exc}): {START_REDIS}."
    return None


def main(argv: list[str]) -> int:
    django.setup()
    from django.conf import settings

    problems = [
        check_postgres(settings.DATABASES["default"], create="--create-database" in argv),
        check_redis(settings.REDIS_URL),
    ]
    problems = [problem for problem in problems if problem]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
