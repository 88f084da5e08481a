"""Merging two records of one person keeps everything both had."""

import datetime as dt
import re
import threading
from contextlib import nullcontext

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from contacts.models import Affiliation, MergeRecord, Stakeholder, Tag
from contacts.services import stakeholder_merge
from meetings import notifications
from meetings import services as meeting_services
from meetings.models import ActionItem, Attendee, Meeting
from outbox.models import OutboundMessage

from ..concurrency import finished_or_waiting_for_a_lock
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(officer):
    keep = StakeholderFactory(name="Margaret Okafor", emails=["m.okafor@nwa.example"], owner=officer)
    duplicate = StakeholderFactory(
        name="Margret Okafor",
        emails=["margaret@home.example", "m.okafor@nwa.example"],
        phones=["+44 20 7946 0000"],
        form_of_address="Dr Okafor",
        notes="Prefers mornings.",
        owner=officer,
    )
    return keep, duplicate


def test_merging_keeps_every_interaction_meeting_action_commitment_and_concern(officer, pair):
    keep, duplicate = pair
    shared = InteractionFactory(logged_by=officer, stakeholders=[keep, duplicate])
    own = InteractionFactory(logged_by=officer, stakeholders=[duplicate])
    both = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=both, stakeholder=keep)
    Attendee.objects.create(meeting=both, stakeholder=duplicate, rsvp="accepted", responded_at=timezone.now())
    only_theirs = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=only_theirs, stakeholder=duplicate)
    action = ActionItem.objects.create(
        meeting=only_theirs,
        description="Send the map",
        owner_stakeholder=duplicate,
        chaser=officer,
        created_by=officer,
    )
    commitment = CommitmentFactory(stakeholder=duplicate)
    concern = ConcernFactory(stakeholder=duplicate)
    duplicate.tags.add(Tag.objects.create(name="water"))
    duplicate_id = duplicate.pk

    record = stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert not Stakeholder.objects.filter(pk=duplicate_id).exists()
    assert set(keep.interactions.all()) == {shared, own}
    assert shared.stakeholders.count() == 1
    attendances = {a.meeting_id: a for a in Attendee.objects.filter(stakeholder=keep)}
    assert set(attendances) == {both.pk, only_theirs.pk}
    assert attendances[both.pk].rsvp == "accepted"  # the reply given on either record is kept
    action.refresh_from_db()
    commitment.refresh_from_db()
    concern.refresh_from_db()
    assert action.owner_stakeholder == keep and commitment.stakeholder == keep and concern.stakeholder == keep
    keep.refresh_from_db()
    assert keep.emails == ["m.okafor@nwa.example", "margaret@home.example"]
    assert keep.phones == ["+44 20 7946 0000"]
    assert keep.form_of_address == "Dr Okafor" and "Prefers mornings." in keep.notes
    assert [tag.name for tag in keep.tags.all()] == ["water"]
    assert record.merged_by == officer and record.duplicate_id == duplicate_id
    assert record.duplicate_snapshot["name"] == "Margret Okafor"
    assert record.moved["interactions"] == 1 and record.moved["concerns"] == 1
    assert MergeRecord.objects.get(kept=keep) == record


def test_a_person_recorded_present_on_either_record_stays_present_at_the_meeting(officer, pair):
    keep, duplicate = pair
    held = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=held, stakeholder=keep, attended=False)
    Attendee.objects.create(meeting=held, stakeholder=duplicate, attended=True)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert Attendee.objects.get(meeting=held).attended is True


def test_one_current_primary_position_survives_a_merge(officer, pair):
    keep, duplicate = pair
    water = OrganisationFactory(name="Northern Water Authority")
    AffiliationFactory(stakeholder=keep, organisation=water, role="Director")
    AffiliationFactory(stakeholder=duplicate, organisation=water, role="Director")  # the same position twice
    AffiliationFactory(stakeholder=duplicate, role="Trustee", is_primary=False)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    positions = Affiliation.objects.filter(stakeholder=keep)
    assert positions.count() == 2
    assert positions.filter(is_primary=True, end_date__isnull=True).get().organisation == water


