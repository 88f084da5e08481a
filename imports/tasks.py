"""Celery adapters for imports: they take a job id and call the service, which is safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def check_import(job_id: int) -> None:
    from .services import import_check

    import_check(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def commit_import(job_id: int) -> None:
    # The service records a failure on the job itself; a database error is not worth retrying blind.
    from .services import import_commit

    import_commit(job_id=job_id)


@shared_task(ignore_result=True)
def tidy_search_indexes(kind: str) -> None:
    from .services import search_indexes_tidy

    search_indexes_tidy(kind=kind)


@shared_task(ignore_result=True)
def recover_stalled_imports() -> None:
    """Beat runs this every minute: checks and imports whose task or worker was lost go to a worker again."""
    from .services import imports_recover_stalled

    imports_recover_stalled()
