import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from commitments import services
from commitments.models import Commitment, CommitmentStatus
from meetings.models import Attendee, MeetingStatus

from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
    UserFactory,
)
from ..merges import merge_away, refused_as_merged

pytestmark = pytest.mark.django_db


def record(actor, stakeholder, **fields):
    fields.setdefault("description", "Send the draft data-sharing agreement")
    fields.setdefault("direction", "we_promised")
    return services.commitment_record(actor=actor, stakeholder=stakeholder, **fields)


def test_a_new_commitment_is_chased_by_whoever_records_it_at_the_stakeholders_organisation(officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))

    commitment = record(officer, position.stakeholder, due_on=timezone.localdate() + dt.timedelta(days=7))

    assert commitment.owner == officer and commitment.created_by == officer
    assert commitment.organisation == position.organisation
    assert commitment.status == CommitmentStatus.OPEN


def test_a_colleague_can_record_a_commitment_for_someone_elses_stakeholder_and_name_who_chases_it(
    officer, colleague
):
    stakeholder = StakeholderFactory(owner=officer)
    commitment = record(colleague, stakeholder, owner=officer, direction="they_promised")
    assert commitment.owner == officer and commitment.created_by == colleague


def test_a_commitment_made_during_an_interaction_keeps_it_as_its_source(officer):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    commitment = record(officer, stakeholder, source_interaction=interaction)
    assert commitment.source_interaction == interaction


def test_a_commitment_made_at_a_meeting_keeps_it_as_its_source(officer):
    stakeholder = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
    commitment = record(officer, stakeholder, source_meeting=meeting)
    assert commitment.source_meeting == meeting


def test_a_commitment_cannot_come_from_an_interaction_the_officer_may_not_read(officer, colleague):
    stakeholder = StakeholderFactory(owner=colleague)
    confidential = InteractionFactory(logged_by=colleague, stakeholders=[stakeholder], is_confidential=True)

    with pytest.raises(ValidationError) as error:
        record(officer, stakeholder, source_interaction=confidential)

    assert "source_interaction" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_the_stakeholder_must_have_taken_part_in_the_source_interaction(officer):
    interaction = InteractionFactory(logged_by=officer)
    with pytest.raises(ValidationError) as error:
        record(officer, StakeholderFactory(owner=officer), source_interaction=interaction)
    assert "stakeholder" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_a_cancelled_meeting_is_refused_as_the_source_of_a_commitment(officer):
    """It did not take place: nothing was promised at it."""
    stakeholder = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer, status=MeetingStatus.CANCELLED)
    Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)

    with pytest.raises(ValidationError) as refused:
        record(officer, stakeholder, source_meeting=meeting)

    assert refused.value.message_dict == {
        "source_meeting": [
            "That meeting was cancelled: it did not take place, so nothing was promised at it."
        ]
    }
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("attended", [True, None])
def test_a_commitment_is_made_at_a_meeting_by_one_who_was_there_or_not_yet_recorded(officer, attended):
    stakeholder = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=stakeholder, attended=attended)

    assert record(officer, stakeholder, source_meeting=meeting).source_meeting == meeting


def test_a_stakeholder_recorded_absent_promised_nothing_at_the_meeting(officer):
    stakeholder = StakeholderFactory(owner=officer, name="Kofi Boateng")
    meeting = MeetingFactory(organiser=officer, status=MeetingStatus.HELD, held_at=timezone.now())
    Attendee.objects.create(meeting=meeting, stakeholder=stakeholder, attended=False)

    with pytest.raises(ValidationError) as refused:
        record(officer, stakeholder, source_meeting=meeting)

    assert refused.value.message_dict == {
        "stakeholder": ["Kofi Boateng was recorded absent from that meeting: they promised nothing there."]
    }
    assert not Commitment.objects.exists()


def test_a_commitment_comes_from_one_interaction_or_one_meeting_not_both(officer):
    stakeholder = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=stakeholder)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])

    with pytest.raises(ValidationError):
        record(officer, stakeholder, source_interaction=interaction, source_meeting=meeting)
    assert not Commitment.objects.exists()


