"""The benchmark's report: the machine it ran on, the data set, and a table of every endpoint."""

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine_info(*, load_at_start: bool) -> dict:
    """What the figures depend on. The load average shows whether something else was running too."""
    load = os.getloadavg()[0]
    if not load_at_start:
        return {"load_average_at_end": round(load, 2)}
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "cpu": cpu or platform.processor(),
        "postgresql": postgres,
        "python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).split(" [")[0].strip(),
        "commit": commit,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": round(load, 2),
    }


def database_info() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint
            FROM pg_class c
            WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
            ORDER BY 2 DESC LIMIT 8
            """
        )
        tables = {name: {"bytes": size, "rows_estimate": rows} for name, size, rows in cursor.fetchall()}
    return {"bytes": total, "largest_tables": tables}


def build(*, size, meta, machine, timing, endpoints, import_result, database, seconds) -> dict:
    db = next((e.result for e in endpoints if e.key == "plain_db" and e.result.get("rps")), {})
    db_rps = db.get("rps")
    rows = []
    for endpoint in endpoints:
        result = dict(endpoint.result)
        entry = {"key": endpoint.key, "label": endpoint.label, **result}
        if "rps" in result and db_rps:
            entry["share_of_db"] = result["rps"] / db_rps
        if endpoint.target is not None:
            entry["target"] = endpoint.target.describe()
            if "rps" in result:
                entry["meets_target"] = endpoint.target.met(result, db_rps)
        rows.append(entry)
    return {
        "size": {"name": size.name, **size.counts()},
        "data_set": {
            key: meta.get(key)
            for key in (
                "seed",
                "built_at",
                "build_seconds",
                "rows",
                "worst_case_stakeholder",
                "worst_case_interactions",
            )
        },
        "machine": machine,
        "timing": timing,
        "database": database,
        "endpoints": rows,
        "import": import_result,
        "seconds": round(seconds, 1),
    }


def _ms(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(document: dict) -> str:
    """A Markdown table: readable on the terminal and pasted as is into the README."""
    machine = document["machine"]
    size = document["size"]
    database = document["database"]
    lines = [
        f"Size {size['name']}: {size['stakeholders']:,} stakeholders, {size['organisations']:,} "
        f"organisations, {size['interactions']:,} interactions, {size['follow_ups']:,} follow-ups, "
        f"{size['meetings']:,} meetings, {size['users']:,} users; "
        f"database {database['bytes'] / 1024**3:.2f} GiB.",
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gib']} GiB RAM, "
        f"PostgreSQL {machine['postgresql']}, Python {machine['python']}, {machine['wrk']}; load average "
        f"{machine['load_average_at_start']} at the start, {machine.get('load_average_at_end', '?')} "
        "at the end.",
        f"Median of {document['timing']['runs']} runs of {document['timing']['duration']} s at "
        f"{document['timing']['connections']} connections (p50 at 1 connection: median of "
        f"{document['timing']['one_connection_runs']}). CPU ms/req: the app's workers + their database "
        "sessions, per request.",
        "",
        "| Endpoint | req/s | of db | p50 ms | p95 ms | p99 ms | p50 ms @1 | CPU ms/req | queries | target "
        "| met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|:-:|",
    ]
    for entry in document["endpoints"]:
        target = entry.get("target", "")
        if "rps" not in entry:
            lines.append(f"| {entry['label']} | {entry['status']} | | | | | | | | {target} | |")
            continue
        latency = entry["latency_ms"]
        cpu = entry["cpu_ms_per_request"]
        queries = entry["queries"]
        query_text = str(queries["max"]) + ("" if queries["constant"] else f" (varies: {queries['counts']})")
        if queries.get("count_over"):
            query_text += f" (COUNT over {', '.join(queries['count_over'])})"
        met = {True: "yes", False: "**no**"}.get(entry.get("meets_target"), "")
        share = f"{entry['share_of_db']:.0%}" if "share_of_db" in entry else ""
        errors = f" ({entry['errors']} errors)" if entry.get("errors") else ""
        lines.append(
            f"| {entry['label']}{errors} | {entry['rps']:,.0f} | {share} | {_ms(latency['p50'])} | "
            f"{_ms(latency['p95'])} | {_ms(latency['p99'])} | {_ms(entry['one_connection_p50_ms'])} | "
            f"{cpu['app']:.1f} + {cpu['database']:.1f} | {query_text} | {target} | {met} |"
        )
    imported = document["import"]
    if imported.get("commit_rows_per_second"):
        # The target is the import's once the file is validated; the check and the whole run stand beside it.
        met = "yes" if imported["commit_rows_per_second"] >= 20_000 else "**no**"
        lines.append(
            f"| CSV import ({imported['rows']:,} rows) after the check | "
            f"{imported['commit_rows_per_second']:,.0f} rows/s | | | | | | | | ≥20000 rows/s | {met} |"
        )
        empty = "| | | | | | | | | |"
        lines.append(
            f"| CSV check (reading, validating, duplicates) | "
            f"{imported['check_rows_per_second']:,.0f} rows/s {empty}"
        )
        lines.append(f"| CSV upload to imported, in all | {imported['rows_per_second']:,.0f} rows/s {empty}")
    elif imported.get("rows_per_second"):
        met = "yes" if imported["rows_per_second"] >= 20_000 else "**no**"
        lines.append(
            f"| CSV import ({imported['rows']:,} rows) | {imported['rows_per_second']:,.0f} rows/s "
            f"| | | | | | | | ≥20000 rows/s | {met} |"
        )
    else:
        lines.append(f"| CSV import | {imported.get('status')} | | | | | | | | ≥20000 rows/s | |")
    return "\n".join(lines)
