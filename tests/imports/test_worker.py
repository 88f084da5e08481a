"""A large file through a real Celery worker and the local Redis: checked, then imported, with progress."""

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from contacts.models import Stakeholder
from imports import services
from imports.models import ImportJob, ImportStatus

from ..workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def status_of(job) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


def test_a_large_file_is_checked_and_imported_by_the_worker(celery_worker, officer, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10
    rows = "".join(f"Person {number},p{number}@example.org\n" for number in range(500))
    content = ContentFile(f"Name,Email\n{rows}".encode(), name="people.csv")
    job = services.import_job_create(actor=officer, kind="stakeholders", upload=content)
    with transaction.atomic():
        job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)
        services.import_check_start(job=job)
    assert status_of(job) == ImportStatus.VALIDATING

    wait_for(lambda: status_of(job) == ImportStatus.CHECKED, timeout=60, what="the check")
    job.refresh_from_db()
    assert job.error_count == 0 and job.total_rows == 500
    with transaction.atomic():
        services.import_commit_start(job=job, actor=officer)

    wait_for(lambda: status_of(job) == ImportStatus.IMPORTED, timeout=60, what="the import")
    assert Stakeholder.objects.filter(name__startswith="Person ").count() == 500
    job.refresh_from_db()
    assert services.import_progress(job)["percent"] == 100