def test_a_commitment_needs_a_description(officer):
    with pytest.raises(ValidationError) as error:
        record(officer, StakeholderFactory(owner=officer), description="   ")
    assert "description" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_no_new_commitments_with_an_archived_stakeholder(officer):
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        record(officer, archived)
    assert "stakeholder" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_a_commitment_cannot_be_chased_by_someone_who_has_left(officer):
    leaver = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        record(officer, StakeholderFactory(owner=officer), owner=leaver)
    assert "owner" in error.value.message_dict


def test_someone_who_has_left_cannot_record_commitments(officer):
    leaver = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        record(leaver, StakeholderFactory(owner=officer))
    assert not Commitment.objects.exists()


@pytest.fixture
def commitment(officer, other_officer):
    """Chased by `officer`, with a stakeholder owned by `other_officer` of the other team."""
    return CommitmentFactory(owner=officer, stakeholder=StakeholderFactory(owner=other_officer))


@pytest.mark.parametrize("who", ["officer", "other_officer", "manager", "admin_user"])
def test_the_chaser_the_stakeholders_owner_the_chasers_manager_and_admins_may_edit(request, commitment, who):
    actor = request.getfixturevalue(who)
    services.commitment_update(commitment=commitment, actor=actor, description="Send the signed agreement")
    commitment.refresh_from_db()
    assert commitment.description == "Send the signed agreement"


@pytest.mark.parametrize("who", ["colleague", "other_manager"])
def test_other_staff_may_not_edit_a_commitment(request, commitment, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.commitment_update(commitment=commitment, actor=actor, description="Changed")
    with pytest.raises(PermissionDenied):
        services.commitment_fulfil(commitment=commitment, actor=actor)
    commitment.refresh_from_db()
    assert commitment.description != "Changed" and commitment.status == CommitmentStatus.OPEN


def test_an_edit_with_a_blank_description_writes_nothing(commitment, officer):
    before = commitment.description
    with pytest.raises(ValidationError):
        services.commitment_update(commitment=commitment, actor=officer, description="", due_on=None)
    commitment.refresh_from_db()
    assert commitment.description == before and commitment.due_on is not None


def test_an_organisation_left_blank_on_an_edit_is_where_the_stakeholder_works_now_as_when_recorded(officer):
    """The form says the organisation defaults to the stakeholder's; an edit that cleared it left none, and
    the commitment dropped out of its organisation's page, register filter and report."""
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    commitment = record(officer, position.stakeholder)
    moved_to = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))

    services.commitment_update(commitment=commitment, actor=officer, organisation=None)
    assert commitment.organisation == position.organisation
    services.commitment_update(
        commitment=commitment, actor=officer, stakeholder=moved_to.stakeholder, organisation=None
    )

    commitment.refresh_from_db()
    assert commitment.organisation == moved_to.organisation


def test_a_commitment_with_no_organisation_keeps_none_through_an_edit_unless_given_another_stakeholder(
    officer,
):
    """Left blank for the same stakeholder it stays blank, as it was recorded; made to another stakeholder
    it is where they work now, as recording it for them would have made it."""
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    commitment = CommitmentFactory(stakeholder=StakeholderFactory(owner=officer), owner=officer)
    AffiliationFactory(stakeholder=commitment.stakeholder)

    services.commitment_update(commitment=commitment, actor=officer, organisation=None, notes="Chased")
    assert commitment.organisation is None
    services.commitment_update(
        commitment=commitment, actor=officer, stakeholder=position.stakeholder, organisation=None
    )

    commitment.refresh_from_db()
    assert commitment.organisation == position.organisation


def test_where_a_commitment_was_made_cannot_be_changed_by_an_edit(commitment, officer):
    with pytest.raises(TypeError):
        services.commitment_update(commitment=commitment, actor=officer, source_interaction=None)


def test_fulfilling_a_commitment_records_when_and_reopening_clears_it(commitment, officer):
    services.commitment_fulfil(commitment=commitment, actor=officer)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.FULFILLED and commitment.fulfilled_at is not None

    services.commitment_reopen(commitment=commitment, actor=officer)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN and commitment.fulfilled_at is None