def test_a_position_both_records_hold_from_different_starts_is_kept_once_from_the_earlier(officer, pair):
    keep, duplicate = pair
    riverside = OrganisationFactory(name="Riverside Tenants' Association")
    trustee = {"organisation": riverside, "role": "Trustee"}
    AffiliationFactory(stakeholder=keep, **trustee, start_date=dt.date(2019, 8, 5))
    AffiliationFactory(stakeholder=duplicate, **trustee, is_primary=False, start_date=dt.date(2018, 11, 6))

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    positions = [(p.role, p.start_date) for p in keep.affiliations.held_now()]
    assert positions == [("Trustee", dt.date(2018, 11, 6))]


def test_a_position_both_records_hold_is_primary_when_only_the_duplicates_copy_was(officer, pair):
    """Folding the two copies together kept the kept record's, unmarked: the person had no primary position
    and no organisation of their own."""
    keep, duplicate = pair
    water = OrganisationFactory(name="Northern Water Authority")
    AffiliationFactory(stakeholder=keep, organisation=water, role="Director", is_primary=False)
    AffiliationFactory(stakeholder=duplicate, organisation=water, role="Director", is_primary=True)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert [(p.role, p.is_primary) for p in keep.affiliations.all()] == [("Director", True)]
    assert Stakeholder.objects.get(pk=keep.pk).current_primary_organisation() == water


def test_the_kept_records_own_primary_position_keeps_the_mark_over_a_folded_copys(officer, pair):
    keep, duplicate = pair
    water = OrganisationFactory(name="Northern Water Authority")
    AffiliationFactory(stakeholder=keep, role="Chair", is_primary=True)
    AffiliationFactory(stakeholder=keep, organisation=water, role="Director", is_primary=False)
    AffiliationFactory(stakeholder=duplicate, organisation=water, role="Director", is_primary=True)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert [p.role for p in keep.affiliations.filter(is_primary=True)] == ["Chair"]
    assert keep.affiliations.count() == 2


def test_a_primary_position_ending_later_counts_as_current_in_a_merge(officer, pair):
    keep, duplicate = pair
    leaving_on = timezone.localdate() + dt.timedelta(days=30)
    AffiliationFactory(stakeholder=keep, role="Director", is_primary=True, end_date=leaving_on)
    AffiliationFactory(stakeholder=duplicate, role="Trustee", is_primary=True)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert [p.role for p in keep.affiliations.held_now().filter(is_primary=True)] == ["Director"]


def test_both_records_cultural_and_communication_notes_are_kept(officer, pair):
    keep, duplicate = pair
    Stakeholder.objects.filter(pk=keep.pk).update(
        cultural_notes="Does not shake hands.", communication_notes="Uses a screen reader."
    )
    Stakeholder.objects.filter(pk=duplicate.pk).update(
        cultural_notes="Observes Ramadan.", communication_notes="Speaks Polish at meetings."
    )
    keep.refresh_from_db()
    duplicate.refresh_from_db()

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    keep.refresh_from_db()
    assert keep.cultural_notes == "Does not shake hands.\n\nObserves Ramadan."
    assert keep.communication_notes == "Uses a screen reader.\n\nSpeaks Polish at meetings."


def test_the_last_contact_is_the_newer_of_the_two(officer, pair):
    keep, duplicate = pair
    newer = timezone.now() - dt.timedelta(days=1)
    Stakeholder.objects.filter(pk=duplicate.pk).update(last_contacted_at=newer)
    duplicate.refresh_from_db()
    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    keep.refresh_from_db()
    assert keep.last_contacted_at == newer


def test_an_officer_cannot_merge_a_colleagues_record(officer, other_officer, pair):
    keep, _duplicate = pair
    theirs = StakeholderFactory(owner=other_officer)
    with pytest.raises(PermissionDenied):
        stakeholder_merge(keep=keep, duplicate=theirs, actor=officer)
    assert Stakeholder.objects.filter(pk=theirs.pk).exists()


