"""A stakeholder merged into another record after a form or request read it, or while a write is under way."""

import threading

from django.db import connection, transaction

from contacts.models import Stakeholder
from contacts.services import stakeholder_merge

from .concurrency import finished_or_waiting_for_a_lock
from .factories import StakeholderFactory


def merge_away(stakeholder) -> None:
    """Merges `stakeholder` into a new record of the same owner; the instance passed, as a form or request
    read it, still names the row the merge deleted."""
    keep = StakeholderFactory(owner=stakeholder.owner, name=f"{stakeholder.name} (kept)")
    stakeholder_merge(keep=keep, duplicate=stakeholder, actor=stakeholder.owner)


def refused_as_merged(refused, field: str) -> bool:
    return "merged into another record" in " ".join(refused.value.message_dict[field])


def merged_during(work, *, keep, duplicate):
    """Runs `work` in a thread of its own once a merge of `duplicate` into `keep` holds both records, as the
    merge does before moving anything; the merge goes on when `work` has ended or waits for a lock. Returns
    what `work` returned, or the exception it raised (a deadlock PostgreSQL broke, say)."""
    outcome = []

    def run():
        try:
            outcome.append(work())
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        list(Stakeholder.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk"))
        writer = threading.Thread(target=run)
        writer.start()
        finished_or_waiting_for_a_lock(writer)
        stakeholder_merge(keep=keep, duplicate=duplicate, actor=keep.owner)
    writer.join()
    return outcome[0]
