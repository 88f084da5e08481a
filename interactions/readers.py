"""Changes that take a confidential interaction from some who could read it, while it stays: the deletions
feed tells their syncs to drop it (reason `hidden`), in the transaction of the change.

Who reads one is decided by Interaction.objects.visible_to: its author, the colleague chasing its follow-up,
the owners of its stakeholders, the managers of those people's teams, and administrators. So sight is lost
when the interaction is edited (made confidential, other stakeholders, another chaser), when a stakeholder
gets another owner (an edit, a handover, a merge moving the duplicate's interactions), when a follow-up is
handed over, and when a member of staff changes team or role.

Not noted (README, "Deletions"): a role group deleted or renamed in the Group admin, which demotes its members
with no account saved; and two changes at once, each reading the other's path to an interaction (an owner, a
team, a role) as still granting sight before it commits, which can miss a tombstone: rare, and the next full
sync corrects it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from api.deletions import Hiding, hidings_record
from api.models import DeletedRecordType
from liaison_crm.array_lookups import AnyOf

from .models import Interaction

# Who may read a confidential interaction (InteractionQuerySet.readers): people, and teams whose managers may.
Readers = tuple[frozenset[int], frozenset[int]]


@contextmanager
def readers_lost_noted(interactions: QuerySet) -> Iterator[None]:
    """Around a change of `interactions` (read before it) or of what decides who reads them: each one that
    those who could read it before are not all able to read after is listed hidden to them."""
    before = interactions.readers_of_each()
    yield
    if not before:
        return
    after = Interaction.objects.filter(AnyOf(F("pk"), list(before))).readers_of_each()
    hidings_record(
        record_type=DeletedRecordType.INTERACTION,
        hidings=[
            Hiding(
                record_id=pk,
                reader_ids=readers[0] if readers else (),
                reader_team_ids=readers[1] if readers else (),
                kept_reader_ids=after[pk][0],
                kept_reader_team_ids=after[pk][1],
            )
            for pk, readers in before.items()
            if _some_lost(readers, after.get(pk))
        ],
    )


def _some_lost(before: Readers | None, after: Readers | None) -> bool:
    """Whether some who could read an interaction (its readers `before`, None when all staff could) cannot
    with its readers `after` (None: all staff can)."""
    if after is None:
        return False
    return before is None or not (before[0] <= after[0] and before[1] <= after[1])


@contextmanager
def staff_sight_noted(user) -> Iterator[None]:
    """Around a change of a member of staff's team or role. The confidential interactions they logged or
    chase, or whose stakeholders they own, move team with them: those their old team's managers no longer
    read are listed hidden to those managers. And what they themselves could read before (with their old
    team, or as an administrator) and cannot now is listed hidden to them."""
    as_they_were = get_user_model().objects.get(pk=user.pk)
    as_they_were.role_names  # noqa: B018  (their roles as they were, read now: the change may take them)
    owning = Interaction.stakeholders.through.objects.filter(stakeholder__owner=user.pk).values("interaction")
    theirs = Interaction.objects.filter(
        Q(logged_by=user.pk) | Q(follow_up_owner=user.pk) | Q(pk__in=owning), is_confidential=True
    )
    with readers_lost_noted(theirs):
        yield
    as_they_are = get_user_model().objects.get(pk=user.pk)
    # Sight compared as if they were active on both sides (these copies are never saved): someone deactivated
    # with the change, or changed while away, hears what they lost once let back in, their tokens kept.
    as_they_were.is_active = as_they_are.is_active = True
    # Asked after the change, as they were: their old team's members less them, whose own they still read.
    confidential = Interaction.objects.filter(is_confidential=True)
    lost = confidential.readable_as_confidential(as_they_were).exclude(
        pk__in=confidential.readable_as_confidential(as_they_are).values("pk")
    )
    hidings_record(
        record_type=DeletedRecordType.INTERACTION,
        hidings=[Hiding(record_id=pk, reader_ids=[user.pk]) for pk in lost.values_list("pk", flat=True)],
    )