def test_a_manager_merges_their_teams_records(manager, officer, colleague):
    keep, duplicate = StakeholderFactory(owner=officer), StakeholderFactory(owner=colleague)
    stakeholder_merge(keep=keep, duplicate=duplicate, actor=manager)
    assert not Stakeholder.objects.filter(pk=duplicate.pk).exists()


def test_the_merge_page_shows_both_and_merges(officer_client, officer, pair):
    keep, duplicate = pair
    url = f"/stakeholders/merge/?keep={keep.pk}&duplicate={duplicate.pk}"
    page = officer_client.get(url)
    assert page.status_code == 200 and b"Margret Okafor" in page.content
    response = officer_client.post("/stakeholders/merge/", {"keep": keep.pk, "duplicate": duplicate.pk})
    assert response.status_code == 302 and response["Location"] == keep.get_absolute_url()
    assert not Stakeholder.objects.filter(pk=duplicate.pk).exists()


def test_a_link_to_a_record_merged_away_leads_to_the_record_kept_even_after_a_later_merge(
    officer_client, officer, pair
):
    keep, duplicate = pair
    first_id = duplicate.pk
    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    final = StakeholderFactory(name="Margaret Okafor OBE", owner=officer)
    stakeholder_merge(keep=final, duplicate=keep, actor=officer)

    for merged_away in (first_id, keep.pk):
        response = officer_client.get(f"/stakeholders/{merged_away}/", follow=True)
        assert response.redirect_chain == [(final.get_absolute_url(), 302)]
        assert "That record was merged into Margaret Okafor OBE&#x27;s." in response.content.decode()
    assert officer_client.get("/stakeholders/999999/").status_code == 404


def test_two_records_with_health_snapshots_of_the_same_day_merge(officer, pair):
    """The daily snapshot gives every person one a day: the duplicate's are dropped, not moved onto the
    record kept, whose own health history carries on (the next refresh scores the merged record)."""
    from dashboards.models import HealthSnapshot
    from dashboards.services import health_snapshot_take

    keep, duplicate = pair
    health_snapshot_take()
    assert HealthSnapshot.objects.filter(stakeholder__in=pair).count() == 2

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert list(HealthSnapshot.objects.values_list("stakeholder", flat=True)) == [keep.pk]


def test_the_record_kept_keeps_its_own_history_and_the_duplicates_stays_with_it(
    officer_client, officer, pair
):
    """The history tables point at the records they describe; a merge moved the duplicate's snapshots onto the
    record kept, whose history then read the two people's snapshots as one stream: a second "created", and
    the duplicate's name, owner and time zone shown as changes nobody made."""
    from contacts.models import StakeholderEvent

    keep, duplicate = pair
    duplicate_id = duplicate.pk
    duplicate.name = "Margret Okafor-Eze"
    duplicate.save()

    def events_of(pk):
        return set(StakeholderEvent.objects.filter(pgh_obj_id=pk).values_list("pgh_id", flat=True))

    theirs = events_of(duplicate_id)

    record = stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert events_of(duplicate_id) > theirs  # theirs, and the deletion
    kept_events = StakeholderEvent.objects.filter(pgh_obj_id=keep.pk)
    assert list(kept_events.filter(pgh_label="insert").values_list("name", flat=True)) == ["Margaret Okafor"]
    assert not kept_events.filter(name__startswith="Margret").exists()
    assert "stakeholder events" not in record.moved
    page = officer_client.get(f"/stakeholders/{keep.pk}/history/").content.decode()
    # The duplicate's name is only the merge's, never a change of the record kept's name.
    assert page.count("Margret Okafor-Eze") == page.count("merge of Margret Okafor-Eze") > 0
    assert page.count("created") == 1


def test_the_record_kept_says_in_its_history_which_merge_changed_it(officer_client, officer, pair):
    """The emails, phones and notes a merge brings show as changes to the record kept: without saying they
    came from a merge, they read as someone's own edits of the record."""
    keep, duplicate = pair
    before = keep.pk
    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    response = officer_client.get(f"/stakeholders/{before}/history/", headers={"HX-Request": "true"})
    changed = [entry for entry in response.context["history"].entries if entry.label == "update"]
    assert [(entry.actor, entry.via) for entry in changed] == [(officer, "merge of Margret Okafor")]
    assert "merge of Margret Okafor" in response.content.decode()


