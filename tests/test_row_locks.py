"""A write pointing at stakeholders while a merge removes one of them: it waits for the merge and is refused
with a message, or goes first and the merge moves what it wrote; never a foreign-key error at COMMIT."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
from commitments.services import commitment_record, commitment_update
from concerns.services import concern_update
from contacts.models import Stakeholder
from contacts.services import stakeholder_merge
from liaison_crm.row_locks import lock_referenced

from .concurrency import finished_or_waiting_for_a_lock, wait_until_waiting_for_a_lock
from .factories import CommitmentFactory, ConcernFactory, StakeholderFactory
from .merges import refused_as_merged

pytestmark = pytest.mark.django_db(transaction=True)


def in_a_thread(work) -> threading.Thread:
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_write_waits_for_a_merge_under_way_and_is_then_refused_with_a_message(officer):
    keep = StakeholderFactory(owner=officer, name="Ama Owusu")
    duplicate = StakeholderFactory(owner=officer, name="Ama Owusu (2)")
    read_by_the_form = Stakeholder.objects.get(pk=duplicate.pk)
    merged = threading.Event()

    def merge_while_the_write_waits():
        with transaction.atomic():
            stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
            merged.set()
            # Committed once the write below waits for the merge's lock on the duplicate.
            wait_until_waiting_for_a_lock(1)

    merging = in_a_thread(merge_while_the_write_waits)
    assert merged.wait(30)
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        lock_referenced([keep, read_by_the_form], field="stakeholders")
    merging.join()
    assert refused_as_merged(refused, "stakeholders")
    assert refused.value.message_dict["stakeholders"][0].startswith("Ama Owusu (2) was merged")


def test_a_merge_waits_for_a_write_under_way_and_then_moves_what_it_wrote(officer):
    keep = StakeholderFactory(owner=officer)
    duplicate = StakeholderFactory(owner=officer)
    with transaction.atomic():
        commitment = commitment_record(
            actor=officer, stakeholder=duplicate, description="Send the report", direction="we_promised"
        )
        merging = in_a_thread(lambda: stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer))
        finished_or_waiting_for_a_lock(merging)
        assert merging.is_alive(), "the merge went ahead of a write holding the duplicate"
    merging.join()
    assert Commitment.objects.get(pk=commitment.pk).stakeholder_id == keep.pk
    assert not Stakeholder.objects.filter(pk=duplicate.pk).exists()


@pytest.mark.parametrize(
    ("factory", "update", "table"),
    [
        (CommitmentFactory, commitment_update, "commitments_commitment"),
        (ConcernFactory, concern_update, "concerns_concern"),
    ],
)
def test_an_edit_locks_its_stakeholder_before_its_own_row_as_a_merge_does(officer, factory, update, table):
    """A merge locks the stakeholder, then moves their commitments and concerns. An edit locking its own row
    first, then the stakeholder the form sends, could each hold what the other waited for: a deadlock."""
    record = factory(stakeholder=StakeholderFactory(owner=officer), owner=officer)
    with CaptureQueriesContext(connection) as queries:
        update(
            **{table.split("_")[1]: record}, actor=officer, stakeholder=record.stakeholder, description="Seen"
        )

    locks = [q["sql"] for q in queries if " FOR " in q["sql"]]
    assert "contacts_stakeholder" in locks[0] and "FOR KEY SHARE" in locks[0]
    assert table in locks[1] and "FOR NO KEY UPDATE" in locks[1]
