"""Bringing organisations, stakeholders and interactions in from CSV and vCard files.

Three steps, each a service the pages, the Celery tasks and the benchmark call alike:

1. `import_job_create` keeps the uploaded file and reads its encoding, separator and headings; the columns
   are guessed from the person's last mapping for this kind of file, then from the headings' names.
2. `import_job_map` records the mapping (and remembers it), then `import_check` reads every row: each is
   cleaned by `imports.columns`, errors are listed by line and column, likely duplicates are found, and the
   clean rows are written to a staging table (ImportRow) with COPY. Nothing touches the registers.
3. `import_commit` moves the staged rows into the registers in ONE transaction with a few set-based
   statements — ids drawn from the tables' sequences, INSERT … SELECT from the staged JSON, then tags,
   positions and the people an interaction was with, then the stakeholders' last contact — so a file goes in
   whole or not at all, at the speed of PostgreSQL rather than of one `save()` per row.

A file with more than IMPORT_BACKGROUND_ROWS rows is checked and imported by a Celery worker (imports.tasks);
its page polls the progress, which the worker reports through the cache (a transaction's own updates to the
job row would stay invisible until it commits).

A worker can die mid-run (killed, out of memory, its database restarted). The check and the import each run
in one transaction that holds the job's row locked, so a dead run leaves nothing half-written and its lock
goes with its connection; `imports_recover_stalled` (beat, every minute) hands a job that is still checking
or importing but that no worker holds back to a worker, and fails it after IMPORT_MAX_ATTEMPTS, so a page
never says "Importing" forever.

Interactions imported in bulk are history: they do not announce `interaction.created` to webhooks.
"""

import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path

import pghistory
import psycopg.errors
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from psycopg.types.json import Jsonb

from accounts.permissions import WhoCanHelp, can_manage_import, require
from contacts.duplicates import (
    NAME_SIMILARITY_ANYWHERE,
    NEARBY_NAMES,
    SHARED_MAILBOX,
    TrigramIndex,
    plain_name,
    trigram_share,
    trigrams,
    within_slips,
)
from contacts.models import Affiliation, Organisation, Stakeholder
from contacts.search import Unaccented, unaccent_table, unaccented
from history.tracking import acting_for
from interactions.models import Interaction
from liaison_crm.array_lookups import AnyOf
from liaison_crm.broker import hand_over
from liaison_crm.constraints import atomic_service

from . import sources
from .columns import (
    CLEANERS,
    COLUMNS,
    OrganisationIndex,
    addressed_as,
    guess_mapping,
    mapped_headings,
    mapping_value,
    name_orders,
)
from .models import ImportFormat, ImportJob, ImportKind, ImportMapping, ImportRow, ImportStatus

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
MAX_STORED_ERRORS = 500
MAX_STORED_DUPLICATES = 500
PROGRESS_EVERY = 2_000
COMMIT_CHUNK = 10_000
# Two people at one organisation whose names are at least this similar (pg_trgm `similarity`) are flagged.
DUPLICATE_NAME_SIMILARITY = 0.5
VCARD_EXTENSIONS = (".vcf", ".vcard")


# --- progress ------------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def _report(job_id: int, phase: str, done: int, total: int) -> None:
    cache.set(_progress_key(job_id), {"phase": phase, "done": done, "total": total}, timeout=24 * 3600)


def import_progress(job: ImportJob) -> dict:
    """{"phase", "done", "total", "percent"} for a progress bar: the worker's last report, else the row's."""
    progress = cache.get(_progress_key(job.pk)) or {}
    total = max(progress.get("total") or job.total_rows or 1, 1)
    done = min(progress.get("done") or 0, total)
    return {
        "phase": progress.get("phase", job.status),
        "done": done,
        "total": total,
        "percent": int(100 * done / total),
    }


# --- 1. upload -----------------------------------------------------------------------------------------


def _unique_headings(cells: list[str]) -> list[str]:
    headings, seen = [], defaultdict(int)
    for number, cell in enumerate(cells, start=1):
        heading = " ".join(cell.split())[:120] or _("(column %(number)d)") % {"number": number}
        seen[heading] += 1
        headings.append(heading if seen[heading] == 1 else f"{heading} ({seen[heading]})")
    return headings


def _check_upload(upload, kind: str) -> str:
    """The file's format, or a ValidationError saying why it cannot be imported."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}}
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if not head.strip(b"\xef\xbb\xbf\r\n\t "):
        raise ValidationError({"file": _("The file is empty.")})
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError({"file": _("This is a spreadsheet workbook: save it as CSV first.")})
    is_utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not is_utf16:
        raise ValidationError({"file": _("This does not look like a text file.")})
    text_head = head.decode("utf-16" if is_utf16 else "latin-1", "replace").lstrip("\ufeff \r\n")
    name = (upload.name or "").lower()
    if name.endswith(VCARD_EXTENSIONS) or text_head.upper().startswith("BEGIN:VCARD"):
        if kind != ImportKind.STAKEHOLDERS:
            raise ValidationError({"kind": _("An address card file (vCard) holds stakeholders.")})
        return ImportFormat.VCARD
    return ImportFormat.CSV


def import_job_create(*, actor, kind: str, upload, name: str | None = None) -> ImportJob:
    """Keeps the file and reads what the mapping page needs: encoding, separator, headings, a row estimate."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    file_format = _check_upload(upload, kind)
    name = Path(name or upload.name or "import.csv").name[:200]
    job = ImportJob(
        kind=kind,
        format=file_format,
        original_name=name,
        size=upload.size,
        content_hash=_content_hash(upload),
        created_by=actor,
    )
    if file_format == ImportFormat.VCARD:
        upload = sources.vcard_with_whole_characters(upload)
    job.file.save(name, upload, save=False)
    try:
        with job.file.open("rb") as file:
            job.encoding = sources.detect_encoding(file)
            if file_format == ImportFormat.VCARD:
                job.total_rows = _count_cards(file, job.encoding)
                job.mapping = {column.name: column.name for column in COLUMNS[kind]}
            else:
                job.delimiter = sources.sniff_delimiter(sources.sample_text(file, job.encoding))
                _read_headings(job, file)
    except ValidationError:
        # Refused: no job was saved to keep the file.
        job.file.delete(save=False)
        raise
    job.save()
    return job