def test_a_merge_sent_again_leads_to_the_record_kept_not_to_a_missing_page(officer_client, officer, pair):
    """A second click on "Merge", the back button to the comparison page or a colleague who merged first:
    the duplicate is gone, and the officer was shown "Page not found" with no word of the merge."""
    keep, duplicate = pair
    pair_data = {"keep": keep.pk, "duplicate": duplicate.pk}
    officer_client.post("/stakeholders/merge/", pair_data)

    again = officer_client.post("/stakeholders/merge/", pair_data, follow=True)
    back = officer_client.get("/stakeholders/merge/", pair_data, follow=True)

    for response in (again, back):
        assert response.redirect_chain == [(keep.get_absolute_url(), 302)]
        assert "That record was merged into Margaret Okafor&#x27;s." in response.content.decode()
    assert MergeRecord.objects.count() == 1
    reversed_pair = officer_client.get("/stakeholders/merge/", {"keep": duplicate.pk, "duplicate": keep.pk})
    assert reversed_pair.status_code == 302 and reversed_pair["Location"] == keep.get_absolute_url()
    never_there = officer_client.get("/stakeholders/merge/", {"keep": keep.pk, "duplicate": 999999})
    assert never_there.status_code == 404


def test_what_moves_to_the_record_kept_is_marked_changed_for_a_sync_by_updated_since(officer, pair):
    """A sync by `updated_since` never heard that the interactions, meetings, actions, commitments,
    concerns and objectives of a merged duplicate now name the record kept."""
    from meetings.models import Meeting

    from ..factories import ObjectiveFactory

    keep, duplicate = pair
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=duplicate)
    moving = [
        InteractionFactory(logged_by=officer, stakeholders=[keep, duplicate]),
        meeting,
        ActionItem.objects.create(
            meeting=meeting,
            description="Send the map",
            owner_stakeholder=duplicate,
            chaser=officer,
            created_by=officer,
        ),
        CommitmentFactory(stakeholder=duplicate),
        ConcernFactory(stakeholder=duplicate),
        ObjectiveFactory(stakeholder=duplicate),
    ]
    long_ago = timezone.now() - dt.timedelta(days=30)
    for record in moving:
        type(record).objects.filter(pk=record.pk).update(updated_at=long_ago)
    untouched = MeetingFactory(organiser=officer)
    Meeting.objects.filter(pk=untouched.pk).update(updated_at=long_ago)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    for record in moving:
        record.refresh_from_db()
        assert record.updated_at > long_ago, record
    untouched.refresh_from_db()
    assert untouched.updated_at == long_ago


