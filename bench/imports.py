"""CSV import rows per second, through the import service when the code base has one.

The import is being built separately; until it lands this reports "not built yet". The service is looked
for by name (`stakeholders_import`, `stakeholder_import`, `import_stakeholders`) in the modules below, and
called with the arguments its signature names. The rows are rolled back afterwards, so the data set stays
as it was built.
"""

import csv
import importlib
import inspect
import io
import random
from time import perf_counter

from django.db import transaction

MODULES = (
    "contacts.imports",
    "contacts.importing",
    "contacts.csv_import",
    "contacts.services",
    "imports.services",
)
NAMES = ("stakeholders_import", "stakeholder_import", "import_stakeholders", "stakeholders_import_csv")
COLUMNS = ("name", "form_of_address", "emails", "phones", "languages", "organisation", "role", "notes")


class _Rollback(Exception):
    pass


def find_service():
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in NAMES:
            service = getattr(module, name, None)
            if callable(service):
                return f"{module_name}.{name}", service
    return None, None


def csv_text(rows: int, *, seed: int = 3) -> str:
    from contacts.management.commands.seed_demo import CULTURES, _ascii_slug
    from contacts.models import Organisation

    rng = random.Random(seed)
    organisations = list(Organisation.objects.order_by("pk").values_list("name", flat=True)[:500])
    cultures = list(CULTURES.values())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for number in range(rows):
        culture = rng.choice(cultures)
        given, family = rng.choice(culture.female + culture.male), rng.choice(culture.family)
        writer.writerow(
            (
                f"{given} {family}",
                "",
                f"{_ascii_slug(given)}.{_ascii_slug(family)}.{number}@example.org",
                f"+44 20 7946 {number % 10000:04d}",
                "en",
                rng.choice(organisations),
                "Programme Manager",
                "Imported for the benchmark.",
            )
        )
    return out.getvalue()


def _arguments(service, text: str, actor) -> dict:
    arguments = {}
    for name, parameter in inspect.signature(service).parameters.items():
        lowered = name.lower()
        if lowered in {"actor", "user", "by", "author", "owner", "imported_by"}:
            arguments[name] = actor
        elif "file" in lowered or "stream" in lowered or lowered in {"source", "upload"}:
            arguments[name] = io.BytesIO(text.encode())
        elif lowered in {"text", "content", "csv", "data", "csv_text"}:
            arguments[name] = text
        elif lowered == "rows":
            arguments[name] = list(csv.DictReader(io.StringIO(text)))
        elif lowered == "dry_run":
            arguments[name] = False
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_KEYWORD,
            inspect.Parameter.VAR_POSITIONAL,
        ):
            raise TypeError(f"does not know what to give for {name!r}")
    return arguments


def run_import(size) -> dict:
    from accounts.models import User

    path, service = find_service()
    if service is None:
        return {"status": "not built yet"}
    rows = max(200, min(20_000, size.stakeholders // 10))
    text = csv_text(rows)
    actor = User.objects.get(username="officer")
    try:
        arguments = _arguments(service, text, actor)
    except TypeError as error:
        return {"status": f"skipped: {path}{inspect.signature(service)} {error}"}
    started = perf_counter()
    try:
        with transaction.atomic():
            job = service(**arguments)
            elapsed = perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {
        "status": "ok",
        "service": path,
        "rows": rows,
        "seconds": elapsed,
        "rows_per_second": rows / elapsed,
        **_phases(job, rows),
    }


def _phases(job, rows: int) -> dict:
    """The check (reading and validating the file) and the import after it, from the job's own clock."""
    stamps = ("created_at", "checked_at", "started_at", "finished_at")
    if not all(getattr(job, stamp, None) for stamp in stamps):
        return {}
    checking = (job.checked_at - job.created_at).total_seconds()
    importing = (job.finished_at - job.started_at).total_seconds()
    return {
        "check_seconds": checking,
        "check_rows_per_second": rows / checking,
        "commit_seconds": importing,
        "commit_rows_per_second": rows / importing,
    }