def _content_hash(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _count_cards(file, encoding: str) -> int:
    stream = sources.text_stream(file, encoding)
    try:
        return sum(1 for line in stream if line.strip().upper() == "BEGIN:VCARD")
    except UnicodeDecodeError:
        return 0
    finally:
        stream.detach()


def _read_headings(job: ImportJob, file) -> None:
    try:
        cells = sources.read_headers(file, encoding=job.encoding, delimiter=job.delimiter)
    except sources.FileProblem as problem:
        raise ValidationError({"file": problem.message}) from problem
    if not cells:
        raise ValidationError({"file": _("The file is empty.")})
    job.headers = _unique_headings(cells)
    job.total_rows = sources.count_rows(file, encoding=job.encoding, delimiter=job.delimiter)
    remembered = (
        ImportMapping.objects.filter(user=job.created_by, kind=job.kind)
        .values_list("mapping", flat=True)
        .first()
    )
    job.mapping = guess_mapping(job.kind, job.headers, remembered)


@atomic_service
def import_job_reread(*, job: ImportJob, actor, encoding: str, delimiter: str) -> ImportJob:
    """Reads the headings again with another encoding or separator, and guesses the columns anew."""
    require(can_manage_import(actor, job), who_can_help=WhoCanHelp.ADMINISTRATOR)
    _require_status(job, ImportStatus.MAPPING, ImportStatus.CHECKED)
    _require_file(job)
    if encoding not in dict(sources.ENCODINGS) or delimiter not in dict(sources.DELIMITERS):
        raise ValidationError(_("Choose an encoding and a separator from the lists."))
    job.encoding, job.delimiter = encoding, delimiter
    with job.file.open("rb") as file:
        _read_headings(job, file)
    job.status = ImportStatus.MAPPING
    job.save()
    return job


def _require_file(job: ImportJob) -> None:
    if not job.file:
        raise ValidationError(_("This file is no longer kept: upload it again."))


def _require_status(job: ImportJob, *allowed: str) -> None:
    if job.status not in allowed:
        raise ValidationError(
            _("This import is %(status)s; it cannot do that now.")
            % {"status": job.get_status_display().lower()}
        )


# --- 2. check ------------------------------------------------------------------------------------------


@atomic_service
def import_job_map(*, job: ImportJob, actor, mapping: dict) -> ImportJob:
    """Records which columns fill which field and remembers it for the person's next file of this kind.

    A field is given a heading, or a list of headings where several columns may fill it (a person's
    emails, phones, languages, tags; a name in parts): they are kept in the file's order.
    """
    require(can_manage_import(actor, job), who_can_help=WhoCanHelp.ADMINISTRATOR)
    _require_status(job, ImportStatus.MAPPING, ImportStatus.CHECKED)
    _require_file(job)
    known = {column.name: column for column in COLUMNS[job.kind]}
    if job.format == ImportFormat.VCARD:
        # An address card names its fields itself.
        mapping = {name: name for name in known}
        errors = {}
    else:
        mapping, errors = _chosen_columns(job, known, mapping)
    for column in COLUMNS[job.kind]:
        if column.required and column.name not in mapping:
            errors[column.name] = _("Choose the column that holds this; it is required.")
    if errors:
        raise ValidationError(errors)
    if job.format == ImportFormat.CSV:
        _remember_mapping(actor=actor, kind=job.kind, offered=job.mapping, chosen=mapping)
    job.mapping = mapping
    _reset_results(job)
    job.status = ImportStatus.VALIDATING
    job.queued_at, job.attempts = timezone.now(), 1
    job.save()
    return job


def _chosen_columns(job: ImportJob, known: dict, mapping: dict) -> tuple[dict, dict]:
    """({field: heading or headings}, {field: error}) for the fields a CSV file's mapping fills."""
    chosen, errors = {}, {}
    used = defaultdict(list)
    for name, value in mapping.items():
        headings = list(dict.fromkeys(heading for heading in mapped_headings(value) if heading))
        if name not in known or not headings:
            continue
        missing = [heading for heading in headings if heading not in job.headers]
        if missing:
            errors[name] = _("The file has no column “%(heading)s”.") % {"heading": missing[0]}
            continue
        if len(headings) > 1 and not known[name].joiner:
            errors[name] = _("%(field)s holds one value: choose one column for it, not %(count)d.") % {
                "field": known[name].label,
                "count": len(headings),
            }
            continue
        headings.sort(key=job.headers.index)
        chosen[name] = mapping_value(headings)
        for heading in headings:
            used[heading].append(name)
    for heading, names in used.items():
        if len(names) > 1:
            for name in names:
                errors[name] = _("“%(heading)s” is chosen for more than one field.") % {"heading": heading}
    return chosen, errors


def _remember_mapping(*, actor, kind: str, offered: dict, chosen: dict) -> None:
    """Keeps the person's choices for their next file of this kind: the columns chosen (a list of them for a
    field several fill), and as "" the fields they set to "not in this file" although a column was offered,
    which are then not guessed again."""
    remembered = (
        ImportMapping.objects.filter(user=actor, kind=kind).values_list("mapping", flat=True).first() or {}
    )
    left_out = {name for name, heading in remembered.items() if not heading} | set(offered)
    declined = {name: "" for name in left_out if name not in chosen}
    ImportMapping.objects.update_or_create(user=actor, kind=kind, defaults={"mapping": declined | chosen})


def _reset_results(job: ImportJob) -> None:
    job.errors, job.warnings, job.duplicates, job.preview = [], [], [], []
    job.new_organisations, job.new_organisations_of_duplicates = [], []
    job.new_tags, job.new_tags_of_duplicates = [], []
    job.error_count = job.duplicate_count = job.created_count = job.cards_left_out = 0
    job.failure = ""


def import_check_start(*, job: ImportJob) -> ImportJob:
    """Checks a small file now; a large one is checked by a worker once this request's transaction commits."""
    if job.status != ImportStatus.VALIDATING:
        return job
    if job.total_rows <= settings.IMPORT_BACKGROUND_ROWS:
        return import_check(job_id=job.pk)
    from .tasks import check_import as check_import_task

    _report(job.pk, ImportStatus.VALIDATING, 0, job.total_rows)
    _queue_on_commit(check_import_task, job.pk)
    return job


def _queue_on_commit(task, job_id: int) -> None:
    # robust: the job is committed by now; a broker outage (Redis down) must not turn it into an error page.
    # The job waits, and `imports_recover_stalled` hands it over once Redis is back.
    transaction.on_commit(lambda: task.delay(job_id), robust=True)


# An address card has every field; its preview shows the ones that tell people apart.
VCARD_PREVIEW = ("name", "emails", "phones", "organisation", "role", "tags")


def preview_columns(job: ImportJob) -> list:
    if job.format == ImportFormat.VCARD:
        return [column for column in COLUMNS[job.kind] if column.name in VCARD_PREVIEW]
    return [column for column in COLUMNS[job.kind] if column.name in job.mapping]


class _Check:
    """The running tally of one check: errors, duplicates and the preview, each kept to a readable size."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.labels = {column.name: str(column.label) for column in COLUMNS[job.kind]}
        self.labels[sources.ROW_PROBLEM] = _("Whole row")
        self.errors: list[dict] = []
        self.error_count = 0
        self.duplicates: list[dict] = []
        self.duplicate_lines: set[int] = set()
        self.preview: list[dict] = []
        self.rows = 0
        self.left_out = 0
        # The preview's cells in the order the page lists the fields (a JSON object keeps no order).
        self.shown = [column.name for column in preview_columns(job)]

    def error(self, line: int | None, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(
                {"line": line, "column": self.labels.get(column, column), "message": str(message)}
            )

    def duplicate(self, line: int, name: str, reason: str, existing_id=None, existing_name="") -> None:
        if line in self.duplicate_lines:
            return
        self.duplicate_lines.add(line)
        if len(self.duplicates) < MAX_STORED_DUPLICATES:
            self.duplicates.append(
                {
                    "line": line,
                    "name": name,
                    "reason": str(reason),
                    "existing_id": existing_id,
                    "existing_name": existing_name,
                }
            )

    def show(self, line: int, raw: dict, messages: list[str]) -> None:
        if len(self.preview) < PREVIEW_ROWS:
            cells = [str(raw.get(name, ""))[:80] for name in self.shown]
            self.preview.append({"line": line, "cells": cells, "errors": messages})


def import_check(*, job_id: int) -> ImportJob:
    """Reads and checks every row, stages the clean ones and records errors, duplicates and a preview.

    Safe to run twice (a redelivered task, a job handed over again): only a job still being checked is read.
    """
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportStatus.VALIDATING:
        return job
    try:
        return _check(job_id)
    except (DatabaseError, OSError) as error:
        logger.warning("Checking import %s failed: %s", job_id, error)
        _fail(
            job_id, ImportStatus.VALIDATING, _("The file could not be checked: %(error)s") % {"error": error}
        )
        return ImportJob.objects.get(pk=job_id)


def _fail(job_id: int, status: str, message: str) -> None:
    with transaction.atomic():
        if ImportJob.objects.filter(pk=job_id, status=status).update(
            status=ImportStatus.FAILED, failure=message, finished_at=timezone.now()
        ):
            # A failed check or import is not taken up again: the person uploads the file anew, and its
            # staged rows (people's cleaned details) are kept no longer than the file.
            ImportRow.objects.filter(job_id=job_id).delete()
            transaction.on_commit(lambda: _drop_file(job_id), robust=True)


def _check(job_id: int) -> ImportJob:
    with transaction.atomic():
        # Locked until this check commits: `imports_recover_stalled` leaves a job a worker holds alone, and a
        # second run of the same check waits here, then finds it checked.
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("created_by")
            .filter(pk=job_id, status=ImportStatus.VALIDATING)
            .first()
        )
        if job is None:
            return ImportJob.objects.get(pk=job_id)
        cleaner = CLEANERS[job.kind](actor=job.created_by)
        check = _Check(job)
        finder = _DuplicateFinder.for_kind(job.kind)
        # Each organisation the file adds, by its plain name: as first written, and the lines naming it.
        new_organisations: dict[str, tuple[str, list[int]]] = {}
        parents_in_file: dict[int, str] = {}
        parents_in_register: dict[int, int] = {}
        names_in_file: dict[int, str] = {}
        rows_name_tags = False
        estimate = max(job.total_rows, 1)
        _report(job.pk, ImportStatus.VALIDATING, 0, estimate)
        ImportRow.objects.filter(job=job).delete()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY imports_importrow (job_id, line, values, is_duplicate) FROM STDIN"
            ) as copy,
        ):
            try:
                for line, raw in sources.job_rows(job):
                    if sources.LEFT_OUT in raw:
                        check.left_out += 1
                        continue
                    check.rows += 1
                    if check.rows % PROGRESS_EVERY == 0:
                        _report(job.pk, ImportStatus.VALIDATING, check.rows, max(estimate, check.rows))
                    if message := raw.get(sources.ROW_PROBLEM):
                        check.error(line, sources.ROW_PROBLEM, message)
                        check.show(line, raw, [message])
                        continue
                    values, row_errors = cleaner.clean(raw)
                    for error in row_errors:
                        check.error(line, error.column, error.message)
                    check.show(
                        line,
                        raw,
                        [f"{check.labels.get(e.column, e.column)}: {e.message}" for e in row_errors],
                    )
                    if row_errors:
                        continue
                    if (
                        job.kind == ImportKind.STAKEHOLDERS
                        and values["organisation_name"]
                        and not values["organisation_id"]
                    ):
                        new_organisations.setdefault(
                            OrganisationIndex.plain(values["organisation_name"]),
                            (values["organisation_name"], []),
                        )[1].append(line)
                    if job.kind == ImportKind.ORGANISATIONS:
                        names_in_file[line] = values["name"]
                        if values["parent_id"]:
                            parents_in_register[line] = values["parent_id"]
                        elif values["parent_name"]:
                            parents_in_file[line] = values["parent_name"]
                    if finder:
                        finder.row(check, line, values)
                    rows_name_tags = rows_name_tags or bool(values[TAG_VALUES[job.kind]])
                    copy.write_row((job.pk, line, Jsonb(values), line in check.duplicate_lines))
            except sources.FileProblem as problem:
                check.error(problem.line, "", problem.message)
        if finder:
            finder.after_reading(check)
        parent_lines = _parent_lines(names_in_file, parents_in_file)
        for line, parent_line in parent_lines.items():
            if parent_line is None:
                check.error(
                    line,
                    "parent",
                    _("No organisation is called “%(name)s”.") % {"name": parents_in_file[line][:80]},
                )
        _check_parent_cycles(check, parent_lines)
        _check_parents_in_register(check, parents_in_register)
        if check.rows == 0 and check.error_count == 0:
            if job.format == ImportFormat.VCARD:
                check.error(
                    None,
                    "",
                    _(
                        "The file holds no person's card to import: contact groups, organisations and places "
                        "are left out."
                    ),
                )
            else:
                check.error(None, "", _("The file has a heading row but no rows to import."))
        if finder and check.error_count == 0:
            finder.after_staging(check)
        if rows_name_tags and check.error_count == 0:
            job.new_tags, job.new_tags_of_duplicates = _added_tags(job)
        if check.error_count:
            # Nothing of a file with errors can be imported: its staged rows are not kept.
            ImportRow.objects.filter(job=job).delete()
            if job.format == ImportFormat.VCARD:
                # Nor the address book itself: it has no columns to choose again, only cards to correct.
                transaction.on_commit(lambda: _drop_file(job_id), robust=True)
        job.total_rows = check.rows
        job.cards_left_out = check.left_out
        job.error_count = check.error_count
        job.errors = sorted(check.errors, key=lambda e: e["line"] or 0)
        job.warnings = [
            _("%(message)s (%(count)d rows)") % {"message": message, "count": count}
            for message, count in cleaner.warnings.items()
        ]
        job.duplicate_count = len(check.duplicate_lines)
        job.duplicates = sorted(check.duplicates, key=lambda d: d["line"])
        job.preview = check.preview
        job.new_organisations, job.new_organisations_of_duplicates = _added_organisations(
            new_organisations, check.duplicate_lines
        )
        job.status = ImportStatus.CHECKED
        job.checked_at = timezone.now()
        job.save()
    _report(job.pk, ImportStatus.CHECKED, check.rows, max(check.rows, 1))
    return job


def _added_organisations(
    new_organisations: dict[str, tuple[str, list[int]]], duplicate_lines: set[int]
) -> tuple[list[str], list[str]]:
    """(the organisations the file adds, those only its likely duplicates name), each sorted: an organisation
    all of whose rows are left out is not added (_commit_stakeholders)."""
    added, of_duplicates = [], []
    for name, lines in new_organisations.values():
        named_besides_duplicates = any(line not in duplicate_lines for line in lines)
        (added if named_besides_duplicates else of_duplicates).append(name)
    return sorted(added, key=str.lower), sorted(of_duplicates, key=str.lower)


# A new tag is spelled as first written in a row that is not a likely duplicate, or else as first written.
FIRST_WRITTEN = "n.is_duplicate, n.line, t.place"
# Tags are told apart by lower(), as their unique index is, and new ones are added in order of that key's
# code points, as a form or the API adds them (contacts.services.tags_from_names): an import and a save
# adding the same new tags each wait for the other's first one instead of deadlocking.
TAG_KEY = 'lower(t.name) COLLATE "C"'
# Where a kind of row keeps the names of its tags (imports.columns).
TAG_VALUES = {
    ImportKind.STAKEHOLDERS: "tags",
    ImportKind.ORGANISATIONS: "tags",
    ImportKind.INTERACTIONS: "topics",
}


def _added_tags(job: ImportJob) -> tuple[list[str], list[str]]:
    """(the tags the file adds, those only its likely duplicates name), each sorted: the names its staged rows
    give that no tag has, told apart and spelled as the import will create them (_tag_links)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT ON ({TAG_KEY}) t.name, n.is_duplicate
            FROM imports_importrow n
            CROSS JOIN LATERAL jsonb_array_elements_text(n.values->%s) WITH ORDINALITY AS t(name, place)
            WHERE n.job_id = %s
              AND NOT EXISTS (SELECT FROM contacts_tag tag WHERE lower(tag.name) = lower(t.name))
            ORDER BY {TAG_KEY}, {FIRST_WRITTEN}
            """,
            [TAG_VALUES[job.kind], job.pk],
        )
        added, of_duplicates = [], []
        for name, only_of_duplicates in cursor.fetchall():
            (of_duplicates if only_of_duplicates else added).append(name)
    return sorted(added, key=str.lower), sorted(of_duplicates, key=str.lower)


def _parent_lines(names: dict[int, str], parents: dict[int, str]) -> dict[int, int | None]:
    """{line: the line of its parent} for the rows whose parent (`parents`, by line) is not in the register
    but in the file (`names`, by line): the first row of that name, accents and case aside as everywhere an
    organisation is named (OrganisationIndex.plain); None where no row is called so.

    The check and the import both place parents by it: matched two ways (Python's lower() at the check,
    PostgreSQL's at the import) a Greek final sigma or a German ß was found by one and not by the other.
    """
    first_lines: dict[str, int] = {}
    for line in sorted(names):
        first_lines.setdefault(OrganisationIndex.plain(names[line]), line)
    return {line: first_lines.get(OrganisationIndex.plain(parent)) for line, parent in parents.items()}


def _check_parent_cycles(check: _Check, parent_lines: dict[int, int | None]) -> None:
    """Organisations in one file that are each other's parents (A in B, B in A) would never reach a root.

    Only the rows on such a circle are errors: a row whose parent is on one names a parent the file has.
    Each row is walked past once, whatever the depth: walking every row's whole line of parents took a
    minute for a file of 20,000 organisations each in the next, inside the check's transaction.
    """
    walked: set[int] = set()
    for start in parent_lines:
        # The rows this walk reached, in order, each with its place on the walk.
        path: dict[int, int] = {}
        current = start
        while current is not None and current not in walked and current not in path:
            path[current] = len(path)
            current = parent_lines.get(current)
        if current in path:
            for line in list(path)[path[current] :]:
                check.error(line, "parent", _("These organisations are each other's parents."))
        walked.update(path)


def _check_parents_in_register(check: _Check, parents: dict[int, int]) -> None:
    """Rows placed under an organisation of the register (`parents`: its id, by line) that nothing may be
    placed under, as a form would refuse it (Organisation.parent_problems): one whose own parents loop."""
    if not parents:
        return
    problems = Organisation.parent_problems(set(parents.values()))
    for line, parent in parents.items():
        if parent in problems:
            check.error(line, "parent", problems[parent])


class _DuplicateFinder:
    """Flags rows that look like a record already in the register, or like an earlier row of the file."""

    @staticmethod
    def for_kind(kind: str):
        if kind == ImportKind.STAKEHOLDERS:
            return _StakeholderDuplicates()
        if kind == ImportKind.ORGANISATIONS:
            return _OrganisationDuplicates()
        return None

    def row(self, check: _Check, line: int, values: dict) -> None:
        raise NotImplementedError

    def after_reading(self, check: _Check) -> None:
        """Once every row is read and staged, whether or not some had errors."""

    def after_staging(self, check: _Check) -> None:
        """Once every row is staged without errors."""


@dataclass
class _NamedAt:
    """The rows of a file giving one name at one organisation (_StakeholderDuplicates)."""

    first: int
    first_addressed: int | None = None
    unaddressed: list[tuple[int, str]] = field(default_factory=list)


# Names at least this alike are compared slip by slip (`within_slips`), as the stakeholder form compares those
# pg_trgm's `%` finds (contacts.duplicates): a name a slip or two from another reaches it, and most names
# compared are far from it, which their trigrams tell at a fraction of the cost.
SLIPS_COMPARED_FROM = 0.3


@dataclass(frozen=True)
class _Person:
    """Someone giving an address, by `written_name` and the title they are addressed by ("Mr", "Mrs"), with
    each order their name may be read in (`name_orders`) and the trigrams of its letters in that order: "Li
    Wei" and "Wei Li" have the same trigrams, "liwei" and "weili" few."""

    words: tuple[str, ...]
    addressed_as: str | None
    orders: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = field(compare=False)
    # Its words but initials.
    whole_words: frozenset[str] = field(compare=False)

    @classmethod
    def named(cls, name: str) -> "_Person":
        orders = name_orders(name)
        return cls(
            orders[0],
            addressed_as(name),
            tuple((words, trigrams("".join(words))) for words in orders),
            frozenset(word for word in orders[0] if len(word) > 1),
        )

    def nearly(self, other: "_Person") -> bool:
        """Whether the two may be one person, read in any of their orders (`_nearly_written`), unless their
        titles say one is a man and the other a woman ("Mr Smith", "Mrs Smith").

        Strict enough to tell a shared mailbox's people apart ("Mary Smith" is not "Mark Smith", nor "Mrs
        Reid" Alan Reid), which is also how many people an address has is counted."""
        if self.addressed_as and other.addressed_as and self.addressed_as != other.addressed_as:
            return False
        return any(
            _nearly_written(words, letters, other_words, other_letters)
            for words, letters in self.orders
            for other_words, other_letters in other.orders
        )


def _nearly_written(
    words: tuple[str, ...],
    letters: frozenset[str],
    other_words: tuple[str, ...],
    other_letters: frozenset[str],
) -> bool:
    """Whether two names as read are one: the same words; or the words of one, of two whole words at least,
    among the other's in the same order, an initial standing for a word ("A. Costa" and "Ana Maria Costa" are
    Ana Costa, "Reid" alone is nobody in particular); or letters near-identical anywhere in the register
    (NAME_SIMILARITY_ANYWHERE) or a slip or two apart (`within_slips`)."""
    if words == other_words:
        return True
    if not words or not other_words:
        return False
    shorter, longer = (words, other_words) if len(words) <= len(other_words) else (other_words, words)
    # Of two names of as many words, each is among the other's if one is: either may have the whole words.
    looked_for = (shorter, longer) if len(shorter) == len(longer) else (shorter,)
    if _words_among(shorter, longer) and any(_whole_words(name) >= 2 for name in looked_for):
        return True
    alike = trigram_share(letters, other_letters)
    return alike >= NAME_SIMILARITY_ANYWHERE or (
        alike >= SLIPS_COMPARED_FROM and within_slips(" ".join(words), " ".join(other_words))
    )


def _whole_words(words: tuple[str, ...]) -> int:
    return sum(len(word) > 1 for word in words)


def _words_among(shorter: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Whether each word of the shorter name is, in order, one of the longer's or the initial of one."""
    remaining = iter(longer)
    return all(any(_same_word(word, other) for other in remaining) for word in shorter)


def _same_word(word: str, other: str) -> bool:
    return word == other or (min(len(word), len(other)) == 1 and word[0] == other[0])


class _People:
    """The people giving one address, holders in the register or rows of the file (_StakeholderDuplicates),
    each with the first of them: a holder's (id, name), a row's line.

    Someone is compared with a few of them at most (NEARBY_NAMES: the first SHARED_MAILBOX + 1, then those
    sharing their least common word), so that a file of thousands at one address is read in linear time."""

    def __init__(self):
        self.first_of: dict[_Person, object] = {}
        self.with_word: dict[str, list[_Person]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self.first_of)

    def add(self, person: _Person, who) -> None:
        if person in self.first_of:
            return
        self.first_of[person] = who
        for word in person.whole_words:
            self.with_word[word].append(person)

    def one_of(self, person: _Person):
        """The first of this person, or of one nearly the same (`_Person.nearly`); or None."""
        if person in self.first_of:
            return self.first_of[person]
        compared = islice(self._unique(self._candidates(person)), NEARBY_NAMES)
        return next((self.first_of[other] for other in compared if person.nearly(other)), None)

    def repeated_by(self, person: _Person, *, shared: bool):
        """The one a row of this person giving the address repeats: the one of its name or nearly, else the
        first; at a shared mailbox, which alone tells nobody apart, only the one of its name or nearly."""
        found = self.one_of(person)
        if found is None and not shared:
            return next(iter(self.first_of.values()), None)
        return found

    def _candidates(self, person: _Person) -> Iterator[_Person]:
        yield from islice(self.first_of, SHARED_MAILBOX + 1)
        sharing = [self.with_word[word] for word in person.words if word in self.with_word]
        for others in sorted(sharing, key=len):
            yield from others

    @staticmethod
    def _unique(people: Iterator[_Person]) -> Iterator[_Person]:
        seen = set()
        for person in people:
            if person not in seen:
                seen.add(person)
                yield person


_NOBODY = _People()


@dataclass
class _Holders:
    """The register's people holding one address (_StakeholderDuplicates): how many (by id, as the stakeholder
    form and the duplicate check count them), and who, the first by name first."""

    count: int = 0
    people: _People = field(default_factory=_People)

    def add(self, pk: int, name: str) -> None:
        self.count += 1
        self.people.add(_Person.named(name), (pk, name))


_NO_HOLDERS = _Holders()


class _StakeholderDuplicates(_DuplicateFinder):
    """Same email as someone in the register or an earlier row (at a shared mailbox, only of nearly their
    name); a similar name at the same organisation; a row without an address giving a name another row of the
    file gives at the same organisation.

    The register is asked about the file's addresses once, in SQL, rather than copied into Python: reading
    every stakeholder's addresses took longer than importing the rows.
    """

    def __init__(self):
        # (line, name, addresses) of the clean rows that have addresses, in the file's order.
        self.with_emails: list[tuple[int, str, list[str]]] = []
        # A person listed twice at one organisation with no address to tell them apart (a spreadsheet pasted
        # into itself), for each name, accents and case aside, at each organisation named: its first line,
        # its first line with an address, and its lines without one (line, name as written).
        self.named_at: dict[tuple, _NamedAt] = {}
        unaccent_table()  # read now: rows are checked while COPY holds the connection

    def row(self, check, line, values):
        if values["emails"]:
            self.with_emails.append((line, values["name"], values["emails"]))
        if values["organisation_name"]:
            # An organisation the file adds is named by the file only, as the import adds it (_check).
            organisation = values["organisation_id"] or OrganisationIndex.plain(values["organisation_name"])
            key = (organisation, plain_name(unaccented(values["name"])))
            named = self.named_at.setdefault(key, _NamedAt(first=line))
            if values["emails"]:
                named.first_addressed = named.first_addressed or line
            else:
                named.unaddressed.append((line, values["name"]))

    def repeated(self) -> Iterator[tuple[int, str, int]]:
        """(line, name, line of the same name) for the rows likely to repeat another of the file.

        Only a row without an address is flagged, whatever the order of the rows: two rows that each give
        an address are two people sharing a name, or one person whose repeated address is flagged already,
        and a row without one beside several namesakes with addresses may be any of them, so leaving out
        likely duplicates keeps every person with an address. Of rows with no address at all, all but the
        first are flagged."""
        for named in self.named_at.values():
            same = named.first_addressed or named.first
            for line, name in named.unaddressed:
                if line != same:
                    yield line, name, same

    def after_reading(self, check):
        in_register = self._register_holders()
        sharing = self._sharing_an_address(in_register)
        shared = self._shared_mailboxes(sharing, in_register)
        # Each address's unflagged rows, the first line of each person giving it, in the file's order: a
        # flagged row may be left out, so no later row is flagged for repeating it.
        in_file: dict[str, _People] = defaultdict(_People)
        flagged = []
        for line, name, person, emails in sharing:
            reason = existing = None
            for email in emails:
                holders = in_register.get(email, _NO_HOLDERS).people
                if existing := holders.repeated_by(person, shared=email in shared):
                    reason = _("Same email as %(name)s: %(email)s") % {"name": existing[1], "email": email}
                    break
                if same := in_file.get(email, _NOBODY).repeated_by(person, shared=email in shared):
                    reason = _("Same email as line %(line)d: %(email)s") % {"line": same, "email": email}
                    break
            if reason is None:
                for email in emails:
                    in_file[email].add(person, line)
                continue
            check.duplicate(line, name, reason, *(existing or ()))
            flagged.append(line)
        # After the addresses, which may name the person already in the register.
        for line, name, first in self.repeated():
            check.duplicate(
                line, name, _("Same name at the same organisation as line %(line)d") % {"line": first}
            )
            flagged.append(line)
        # A file with errors keeps no staged rows (_check): nothing to mark.
        if flagged and not check.error_count:
            ImportRow.objects.filter(AnyOf(models.F("line"), flagged), job=check.job).update(
                is_duplicate=True
            )

    def _register_holders(self) -> dict[str, _Holders]:
        """The register's people holding each of the file's addresses: one query.

        Addresses are stored trimmed and lower-case (Stakeholder.clean_fields), as the cleaner gives them: the
        register's addresses are matched to the file's by equality in one hash join (a GIN probe per address,
        or `&&` with thousands of them, is far slower)."""
        addresses = sorted({email for _line, _name, emails in self.with_emails for email in emails})
        if not addresses:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT f.address, s.name, s.id
                FROM contacts_stakeholder s
                CROSS JOIN LATERAL unnest(s.emails) AS e(address)
                JOIN unnest(%s::varchar[]) AS f(address) ON f.address = e.address
                ORDER BY f.address, s.name, s.id
                """,
                [addresses],
            )
            holders: dict[str, _Holders] = defaultdict(_Holders)
            for address, name, pk in cursor.fetchall():
                holders[address].add(pk, name)
        return holders

    def _sharing_an_address(self, in_register: dict[str, _Holders]) -> list[tuple]:
        """(line, name, `_Person`, addresses) of the rows giving an address that the register or another
        row gives too, in the file's order: the others give addresses of their own, and their names are not
        worth reading (a few microseconds a row)."""
        given = Counter(email for _line, _name, emails in self.with_emails for email in emails)
        return [
            (line, name, _Person.named(name), emails)
            for line, name, emails in self.with_emails
            if any(given[email] > 1 or email in in_register for email in emails)
        ]

    @staticmethod
    def _shared_mailboxes(sharing: list[tuple], in_register: dict[str, _Holders]) -> set[str]:
        """The file's addresses that more than SHARED_MAILBOX people hold, as the stakeholder form and the
        duplicate check count them (contacts.duplicates): for one newcomer, as `likely_duplicates` decides,
        SHARED_MAILBOX - 1 holders and them are personal, SHARED_MAILBOX holders and them shared.

        The register's holders are counted by id, and the file's rows that are not nearly a holder or a row
        counted before (`_Person.nearly`): a row may be a holder written differently ("Dr Ana Costa"), or
        given twice, and be nobody new. Counting stops past SHARED_MAILBOX."""
        newcomers: dict[str, _People] = defaultdict(_People)
        for line, _name, person, emails in sharing:
            for email in emails:
                holders = in_register.get(email, _NO_HOLDERS)
                counted = newcomers[email]
                if (
                    holders.count + len(counted) <= SHARED_MAILBOX
                    and holders.people.one_of(person) is None
                    and counted.one_of(person) is None
                ):
                    counted.add(person, line)
        return {
            email
            for email in in_register.keys() | newcomers.keys()
            if in_register.get(email, _NO_HOLDERS).count + len(newcomers.get(email, _NOBODY)) > SHARED_MAILBOX
        }

    def after_staging(self, check):
        # Similar names at the same organisation, compared through a trigram index of each organisation's
        # current people: only names that share trigrams are scored.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT line, values->>'name', immutable_unaccent(values->>'name'),
                       (values->>'organisation_id')::bigint
                FROM imports_importrow WHERE job_id = %s AND values->>'organisation_id' IS NOT NULL
                """,
                [check.job.pk],
            )
            incoming = defaultdict(list)
            for line, name, unaccented, organisation_id in cursor.fetchall():
                if line not in check.duplicate_lines:
                    incoming[organisation_id].append((line, name, unaccented))
        # Names are compared unaccented, as PostgreSQL's unaccent rules give them (contacts.search): a file
        # typed on a plain keyboard still finds the people in the register.
        people = defaultdict(list)
        positions = Affiliation.objects.held_now().filter(AnyOf(models.F("organisation_id"), list(incoming)))
        for organisation_id, pk, name, unaccented in positions.values_list(
            "organisation_id", "stakeholder_id", "stakeholder__name", Unaccented("stakeholder__name")
        ):
            people[organisation_id].append((pk, name, unaccented))
        lines = []
        for organisation_id, rows in incoming.items():
            index = TrigramIndex(people.get(organisation_id, []))
            for line, name, unaccented in rows:
                match = index.best(unaccented, DUPLICATE_NAME_SIMILARITY)
                if match is None:
                    continue
                pk, existing, score = match
                reason = _("Similar name at the same organisation: %(name)s (%(score)d%% alike)") % {
                    "name": existing,
                    "score": round(score * 100),
                }
                check.duplicate(line, name, reason, pk, existing)
                lines.append(line)
        if lines:
            ImportRow.objects.filter(AnyOf(models.F("line"), lines), job=check.job).update(is_duplicate=True)


class _OrganisationDuplicates(_DuplicateFinder):
    def __init__(self):
        self.organisations = OrganisationIndex()
        self.in_file: dict[str, int] = {}

    def row(self, check, line, values):
        pk, _ambiguous = self.organisations.find(values["name"])
        key = self.organisations.plain(values["name"])
        if pk is not None:
            check.duplicate(line, values["name"], _("Already in the register"), pk, values["name"])
        elif key in self.in_file:
            reason = _("Same name as line %(line)d") % {"line": self.in_file[key]}
            check.duplicate(line, values["name"], reason)
        else:
            self.in_file[key] = line


# --- 3. commit -----------------------------------------------------------------------------------------


def import_commit_start(*, job: ImportJob, actor, skip_duplicates: bool = False) -> ImportJob:
    """Claims a checked, error-free job for import; imports a small one now, a large one in the background."""
    require(can_manage_import(actor, job), who_can_help=WhoCanHelp.ADMINISTRATOR)
    if not job.can_commit:
        raise ValidationError(_("Only a file checked without errors can be imported."))
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED, error_count=0).update(
        status=ImportStatus.QUEUED, skip_duplicates=skip_duplicates, queued_at=now, attempts=1
    )
    if not claimed:
        raise ValidationError(_("This file is already being imported."))
    job.status, job.skip_duplicates = ImportStatus.QUEUED, skip_duplicates
    job.queued_at, job.attempts = now, 1
    if job.rows_to_import <= settings.IMPORT_BACKGROUND_ROWS:
        return import_commit(job_id=job.pk)
    from .tasks import commit_import as commit_import_task

    _report(job.pk, ImportStatus.QUEUED, 0, job.rows_to_import)
    _queue_on_commit(commit_import_task, job.pk)
    return job


def import_commit(*, job_id: int) -> ImportJob:
    """Moves a queued job's staged rows into the registers in one transaction; a failure changes nothing.

    Safe to run twice (a redelivered task): the job row is locked and only a queued job is imported.
    """
    try:
        # The history names the import its records came from (shown as "import" beside each change).
        with pghistory.context(import_job=job_id), transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
            if job.status != ImportStatus.QUEUED:
                return job
            job.started_at = timezone.now()
            # The records it creates are the uploader's, in the history, wherever the import runs.
            with acting_for(job.created_by_id):
                job.created_count = COMMITTERS[job.kind](job)
            with connection.cursor() as cursor:
                # Foreign keys are checked now rather than at COMMIT, so a row that lost its organisation or
                # owner since the check fails here, where it is recorded on the job.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # Then back to Django's default (checked at COMMIT) for the rest of a caller's transaction.
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            ImportRow.objects.filter(job=job).delete()
            job.status = ImportStatus.IMPORTED
            job.finished_at = timezone.now()
            job.save()
    except DatabaseError as error:
        logger.warning("Import %s failed: %s", job_id, error)
        message = _(
            "The import stopped and nothing was changed: %(error)s. Something may have changed since the "
            "file was checked; upload it again."
        ) % {"error": str(error).strip().split("\n")[0].rstrip(".")}
        _fail(job_id, ImportStatus.QUEUED, message)
        return ImportJob.objects.get(pk=job_id)
    _report(job.pk, ImportStatus.IMPORTED, job.created_count, max(job.created_count, 1))
    transaction.on_commit(lambda: _drop_file(job.pk), robust=True)
    if job.kind == ImportKind.STAKEHOLDERS:
        # The review page then shows the pairs the new people make, with the register and with each other.
        from contacts.tasks import check_duplicates as check_duplicates_task

        transaction.on_commit(check_duplicates_task.delay, robust=True)
    from .tasks import tidy_search_indexes as tidy_search_indexes_task

    transaction.on_commit(lambda: tidy_search_indexes_task.delay(job.kind), robust=True)
    return job


# Why gin_clean_pending_list refuses: the role does not own the index, or the database is a standby.
CANNOT_TIDY_INDEXES = (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectNotInPrerequisiteState)


def search_indexes_tidy(*, kind: str) -> None:
    """Merges what an import added to the GIN indexes (search, names, emails, phone numbers) of the tables it
    wrote to (WRITTEN_MODELS) into them.

    PostgreSQL queues new GIN entries in a pending list that every search reads through until a vacuum or
    4 MB of them merge it, and an import is rarely enough to set off either: after 10,000 stakeholders a
    lookup by email address took 10 ms instead of 1, for hours. Merging them at once costs about 0.4 s.

    Only the owner of an index may merge it, and not on a standby: a worker that may not logs one warning
    saying what to do, and the import stands; a vacuum merges the lists later.
    """
    tables = [model._meta.db_table for model in WRITTEN_MODELS[kind]]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT gin_clean_pending_list(i.indexrelid)
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_am a ON a.oid = c.relam
                WHERE i.indrelid = ANY(%s::regclass[]) AND a.amname = 'gin' AND i.indisvalid
                """,
                [tables],
            )
    except DatabaseError as error:
        if not isinstance(error.__cause__, CANNOT_TIDY_INDEXES):
            raise
        logger.warning(
            "The search indexes of %s were not tidied after an import (%s). Searches read through what the "
            "import added until a vacuum merges it: run the workers against the primary database as the role "
            "that owns the tables (the one the migrations ran as).",
            ", ".join(tables),
            str(error).strip().split("\n")[0],
        )


def _drop_file(job_id: int) -> None:
    """An imported, set-aside or refused file is not kept: its rows are in the registers, were not wanted, or
    cannot be imported.

    Run once a transaction commits, beside other callbacks (handing stalled jobs over, finding duplicates): a
    file the storage will not delete is logged and left, not allowed to stop them or fail the request.
    """
    job = ImportJob.objects.filter(pk=job_id).only("file").first()
    if job is None or not job.file:
        return
    try:
        job.file.delete(save=False)
    except OSError as error:
        logger.error("The file of import %s could not be deleted: %s", job_id, error)
        return
    ImportJob.objects.filter(pk=job_id).update(file="")


def _stage(cursor, job: ImportJob, model) -> int:
    """Copies the staged rows to import into a temporary table by line, each with an id from `model`'s
    sequence.

    The statements that follow read the rows' values from that table: joining the staging table again in
    each of them (a probe per row) cost more than this one copy.
    """
    cursor.execute("DROP TABLE IF EXISTS import_rows")
    cursor.execute(
        """
        CREATE TEMPORARY TABLE import_rows ON COMMIT DROP AS
        -- The ids follow the lines (nextval runs after the sort); the sequence is looked up once.
        SELECT line, nextval((SELECT pg_get_serial_sequence(%s, 'id'))::regclass) AS id, values, is_duplicate
        FROM imports_importrow
        WHERE job_id = %s AND NOT (%s AND is_duplicate)
        ORDER BY line
        """,
        [model._meta.db_table, job.pk, job.skip_duplicates],
    )
    cursor.execute("CREATE UNIQUE INDEX ON import_rows (line)")
    cursor.execute("SELECT count(*), min(line), max(line) FROM import_rows")
    total, first, last = cursor.fetchone()
    job.line_range = (first or 0, last or 0)
    return total


# The rows being imported (`_stage`): `n.id` the new record's id, `n.values` its staged values,
# `n.is_duplicate` whether the check found it like a record already in the register.
ROWS = "import_rows n"


def _record(model, columns: list[str]) -> str:
    """The staged JSON read as a row of `model`'s column types."""
    types = []
    for column in columns:
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        types.append(f"{column} {field.db_type(connection)}")
    return f"jsonb_to_record(n.values) AS r({', '.join(types)})"


def _insert_rows_sql(model, columns: list[str], constants: dict[str, str]) -> str:
    names = ", ".join(["id", *columns, *constants])
    picked = ", ".join(["n.id", *(f"r.{column}" for column in columns), *constants.values()])
    return f"""
        INSERT INTO {model._meta.db_table} ({names})
        SELECT {picked}
        FROM {ROWS} CROSS JOIN LATERAL {_record(model, columns)}
        WHERE n.line BETWEEN %s AND %s
    """


def _tag_links(cursor, key: str, through_table: str, owner_column: str) -> list[tuple[str, list]]:
    """Adds the tags the rows name that do not exist yet; returns the statement linking the rows to theirs.

    Tags are told apart by lower(), as their unique index is: a new one is spelled as the check showed it
    (_added_tags). A file without tags makes neither statement: each would read every row to find none.
    """
    cursor.execute(f"SELECT EXISTS (SELECT FROM {ROWS} WHERE n.values->'{key}' <> '[]')")
    if not cursor.fetchone()[0]:
        return []
    cursor.execute(
        f"""
        INSERT INTO contacts_tag (name)
        SELECT DISTINCT ON ({TAG_KEY}) t.name
        FROM {ROWS}
        CROSS JOIN LATERAL jsonb_array_elements_text(n.values->'{key}') WITH ORDINALITY AS t(name, place)
        ORDER BY {TAG_KEY}, {FIRST_WRITTEN}
        ON CONFLICT DO NOTHING
        """
    )
    # Distinct: a row may give two names of one tag ("İstanbul; istanbul").
    link = f"""
        INSERT INTO {through_table} ({owner_column}, tag_id)
        SELECT DISTINCT n.id, tag.id
        FROM {ROWS}
        CROSS JOIN LATERAL jsonb_array_elements_text(n.values->'{key}') AS t(name)
        JOIN contacts_tag tag ON lower(tag.name) = lower(t.name)
        WHERE n.line BETWEEN %s AND %s
    """
    return [(link, [])]


def _in_chunks(job: ImportJob, cursor, total: int, statements: list[tuple[str, list]]) -> None:
    """Runs each statement over successive ranges of lines, reporting progress after each range."""
    first, last = job.line_range
    done = 0
    for start in range(first, last + 1, COMMIT_CHUNK):
        end = start + COMMIT_CHUNK - 1
        for sql, params in statements:
            cursor.execute(sql, [*params, start, end])
        cursor.execute("SELECT count(*) FROM import_rows WHERE line BETWEEN %s AND %s", [start, end])
        done += cursor.fetchone()[0]
        _report(job.pk, ImportStatus.QUEUED, done, total)


TIMESTAMPS = {"created_at": "now()", "updated_at": "now()"}
STAKEHOLDER_COLUMNS = [
    "name", "form_of_address", "emails", "phones", "languages", "time_zone", "preferred_channel",
    "preferred_hours", "cultural_notes", "communication_notes", "notes", "influence", "interest",
    "engagement_level", "contact_cadence_days", "owner_id",
]  # fmt: skip
ORGANISATION_COLUMNS = ["name", "kind", "sector", "website", "address", "country", "notes", "parent_id"]
INTERACTION_COLUMNS = [
    "kind", "direction", "occurred_at", "summary", "notes", "outcome", "sentiment", "follow_up_on",
    "follow_up_note", "follow_up_done_at", "follow_up_owner_id", "is_confidential", "logged_by_id",
    "organisation_id",
]  # fmt: skip


def _commit_stakeholders(job: ImportJob) -> int:
    with connection.cursor() as cursor:
        total = _stage(cursor, job, Stakeholder)
        new_ids = {}
        if organisations := job.organisations_to_add:
            cursor.execute(
                """
                INSERT INTO contacts_organisation
                    (name, kind, sector, website, address, country, notes, created_at, updated_at)
                SELECT name, 'other', '', '', '', '', '', now(), now()
                FROM unnest(%s::text[]) AS name
                RETURNING id, name
                """,
                [organisations],
            )
            added = {OrganisationIndex.plain(name): pk for pk, name in cursor.fetchall()}
            # Each spelling the rows give an organisation the file adds ("Malmö Port", "Malmo Port") is the
            # one added under the first (_check).
            cursor.execute(
                f"""
                SELECT DISTINCT n.values->>'organisation_name' FROM {ROWS}
                WHERE n.values->>'organisation_name' <> '' AND n.values->>'organisation_id' IS NULL
                """
            )
            new_ids = {
                name: added[key]
                for (name,) in cursor.fetchall()
                if (key := OrganisationIndex.plain(name)) in added
            }
        tag_links = _tag_links(cursor, "tags", "contacts_stakeholder_tags", "stakeholder_id")
        affiliations = f"""
            INSERT INTO contacts_affiliation
                (stakeholder_id, organisation_id, role, department, is_primary, start_date, end_date)
            SELECT n.id,
                   COALESCE((n.values->>'organisation_id')::bigint,
                            (%s::jsonb->>(n.values->>'organisation_name'))::bigint),
                   n.values->>'role', n.values->>'department', true, NULL, NULL
            FROM {ROWS}
            WHERE n.values->>'organisation_name' <> '' AND n.line BETWEEN %s AND %s
        """
        _in_chunks(
            job,
            cursor,
            total,
            [
                (
                    _insert_rows_sql(
                        Stakeholder,
                        STAKEHOLDER_COLUMNS,
                        {
                            # Rows checked before files could say so hold no "is_archived": not archived.
                            "is_archived": "COALESCE((n.values->>'is_archived')::boolean, false)",
                            "archived_at": "CASE WHEN (n.values->>'is_archived')::boolean THEN now() END",
                            **TIMESTAMPS,
                        },
                    ),
                    [],
                ),
                *tag_links,
                (affiliations, [json.dumps(new_ids)]),
            ],
        )
        cursor.execute("DROP TABLE import_rows")
    return total


def _commit_organisations(job: ImportJob) -> int:
    with connection.cursor() as cursor:
        total = _stage(cursor, job, Organisation)
        tag_links = _tag_links(cursor, "tags", "contacts_organisation_tags", "organisation_id")
        _in_chunks(
            job,
            cursor,
            total,
            [
                (_insert_rows_sql(Organisation, ORGANISATION_COLUMNS, TIMESTAMPS), []),
                *tag_links,
            ],
        )
        _place_parents_in_file(cursor)
        cursor.execute("DROP TABLE import_rows")
    return total


def _place_parents_in_file(cursor) -> None:
    """Gives the organisations whose parent is another row of the file that row, found as the check found it
    (_parent_lines)."""
    cursor.execute(
        f"""
        SELECT n.line, n.values->>'parent_name' FROM {ROWS}
        WHERE n.values->>'parent_id' IS NULL AND n.values->>'parent_name' <> ''
        """
    )
    parents = dict(cursor.fetchall())
    if not parents:
        return
    cursor.execute(f"SELECT n.line, n.values->>'name' FROM {ROWS}")
    names = dict(cursor.fetchall())
    placed = [(line, parent) for line, parent in _parent_lines(names, parents).items() if parent is not None]
    cursor.execute(
        f"""
        UPDATE contacts_organisation o SET parent_id = p.id
        FROM unnest(%s::int[], %s::int[]) AS m(line, parent_line)
        JOIN {ROWS} ON n.line = m.line
        JOIN import_rows p ON p.line = m.parent_line
        WHERE o.id = n.id
        """,
        [[line for line, _parent in placed], [parent for _line, parent in placed]],
    )


def _commit_interactions(job: ImportJob) -> int:
    with connection.cursor() as cursor:
        total = _stage(cursor, job, Interaction)
        tag_links = _tag_links(cursor, "topics", "interactions_interaction_topics", "interaction_id")
        people = f"""
            INSERT INTO interactions_interaction_stakeholders (interaction_id, stakeholder_id)
            SELECT n.id, p.id::bigint
            FROM {ROWS}
            CROSS JOIN LATERAL jsonb_array_elements_text(n.values->'stakeholder_ids') AS p(id)
            WHERE n.line BETWEEN %s AND %s
        """
        _in_chunks(
            job,
            cursor,
            total,
            [
                (_insert_rows_sql(Interaction, INTERACTION_COLUMNS, TIMESTAMPS), []),
                (people, []),
                *tag_links,
            ],
        )
        # Each stakeholder's cadence clock restarts from their newest interaction, imported or not.
        cursor.execute(
            f"""
            UPDATE contacts_stakeholder st
            SET last_contacted_at = GREATEST(st.last_contacted_at, m.latest), updated_at = now()
            FROM (
                SELECT p.id::bigint AS stakeholder_id, max((n.values->>'occurred_at')::timestamptz) AS latest
                FROM {ROWS}
                CROSS JOIN LATERAL jsonb_array_elements_text(n.values->'stakeholder_ids') AS p(id)
                GROUP BY 1
            ) m
            WHERE st.id = m.stakeholder_id
            """
        )
        cursor.execute("DROP TABLE import_rows")
    return total


COMMITTERS = {
    ImportKind.STAKEHOLDERS: _commit_stakeholders,
    ImportKind.ORGANISATIONS: _commit_organisations,
    ImportKind.INTERACTIONS: _commit_interactions,
}
# The tables with search indexes that each kind's import writes to (COMMITTERS): a stakeholders file also
# adds the organisations it names, an interactions file restarts its people's cadence clocks.
WRITTEN_MODELS = {
    ImportKind.STAKEHOLDERS: [Stakeholder, Organisation],
    ImportKind.ORGANISATIONS: [Organisation],
    ImportKind.INTERACTIONS: [Interaction, Stakeholder],
}


def imports_recover_stalled(*, limit: int = 100) -> int:
    """Hands checks and imports that no worker is running back to a worker, or fails them; returns how many.

    A job still checking or importing whose row no transaction holds, handed over more than
    IMPORT_STALLED_AFTER_SECONDS ago, lost its task (Redis keeps nothing on disk) or its worker. A run that
    died changed nothing, so running it again is safe; after IMPORT_MAX_ATTEMPTS hand-overs the job is failed
    instead, with a message saying so, and the person can upload the file again. A hand-over the broker
    refuses (Redis cannot take tasks) is not counted: the next sweep tries again.
    """
    from .tasks import check_import as check_import_task
    from .tasks import commit_import as commit_import_task

    now = timezone.now()
    stalled_before = now - timedelta(seconds=settings.IMPORT_STALLED_AFTER_SECONDS)
    handing_over = {check_import_task: [], commit_import_task: []}
    with transaction.atomic():
        jobs = list(
            ImportJob.objects.filter(status__in=[ImportStatus.VALIDATING, ImportStatus.QUEUED])
            .filter(models.Q(queued_at__lt=stalled_before) | models.Q(queued_at__isnull=True))
            .select_for_update(skip_locked=True)
            .only("pk", "status", "attempts")
            .order_by("pk")[:limit]
        )
        for job in jobs:
            if job.attempts >= settings.IMPORT_MAX_ATTEMPTS:
                logger.error("Import %s stalled %s times; failed", job.pk, job.attempts)
                _fail(job.pk, job.status, str(STALLED_MESSAGES[job.status]))
                continue
            logger.warning("Import %s stalled while %s; handed over again", job.pk, job.status)
            ImportJob.objects.filter(pk=job.pk).update(queued_at=now, attempts=job.attempts + 1)
            task = check_import_task if job.status == ImportStatus.VALIDATING else commit_import_task
            handing_over[task].append(job.pk)
        if any(handing_over.values()):
            transaction.on_commit(lambda: _hand_over_recovered(handing_over), robust=True)
    return len(jobs)


def _hand_over_recovered(handing_over: dict) -> None:
    waiting = []
    for task, job_ids in handing_over.items():
        # After the broker's first refusal the rest would be refused the same way: they wait too.
        waiting += hand_over(task, job_ids) if not waiting else job_ids
    if waiting:
        ImportJob.objects.filter(pk__in=waiting).update(attempts=models.F("attempts") - 1)


STALLED_MESSAGES = {
    ImportStatus.VALIDATING: _lazy(
        "The check stopped before it finished, several times (the background worker was lost). "
        "Nothing was imported; upload the file again."
    ),
    ImportStatus.QUEUED: _lazy(
        "The import stopped before it finished, several times (the background worker was lost). "
        "Nothing was imported; upload the file again."
    ),
}


@atomic_service
def import_discard(*, job: ImportJob, actor) -> ImportJob:
    require(can_manage_import(actor, job), who_can_help=WhoCanHelp.ADMINISTRATOR)
    _require_status(job, ImportStatus.MAPPING, ImportStatus.CHECKED, ImportStatus.FAILED)
    ImportRow.objects.filter(job=job).delete()
    job.status = ImportStatus.DISCARDED
    job.save(update_fields=["status"])
    transaction.on_commit(lambda: _drop_file(job.pk), robust=True)
    return job


# --- in one call: the command line and the benchmark ---------------------------------------------------


def import_run(
    *, path, kind: str, actor, mapping: dict[str, str] | None = None, skip_duplicates: bool = False
) -> ImportJob:
    """Uploads, maps (the given mapping, else the guessed one), checks and imports a file in this process.

    Raises ValidationError with the first errors when the file does not check clean; then nothing is imported.
    """
    with open(path, "rb") as handle:
        return import_file(
            file=handle,
            name=Path(path).name,
            kind=kind,
            actor=actor,
            mapping=mapping,
            skip_duplicates=skip_duplicates,
        )


def import_file(
    *, file, name: str, kind: str, actor, mapping: dict[str, str] | None = None, skip_duplicates: bool = False
) -> ImportJob:
    upload = File(file, name=name)
    job = import_job_create(actor=actor, kind=kind, upload=upload, name=name)
    job = import_job_map(job=job, actor=actor, mapping=mapping or job.mapping)
    job = import_check(job_id=job.pk)
    if job.error_count:
        raise ValidationError(
            [f"{_('line')} {e['line']}: {e['column']}: {e['message']}" for e in job.errors[:20]]
        )
    job.refresh_from_db()
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.QUEUED, skip_duplicates=skip_duplicates, queued_at=timezone.now(), attempts=1
    ):
        raise ValidationError(_("This file is already being imported."))
    return import_commit(job_id=job.pk)
