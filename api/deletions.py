"""Tombstones for the deletions feed (GET /api/v1/deletions/): the services that delete a record a sync may
hold write one here, inside their own transaction, so a tool syncing by `updated_since` hears it went."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import DeletedRecordType, Deletion, DeletionReason


def deletions_record(
    *,
    record_type: DeletedRecordType,
    record_ids: Iterable[int],
    merged_into: int | None = None,
    reader_ids: Iterable[int] = (),
    reader_team_ids: Iterable[int] = (),
) -> None:
    """Notes that these records are gone. `reader_ids` and `reader_team_ids` narrow who hears of it to
    those who could read the record (a confidential interaction's readers); left empty, all staff do."""
    now = timezone.now()
    Deletion.objects.bulk_create(
        Deletion(
            record_type=record_type,
            record_id=record_id,
            deleted_at=now,
            merged_into=merged_into,
            reader_ids=sorted(set(reader_ids)),
            reader_team_ids=sorted(set(reader_team_ids)),
        )
        for record_id in record_ids
    )


@dataclass(frozen=True)
class Hiding:
    """A record still there but hidden from some who could read it: those of `reader_ids` and
    `reader_team_ids` (left empty, all staff) who are not among `kept_reader_ids` and
    `kept_reader_team_ids`."""

    record_id: int
    reader_ids: Iterable[int] = ()
    reader_team_ids: Iterable[int] = ()
    kept_reader_ids: Iterable[int] = ()
    kept_reader_team_ids: Iterable[int] = ()


# Demoting an administrator hides every confidential interaction from them at once: written in inserts of
# this many rows, not one statement of nine parameters a row.
HIDINGS_BATCH_SIZE = 1000


def hidings_record(*, record_type: DeletedRecordType, hidings: Iterable[Hiding]) -> None:
    """Notes that these records are hidden from some who could read them: they hear of each as gone."""
    now = timezone.now()
    Deletion.objects.bulk_create(
        (
            Deletion(
                record_type=record_type,
                record_id=hiding.record_id,
                deleted_at=now,
                reason=DeletionReason.HIDDEN,
                reader_ids=sorted(set(hiding.reader_ids)),
                reader_team_ids=sorted(set(hiding.reader_team_ids)),
                kept_reader_ids=sorted(set(hiding.kept_reader_ids)),
                kept_reader_team_ids=sorted(set(hiding.kept_reader_team_ids)),
            )
            for hiding in hidings
        ),
        batch_size=HIDINGS_BATCH_SIZE,
    )


def deletions_kept_since() -> datetime.datetime:
    """The oldest moment the feed still answers for: older tombstones are pruned."""
    return timezone.now() - datetime.timedelta(days=settings.API_DELETIONS_KEEP_DAYS)


def purge_expired_deletions() -> int:
    deleted, _by_model = Deletion.objects.filter(deleted_at__lt=deletions_kept_since()).delete()
    return deleted
