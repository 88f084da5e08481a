"""Checks and imports whose worker died or whose task was lost: handed over again, then failed, not stuck."""

import datetime as dt

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from imports import services
from imports.models import ImportJob, ImportRow, ImportStatus

from .test_services import check, csv_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_job(officer, settings):
    settings.IMPORT_BACKGROUND_ROWS = 0  # imported by a worker, which these tests never start
    job = check(officer, upload(officer, csv_bytes([["Ama Owusu", "ama@example.org", "", "", "", ""]])))
    return services.import_commit_start(job=job, actor=officer)


def hand_over_time(job, *, minutes_ago: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def test_an_import_no_worker_holds_is_handed_over_again(
    queued_job, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_STALLED_AFTER_SECONDS = 300
    hand_over_time(queued_job, minutes_ago=6)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.imports_recover_stalled() == 1
    queued_job.refresh_from_db()
    assert queued_job.status == ImportStatus.QUEUED and queued_job.attempts == 2
    assert timezone.now() - queued_job.queued_at < dt.timedelta(seconds=5)
    assert len(callbacks) == 1, "a new task, queued once the sweep commits"


def test_a_recently_handed_over_import_is_left_to_its_worker(queued_job, settings):
    settings.IMPORT_STALLED_AFTER_SECONDS = 300
    hand_over_time(queued_job, minutes_ago=4)
    assert services.imports_recover_stalled() == 0


def test_a_check_that_stalled_too_often_is_failed_with_a_message(officer, settings):
    settings.IMPORT_MAX_ATTEMPTS = 3
    job = upload(officer, csv_bytes([["Ama Owusu", "ama@example.org", "", "", "", ""]]))
    job = services.import_job_map(job=job, actor=officer, mapping=job.mapping)  # checking, no worker yet
    ImportJob.objects.filter(pk=job.pk).update(attempts=3)
    hand_over_time(job, minutes_ago=60)
    services.imports_recover_stalled()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "The check stopped" in job.failure and "upload the file again" in job.failure


def test_an_import_that_stalled_too_often_is_failed_and_keeps_none_of_its_staged_rows(queued_job, settings):
    settings.IMPORT_MAX_ATTEMPTS = 1
    hand_over_time(queued_job, minutes_ago=60)
    assert ImportRow.objects.filter(job=queued_job).exists()

    services.imports_recover_stalled()

    queued_job.refresh_from_db()
    assert queued_job.status == ImportStatus.FAILED
    assert not ImportRow.objects.filter(job=queued_job).exists()


def test_a_file_the_storage_will_not_delete_stops_no_other_stalled_job_being_handed_over(
    officer, settings, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from django.core.files.storage import FileSystemStorage

    from imports import tasks

    settings.IMPORT_BACKGROUND_ROWS = 0
    settings.IMPORT_STALLED_AFTER_SECONDS = 300
    settings.IMPORT_MAX_ATTEMPTS = 2
    rows = [["Ama Owusu", "ama@example.org", "", "", "", ""]]
    failing, stalled = (
        services.import_commit_start(job=check(officer, upload(officer, csv_bytes(rows))), actor=officer)
        for _ in range(2)
    )
    ImportJob.objects.filter(pk=failing.pk).update(attempts=2)  # failed by this sweep, its file dropped
    for job in (failing, stalled):
        hand_over_time(job, minutes_ago=6)

    def refused(storage, name):
        raise PermissionError(13, "Permission denied", name)

    handed_over = []
    monkeypatch.setattr(FileSystemStorage, "delete", refused)
    monkeypatch.setattr(tasks.commit_import, "delay", handed_over.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.imports_recover_stalled() == 2

    assert handed_over == [stalled.pk]
    failing.refresh_from_db()
    assert failing.status == ImportStatus.FAILED and failing.file, "the file is left where it is"
    assert "could not be deleted" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_import_a_worker_is_running_is_left_alone(officer, settings, test_broker):
    # test_broker: the task import_commit_start queues goes to a corner of Redis that is cleared after.
    settings.IMPORT_BACKGROUND_ROWS = 0
    job = check(officer, upload(officer, csv_bytes([["Ama Owusu", "ama@example.org", "", "", "", ""]])))
    job = services.import_commit_start(job=job, actor=officer)
    hand_over_time(job, minutes_ago=60)
    database = connection.settings_dict
    # A worker's import holds the job's row locked for its whole transaction.
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1", port=database["PORT"] or 5432, user=database["USER"],
        dbname=database["NAME"],
    ) as worker:  # fmt: skip
        worker.execute("SELECT 1 FROM imports_importjob WHERE id = %s FOR UPDATE", [job.pk])
        assert services.imports_recover_stalled() == 0
        worker.rollback()
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_hand_over_the_broker_refuses_is_not_counted_and_stops_at_the_first_refusal(
    officer, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    from imports import tasks

    settings.IMPORT_BACKGROUND_ROWS = 0
    settings.IMPORT_STALLED_AFTER_SECONDS = 300
    rows = [["Ama Owusu", "ama@example.org", "", "", "", ""]]
    jobs = [services.import_commit_start(job=check(officer, upload(officer, csv_bytes(rows))), actor=officer)]
    jobs.append(
        services.import_commit_start(job=check(officer, upload(officer, csv_bytes(rows))), actor=officer)
    )
    for job in jobs:
        hand_over_time(job, minutes_ago=6)
    tries = []

    def refused(job_id):
        tries.append(job_id)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.commit_import, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.imports_recover_stalled() == 2

    assert len(tries) == 1, "one try at the broker, not one per job"
    assert [job.attempts for job in ImportJob.objects.filter(pk__in=[j.pk for j in jobs])] == [1, 1]