def test_a_merge_changes_the_meetings_before_the_interactions_and_actions(officer, pair):
    """In the order a meeting's own changes lock them (the meeting, then the interaction it was logged as
    or its actions): the other way round, a decision added while the merge ran would wait on the merge
    holding its interaction, and the merge on the decision holding the meeting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keep, duplicate = pair
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=duplicate)
    InteractionFactory(logged_by=officer, stakeholders=[duplicate])
    ActionItem.objects.create(
        meeting=meeting,
        description="Send the map",
        owner_stakeholder=duplicate,
        chaser=officer,
        created_by=officer,
    )

    with CaptureQueriesContext(connection) as queries:
        stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    # History tracking sends each write with its context, "SELECT set_config(…); UPDATE …", in one string.
    updated = [table for query in queries for table in re.findall(r'UPDATE "(\w+)"', query["sql"])]
    assert updated.index("meetings_meeting") < updated.index("interactions_interaction")
    assert updated.index("meetings_meeting") < updated.index("meetings_actionitem")


def test_an_invitation_still_waiting_for_the_duplicate_is_withdrawn_when_the_meeting_then_moves(
    officer, pair, django_capture_on_commit_callbacks
):
    """Its topic named the duplicate: the kept record's update would not have found it, and both would
    go, the old time after the new."""
    keep, duplicate = pair
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_services.meeting_schedule(
            organiser=officer,
            stakeholders=[duplicate],
            title="Harbour review",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
        )
    (invitation,) = OutboundMessage.objects.filter(kind="meeting_invitation")

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_update(
            meeting=meeting,
            actor=officer,
            starts_at=starts + dt.timedelta(hours=2),
            ends_at=starts + dt.timedelta(hours=3),
        )

    invitation.refresh_from_db()
    assert invitation.status == OutboundMessage.Status.CANCELLED
    assert invitation.topic.endswith(f":stakeholder:{keep.pk}")
    (standing,) = OutboundMessage.objects.filter(kind="meeting_invitation", status="pending")
    assert standing.to == "m.okafor@nwa.example"


def _meeting_with(officer, stakeholder, capture_on_commit_callbacks=None):
    """A meeting with `stakeholder`, their invitation sent; as read for writing the emails of an edit."""
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    # A transactional test commits as it goes: the emails are written as the meeting is saved.
    with capture_on_commit_callbacks(execute=True) if capture_on_commit_callbacks else nullcontext():
        meeting = meeting_services.meeting_schedule(
            organiser=officer,
            stakeholders=[stakeholder],
            title="Harbour review",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
        )
    OutboundMessage.objects.update(status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    # Then edited: what its emails are written from, read when it committed, still names the duplicate.
    Meeting.objects.filter(pk=meeting.pk).update(sequence=F("sequence") + 1)
    return meeting_services._refetch(meeting.pk)


def test_a_message_written_after_the_merge_for_a_guest_read_before_it_is_on_the_kept_records_topic(
    officer, pair, django_capture_on_commit_callbacks
):
    """An edit's emails are written once it commits, from the meeting read then; a merge in between has
    readdressed every message already there, and the update kept the merged record's topic: the next
    change to the meeting did not withdraw it."""
    keep, duplicate = pair
    read_before = _meeting_with(officer, duplicate, django_capture_on_commit_callbacks)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)
    (written,) = notifications.invitations_send(read_before, attendees=list(read_before.attendees.all()))

    assert written.topic.endswith(f":stakeholder:{keep.pk}")
    assert written.to == Stakeholder.objects.get(pk=keep.pk).emails[0]


@pytest.mark.django_db(transaction=True)
def test_a_merge_waits_for_a_meeting_email_being_written_to_the_duplicate_and_readdresses_it(officer, pair):
    """The merge's scan ran while the email was being written: it did not see it, and the email kept the
    merged record's topic."""
    keep, duplicate = pair
    read_before = _meeting_with(officer, duplicate)

    with transaction.atomic():
        (written,) = notifications.invitations_send(read_before, attendees=list(read_before.attendees.all()))
        merging = in_a_thread(lambda: stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer))
        finished_or_waiting_for_a_lock(merging)
        assert merging.is_alive(), "the merge went ahead of an email being written to the duplicate"
    merging.join()

    written.refresh_from_db()
    assert written.topic.endswith(f":stakeholder:{keep.pk}")


def in_a_thread(work) -> threading.Thread:
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("kept_reply", "their_reply", "merged_reply"),
    [
        ("needs_action", "accepted", "accepted"),
        ("declined", "accepted", "accepted"),
        ("declined", "tentative", "tentative"),
        ("declined", "needs_action", "declined"),
        ("accepted", "declined", "accepted"),
        ("needs_action", "declined", "declined"),
    ],
)
def test_a_person_invited_on_both_records_keeps_the_reply_that_says_they_come(
    officer, pair, kept_reply, their_reply, merged_reply
):
    keep, duplicate = pair
    meeting = MeetingFactory(organiser=officer)
    Attendee.objects.create(meeting=meeting, stakeholder=keep, rsvp=kept_reply)
    Attendee.objects.create(meeting=meeting, stakeholder=duplicate, rsvp=their_reply)

    stakeholder_merge(keep=keep, duplicate=duplicate, actor=officer)

    assert Attendee.objects.get(meeting=meeting).rsvp == merged_reply
