import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .querysets import ImportJobQuerySet


class ImportKind(models.TextChoices):
    ORGANISATIONS = "organisations", _("Organisations")
    STAKEHOLDERS = "stakeholders", _("Stakeholders")
    INTERACTIONS = "interactions", _("Interactions")


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    VCARD = "vcard", _("vCard")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Choose the columns")
    VALIDATING = "validating", _("Checking")
    CHECKED = "checked", _("Checked")
    QUEUED = "queued", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


def import_upload_to(job, filename):
    # Stored under a name of our own: the person's file name (kept as `original_name`) may be anything at
    # all, including nothing a file system can use once its unsafe characters are taken out.
    return f"imports/{uuid.uuid4().hex}/{job.format or 'upload'}"


class ImportJob(models.Model):
    """A spreadsheet or address book an officer brings into the registers: uploaded, mapped, checked, added.

    Nothing reaches the registers until the whole file has been checked without an error; then every row goes
    in at once, in one transaction, or none does.
    """

    kind = models.CharField(_("what"), max_length=16, choices=ImportKind.choices)
    format = models.CharField(
        _("format"), max_length=8, choices=ImportFormat.choices, default=ImportFormat.CSV
    )
    file = models.FileField(upload_to=import_upload_to)
    original_name = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    # SHA-256 of the file's bytes: the same file uploaded again is recognised, whatever its name.
    content_hash = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(_("encoding"), max_length=32, default="utf-8")
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list, blank=True)
    # {field name: column heading}; the same mapping is remembered for the person's next file of this kind.
    mapping = models.JSONField(default=dict, blank=True)
    skip_duplicates = models.BooleanField(
        _("skip likely duplicates"),
        default=False,
        help_text=_("Leave out rows that look like someone (or something) already in the register."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    # An estimate (lines in the file) until the file has been read; then the number of rows.
    total_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # An address book's cards that are no one to import (contact groups, organisations, places): not rows.
    # The database's defaults (db_default) on fields added after 0004: while a release rolls out, the
    # code before it still adds jobs without them.
    cards_left_out = models.PositiveIntegerField(default=0, db_default=0)
    # The first errors, each {"line", "column", "message"}; error_count says how many there were in all.
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    duplicate_count = models.PositiveIntegerField(default=0)
    duplicates = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    new_organisations = models.JSONField(default=list, blank=True)
    # Organisations only likely duplicates name: added only when the duplicates are imported too.
    new_organisations_of_duplicates = models.JSONField(default=list, blank=True, db_default=[])
    new_tags = models.JSONField(default=list, blank=True, db_default=[])
    # Tags only likely duplicates name: added only when the duplicates are imported too.
    new_tags_of_duplicates = models.JSONField(default=list, blank=True, db_default=[])
    created_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # When the check or the import was last handed to a worker, and how many times it has been: a run whose
    # worker died is handed over again by the minute's sweep (imports_recover_stalled), then failed.
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="importjob_by_person"),
            models.Index(fields=["content_hash", "kind"], name="importjob_same_file"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self):
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.QUEUED)

    @property
    def can_commit(self) -> bool:
        return self.status == ImportStatus.CHECKED and self.error_count == 0 and self.total_rows > 0

    @property
    def rows_besides_duplicates(self) -> int:
        return self.total_rows - self.duplicate_count

    @property
    def rows_to_import(self) -> int:
        return self.rows_besides_duplicates if self.skip_duplicates else self.total_rows

    @property
    def organisations_to_add(self) -> list[str]:
        if self.skip_duplicates:
            return self.new_organisations
        return sorted([*self.new_organisations, *self.new_organisations_of_duplicates], key=str.lower)


class ImportRow(models.Model):
    """A checked row waiting to be imported: its cleaned values, keyed by the columns they will fill.

    Rows are written here with COPY while the file is checked, and moved into the registers with a few
    set-based INSERT … SELECT statements when the officer says import; then they are deleted.
    """

    # The (job, line) index serves lookups by job.
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows", db_index=False)
    line = models.PositiveIntegerField()
    values = models.JSONField()
    is_duplicate = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["job", "line"], name="importrow_job_line")]

    def __str__(self):
        return f"line {self.line} of import {self.job_id}"


class ImportMapping(models.Model):
    """The columns a person chose last time for a kind of import, offered again for their next file."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="importmapping_one_per_person_and_kind")
        ]

    def __str__(self):
        return f"{self.user} — {self.kind}"
