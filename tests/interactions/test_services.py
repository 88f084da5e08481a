import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Stakeholder
from contacts.services import stakeholder_merge
from interactions import services
from interactions.models import Interaction

from ..concurrency import wait_until_waiting_for_a_lock
from ..factories import AffiliationFactory, StakeholderFactory
from ..merges import merged_during

pytestmark = pytest.mark.django_db


def log(author, stakeholders, **fields):
    fields.setdefault("kind", "call")
    fields.setdefault("summary", "Catch-up on the consultation")
    return services.interaction_log(author=author, stakeholders=stakeholders, **fields)


def test_logging_an_interaction_restarts_every_participants_contact_clock(officer, colleague):
    first = StakeholderFactory(
        owner=officer, contact_cadence_days=30, last_contacted_at=timezone.now() - dt.timedelta(days=90)
    )
    second = StakeholderFactory(owner=officer, contact_cadence_days=30)
    when = timezone.now() - dt.timedelta(hours=2)

    # Any logged touch counts, whoever logs it.
    log(colleague, [first, second], occurred_at=when)

    for stakeholder in Stakeholder.objects.filter(pk__in=[first.pk, second.pk]):
        assert stakeholder.last_contacted_at == when
        assert not stakeholder.is_overdue_for_contact


def test_an_older_interaction_logged_late_does_not_move_last_contact_back(officer):
    stakeholder = StakeholderFactory(owner=officer)
    recent = timezone.now() - dt.timedelta(days=1)
    log(officer, [stakeholder], occurred_at=recent)
    log(officer, [stakeholder], occurred_at=timezone.now() - dt.timedelta(days=20))
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at == recent


def test_the_organisation_defaults_to_the_stakeholders_primary_position(officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    interaction = log(officer, [position.stakeholder])
    assert interaction.organisation == position.organisation


def test_a_call_logged_late_is_filed_where_the_person_worked_on_its_day(officer):
    """A filed interaction counts for its organisation alone: a leaver's old call belongs to the old one."""
    today = timezone.localdate()
    person = StakeholderFactory(owner=officer)
    then = AffiliationFactory(stakeholder=person, end_date=today - dt.timedelta(days=30))
    now = AffiliationFactory(stakeholder=person, start_date=today - dt.timedelta(days=29))
    old_call = log(officer, [person], occurred_at=timezone.now() - dt.timedelta(days=40))
    new_call = log(officer, [person])
    assert (old_call.organisation, new_call.organisation) == (then.organisation, now.organisation)


def test_a_follow_up_due_before_the_interaction_is_refused_when_either_date_moves(officer):
    stakeholder = StakeholderFactory(owner=officer)
    monday = timezone.now() - dt.timedelta(days=3)
    day_before = timezone.localdate(monday) - dt.timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        log(officer, [stakeholder], occurred_at=monday, follow_up_on=day_before)
    assert "comes after the interaction" in error.value.message_dict["follow_up_on"][0]
    assert not Interaction.objects.exists()

    interaction = log(officer, [stakeholder], occurred_at=monday, follow_up_on=timezone.localdate(monday))
    with pytest.raises(ValidationError) as error:
        services.interaction_update(interaction=interaction, actor=officer, follow_up_on=day_before)
    assert "follow_up_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.interaction_update(
            interaction=interaction, actor=officer, occurred_at=monday + dt.timedelta(days=2)
        )
    interaction.refresh_from_db()
    assert interaction.follow_up_on == timezone.localdate(monday)


def test_an_old_follow_up_dated_before_its_interaction_still_saves_when_neither_date_moves(officer):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = log(officer, [stakeholder], occurred_at=timezone.now() - dt.timedelta(days=3))
    # As records made before the rule may be.
    Interaction.objects.filter(pk=interaction.pk).update(
        follow_up_on=timezone.localdate() - dt.timedelta(days=10), follow_up_owner=officer
    )
    interaction.refresh_from_db()

    services.interaction_update(
        interaction=interaction,
        actor=officer,
        summary="Renamed",
        follow_up_on=interaction.follow_up_on,
        occurred_at=interaction.occurred_at,
    )

    interaction.refresh_from_db()
    assert interaction.summary == "Renamed"


def test_an_interaction_needs_a_stakeholder(officer):
    with pytest.raises(ValidationError) as error:
        log(officer, [])
    assert "stakeholders" in error.value.message_dict
    assert not Interaction.objects.exists()


def test_an_interaction_cannot_be_logged_in_the_future(officer):
    with pytest.raises(ValidationError) as error:
        log(officer, [StakeholderFactory()], occurred_at=timezone.now() + dt.timedelta(days=2))
    assert "occurred_at" in error.value.message_dict
    assert not Interaction.objects.exists()


def test_archived_stakeholders_cannot_join_new_interactions(officer):
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    with pytest.raises(ValidationError):
        log(officer, [archived])


