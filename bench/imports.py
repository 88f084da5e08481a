"""CSV import rows per second: a file of stakeholders through the import service, as a person uploads it.

The file is read, checked and imported in this process (`imports.services.import_file`) and the rows are
rolled back afterwards, so the data set stays as it was built. The job's own clock gives the two phases: the
check (reading and validating the file, looking for duplicates) and the import after it.
"""

import csv
import io
import random
from time import perf_counter

from django.db import transaction

COLUMNS = ("name", "form_of_address", "emails", "phones", "languages", "organisation", "role", "notes")


class _Rollback(Exception):
    pass


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


def run_import(size) -> dict:
    from accounts.models import User
    from imports.models import ImportKind
    from imports.services import import_file

    rows = max(200, min(20_000, size.stakeholders // 10))
    text = csv_text(rows)
    actor = User.objects.get(username="officer")
    started = perf_counter()
    try:
        with transaction.atomic():
            upload = io.BytesIO(text.encode())
            job = import_file(file=upload, name="stakeholders.csv", kind=ImportKind.STAKEHOLDERS, actor=actor)
            elapsed = perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {
        "status": "ok",
        "rows": rows,
        "seconds": elapsed,
        "rows_per_second": rows / elapsed,
        **_phases(job, rows),
    }


def _phases(job, rows: int) -> dict:
    """The check (reading and validating the file) and the import after it, from the job's own clock."""
    checking = (job.checked_at - job.created_at).total_seconds()
    importing = (job.finished_at - job.started_at).total_seconds()
    return {
        "check_seconds": checking,
        "check_rows_per_second": rows / checking,
        "commit_seconds": importing,
        "commit_rows_per_second": rows / importing,
    }