def test_fulfilling_twice_changes_nothing(commitment, officer):
    first = services.commitment_fulfil(commitment=commitment, actor=officer).fulfilled_at
    assert services.commitment_fulfil(commitment=commitment, actor=officer).fulfilled_at == first


def test_a_closed_commitment_must_be_reopened_before_it_is_closed_another_way(commitment, officer):
    services.commitment_cancel(commitment=commitment, actor=officer)
    with pytest.raises(ValidationError):
        services.commitment_mark_broken(commitment=commitment, actor=officer)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.CANCELLED


def test_a_broken_promise_is_kept_on_record_and_is_no_longer_overdue(commitment, officer):
    Commitment.objects.filter(pk=commitment.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    commitment.refresh_from_db()
    services.commitment_mark_broken(commitment=commitment, actor=officer)
    assert Commitment.objects.get(pk=commitment.pk).status == CommitmentStatus.BROKEN
    assert not Commitment.objects.overdue().exists()


def test_a_broken_promise_is_dated_and_reopening_it_clears_the_date(commitment, officer):
    before = timezone.now()
    services.commitment_mark_broken(commitment=commitment, actor=officer)
    assert Commitment.objects.get(pk=commitment.pk).broken_at >= before
    services.commitment_reopen(commitment=commitment, actor=officer)
    reopened = Commitment.objects.get(pk=commitment.pk)
    assert (reopened.status, reopened.broken_at) == (CommitmentStatus.OPEN, None)


def test_a_cancelled_commitment_is_dated_and_reopening_it_clears_the_date(commitment, officer):
    before = timezone.now()
    services.commitment_cancel(commitment=commitment, actor=officer)
    cancelled = Commitment.objects.get(pk=commitment.pk)
    assert cancelled.cancelled_at >= before
    assert (cancelled.fulfilled_at, cancelled.broken_at) == (None, None)
    services.commitment_reopen(commitment=commitment, actor=officer)
    reopened = Commitment.objects.get(pk=commitment.pk)
    assert (reopened.status, reopened.cancelled_at) == (CommitmentStatus.OPEN, None)


@pytest.mark.parametrize("status", [CommitmentStatus.BROKEN, CommitmentStatus.CANCELLED])
def test_a_broken_or_cancelled_commitment_must_say_when(commitment, status):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status=status)


def test_an_open_commitment_has_no_cancellation_date(commitment):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(cancelled_at=timezone.now())


@pytest.mark.parametrize("close", ["commitment_fulfil", "commitment_cancel", "commitment_mark_broken"])
def test_a_closed_commitment_is_reopened_before_it_is_edited(commitment, officer, close):
    """A kept, cancelled or broken promise could still be rewritten (what was promised, by when, to whom),
    changing the record that was closed. Reopening is the way back."""
    getattr(services, close)(commitment=commitment, actor=officer)
    with pytest.raises(ValidationError, match="reopen it to change it"):
        services.commitment_update(commitment=commitment, actor=officer, description="Changed")
    assert Commitment.objects.get(pk=commitment.pk).description != "Changed"

    services.commitment_reopen(commitment=commitment, actor=officer)
    services.commitment_update(commitment=commitment, actor=officer, description="Changed")
    assert Commitment.objects.get(pk=commitment.pk).description == "Changed"


def test_a_commitment_to_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer):
    stakeholder = StakeholderFactory(owner=officer)
    merge_away(stakeholder)
    with pytest.raises(ValidationError) as refused:
        record(officer, stakeholder)
    assert refused_as_merged(refused, "stakeholder")
    assert not Commitment.objects.exists()


def test_moving_a_commitment_to_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer):
    commitment = record(officer, StakeholderFactory(owner=officer))
    other = StakeholderFactory(owner=officer)
    merge_away(other)
    with pytest.raises(ValidationError) as refused:
        services.commitment_update(commitment=commitment, actor=officer, stakeholder=other)
    assert refused_as_merged(refused, "stakeholder")