def test_bad_sentiment_is_refused_and_nothing_is_written(officer):
    stakeholder = StakeholderFactory(owner=officer)
    with pytest.raises(ValidationError):
        log(officer, [stakeholder], sentiment=5, topics=["Budget"])
    assert not Interaction.objects.exists()
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at is None


def test_deleting_the_latest_interaction_rolls_last_contact_back(officer):
    stakeholder = StakeholderFactory(owner=officer)
    earlier = timezone.now() - dt.timedelta(days=10)
    log(officer, [stakeholder], occurred_at=earlier)
    latest = log(officer, [stakeholder])
    services.interaction_delete(interaction=latest, actor=officer)
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at == earlier


def test_moving_an_interaction_to_another_stakeholder_updates_both_clocks(officer):
    before, after = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    interaction = log(officer, [before])
    services.interaction_update(interaction=interaction, actor=officer, stakeholders=[after])
    before.refresh_from_db()
    after.refresh_from_db()
    assert before.last_contacted_at is None
    assert after.last_contacted_at == interaction.occurred_at


def test_officer_cannot_edit_an_interaction_a_colleague_logged(officer, colleague):
    interaction = log(colleague, [StakeholderFactory(owner=colleague)])
    with pytest.raises(PermissionDenied):
        services.interaction_update(interaction=interaction, actor=officer, summary="Mine now")
    with pytest.raises(PermissionDenied):
        services.follow_up_complete(interaction=interaction, actor=officer)


def test_manager_of_the_team_may_edit_but_manager_of_another_team_may_not(officer, manager, other_manager):
    interaction = log(officer, [StakeholderFactory(owner=officer)])
    services.interaction_update(interaction=interaction, actor=manager, summary="Corrected")
    with pytest.raises(PermissionDenied):
        services.interaction_update(interaction=interaction, actor=other_manager, summary="No")


def test_completing_and_reopening_a_follow_up(officer):
    interaction = log(officer, [StakeholderFactory(owner=officer)], follow_up_on=timezone.localdate())
    services.follow_up_complete(interaction=interaction, actor=officer)
    assert Interaction.objects.open_follow_ups().count() == 0
    services.follow_up_reopen(interaction=interaction, actor=officer)
    assert Interaction.objects.open_follow_ups().count() == 1


def test_completing_an_interaction_without_a_follow_up_is_refused(officer):
    interaction = log(officer, [StakeholderFactory(owner=officer)])
    with pytest.raises(ValidationError):
        services.follow_up_complete(interaction=interaction, actor=officer)


@pytest.mark.django_db(transaction=True)
def test_logging_with_a_stakeholder_merged_at_that_moment_is_refused_with_a_message(officer):
    keep = StakeholderFactory(owner=officer, name="Ama Owusu")
    duplicate = StakeholderFactory(owner=officer, name="Ama Owusu (2)")
    person_on_the_form = Stakeholder.objects.get(pk=duplicate.pk)
    merged = threading.Event()

    def merge_while_the_log_waits():
        try:
            with transaction.atomic():
                stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
                merged.set()
                # Committed once the log below waits for the merge's lock on the duplicate.
                wait_until_waiting_for_a_lock(1)
        finally:
            connection.close()

    merging = threading.Thread(target=merge_while_the_log_waits)
    merging.start()
    assert merged.wait(30)
    with pytest.raises(ValidationError) as refused:
        log(officer, [person_on_the_form])
    merging.join()
    assert "merged" in str(refused.value.message_dict["stakeholders"])
    assert not Interaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_interaction_edited_while_one_of_its_people_is_merged_waits_for_the_merge_and_is_saved(officer):
    """The edit held the interaction, then updated its people's last contact, which the merge held; the
    merge held them and then moved the interaction: PostgreSQL broke the deadlock by failing one of them."""
    keep = StakeholderFactory(owner=officer, name="Ama Owusu")
    duplicate = StakeholderFactory(owner=officer, name="Ama Owusu (2)")
    interaction = log(officer, [duplicate])

    outcome = merged_during(
        lambda: services.interaction_update(
            interaction=Interaction.objects.get(pk=interaction.pk), actor=officer, notes="Agreed the dates"
        ),
        keep=keep,
        duplicate=duplicate,
    )

    assert isinstance(outcome, Interaction), outcome
    interaction.refresh_from_db()
    assert interaction.notes == "Agreed the dates"
    assert list(interaction.stakeholders.all()) == [keep]


@pytest.mark.django_db(transaction=True)
def test_an_interaction_deleted_while_one_of_its_people_is_merged_waits_for_the_merge(officer):
    keep = StakeholderFactory(owner=officer, name="Ama Owusu")
    duplicate = StakeholderFactory(owner=officer, name="Ama Owusu (2)")
    interaction = log(officer, [duplicate])

    outcome = merged_during(
        lambda: services.interaction_delete(
            interaction=Interaction.objects.get(pk=interaction.pk), actor=officer
        ),
        keep=keep,
        duplicate=duplicate,
    )

    assert outcome is None
    assert not Interaction.objects.exists()
