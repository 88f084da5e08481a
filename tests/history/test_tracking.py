"""What the history keeps: every create, update and delete, whoever or whatever made it, and by whom."""

import datetime as dt

import pghistory
import pytest
from django.utils import timezone

from commitments.models import CommitmentEvent
from commitments.services import commitment_fulfil
from concerns.models import Concern, ConcernEvent
from concerns.tasks import escalate_overdue_concerns
from contacts import services as contacts
from contacts.models import Organisation, OrganisationEvent, Stakeholder, StakeholderEvent
from history.queries import STREAMS, record_history
from interactions import services as interactions
from interactions.models import InteractionEvent
from meetings.models import ActionItemEvent, MeetingEvent
from meetings.services import ActionEntry, action_item_add, action_item_set_status

from ..api.conftest import client_with_token, token_for
from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


def events(model_event, obj):
    found = model_event.objects.filter(pgh_obj_id=obj.pk).select_related("pgh_context")
    return list(found.order_by("pgh_id"))


def actor_of(event):
    return event.pgh_context.metadata.get("user") if event.pgh_context_id else None


def test_creating_and_changing_a_stakeholder_through_the_services_records_who_and_what(officer, manager):
    stakeholder = contacts.stakeholder_create(
        actor=officer, name="Margaret Okafor", preferred_channel="email"
    )
    contacts.stakeholder_update(
        stakeholder=stakeholder, actor=manager, preferred_channel="phone", owner=manager
    )

    insert, update = events(StakeholderEvent, stakeholder)
    assert (insert.pgh_label, actor_of(insert)) == ("insert", officer.pk)
    assert (update.pgh_label, actor_of(update)) == ("update", manager.pk)

    page = record_history(STREAMS["stakeholder"], stakeholder.pk, user=officer, before=None, size=10)
    newest = page.entries[0]
    assert newest.actor == manager
    # Choice labels and the owner's name, not the stored codes and ids.
    assert {(c.label, c.old, c.new) for c in newest.changes} == {
        ("preferred channel", "Email", "Phone"),
        ("owner", str(officer), str(manager)),
    }
    assert page.entries[1].label == "insert"
    assert ("name", None, "Margaret Okafor") in {(c.label, c.old, c.new) for c in page.entries[1].changes}


def test_deleting_an_interaction_through_the_service_keeps_a_delete_event(officer):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = interactions.interaction_log(
        author=officer, stakeholders=[stakeholder], summary="Call about the depot", kind="call"
    )
    interaction_id = interaction.pk
    interactions.interaction_delete(interaction=interaction, actor=officer)

    kept = list(InteractionEvent.objects.filter(pgh_obj_id=interaction_id).order_by("pgh_id"))
    assert [event.pgh_label for event in kept] == ["insert", "delete"]
    assert kept[1].summary == "Call about the depot"
    assert actor_of(InteractionEvent.objects.select_related("pgh_context").get(pk=kept[1].pk)) == officer.pk


def test_a_bulk_queryset_update_is_caught_by_the_triggers(officer):
    people = StakeholderFactory.create_batch(3, owner=officer)
    Stakeholder.objects.filter(owner=officer).update(engagement_level="partner")

    for person in people:
        assert [event.pgh_label for event in events(StakeholderEvent, person)] == ["insert", "update"]
    # Nobody was named for it: the history says so rather than guessing.
    page = record_history(STREAMS["stakeholder"], people[0].pk, user=officer, before=None, size=10)
    assert page.entries[0].actor is None


def test_a_bulk_update_inside_a_context_is_attributed(officer):
    organisation = OrganisationFactory(sector="Ports")
    with pghistory.context(user=officer.pk):
        Organisation.objects.filter(pk=organisation.pk).update(sector="Harbours")
    assert actor_of(events(OrganisationEvent, organisation)[-1]) == officer.pk


def test_denormalised_fields_make_no_events(officer):
    """Logging an interaction moves the stakeholder's last contact; that is not a change to the person."""
    stakeholder = StakeholderFactory(owner=officer)
    interactions.interaction_log(author=officer, stakeholders=[stakeholder], summary="Call", kind="call")
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at is not None
    assert [event.pgh_label for event in events(StakeholderEvent, stakeholder)] == ["insert"]


def test_meetings_and_their_action_items_are_tracked(officer):
    meeting = MeetingFactory(organiser=officer)
    action = action_item_add(
        meeting=meeting, actor=officer, entry=ActionEntry(description="Send the minutes", owner_user=officer)
    )
    action_item_set_status(action_item=action, actor=officer, status="done")
    assert [e.pgh_label for e in events(ActionItemEvent, action)] == ["insert", "update"]
    assert [e.pgh_label for e in events(MeetingEvent, meeting)] == ["insert"]


def test_commitments_record_their_status_changes_with_the_actor(officer):
    commitment = CommitmentFactory(stakeholder=StakeholderFactory(owner=officer))
    commitment_fulfil(commitment=commitment, actor=officer)
    last = events(CommitmentEvent, commitment)[-1]
    assert (last.status, actor_of(last)) == ("fulfilled", officer.pk)


def test_a_celery_task_names_itself_in_the_history(officer, settings):
    concern = ConcernFactory(
        stakeholder=StakeholderFactory(owner=officer),
        raised_on=timezone.localdate() - dt.timedelta(days=settings.CONCERN_ESCALATION_DAYS + 5),
    )
    escalate_overdue_concerns.apply()
    last = events(ConcernEvent, concern)[-1]
    assert last.pgh_label == "update"
    assert last.pgh_context.metadata["task"] == "concerns.tasks.escalate_overdue_concerns"
    assert Concern.objects.get(pk=concern.pk).escalated_at is not None


@pytest.fixture
def officer_api(officer):
    return client_with_token(token_for(officer))


def test_changes_through_the_api_name_the_token_holder_and_the_address(officer_api, officer):
    """DRF signs the token holder in inside the view; the history still knows who, and by which door."""
    stakeholder = StakeholderFactory(owner=officer, preferred_hours="")
    url = f"/api/v1/stakeholders/{stakeholder.pk}/"
    response = officer_api.patch(url, {"preferred_hours": "mornings"}, format="json")
    assert response.status_code == 200, response.content
    last = events(StakeholderEvent, stakeholder)[-1]
    assert last.preferred_hours == "mornings"
    assert last.pgh_context.metadata == {"user": officer.pk, "url": url}


def test_logging_and_deleting_through_the_api_are_recorded_with_the_actor(officer_api, officer):
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_api.post(
        "/api/v1/interactions/",
        {"kind": "call", "summary": "Harbour plan", "stakeholders": [stakeholder.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    interaction_id = response.json()["id"]
    assert officer_api.delete(f"/api/v1/interactions/{interaction_id}/").status_code == 204
    kept = InteractionEvent.objects.filter(pgh_obj_id=interaction_id).select_related("pgh_context")
    kept = list(kept.order_by("pgh_id"))
    assert [(event.pgh_label, actor_of(event)) for event in kept] == [
        ("insert", officer.pk),
        ("delete", officer.pk),
    ]
    assert all(event.pgh_context.metadata["url"].startswith("/api/v1/interactions/") for event in kept)


def test_imported_records_are_the_uploaders_in_the_history(officer, tmp_path):
    from imports.services import import_run

    path = tmp_path / "people.csv"
    path.write_text("name,emails\nAna Costa,ana@example.org\nLi Wei,li@example.org\n")
    job = import_run(path=path, kind="stakeholders", actor=officer)

    imported = StakeholderEvent.objects.filter(name__in=["Ana Costa", "Li Wei"]).select_related("pgh_context")
    assert [(event.pgh_label, event.pgh_context.metadata) for event in imported] == [
        ("insert", {"import_job": job.pk, "user": officer.pk})
    ] * 2


def test_a_task_acting_for_several_people_credits_each_of_them(officer, colleague):
    people = [StakeholderFactory(owner=officer), StakeholderFactory(owner=colleague)]
    with pghistory.context(task="mailin.tasks.ingest"):
        for author, person in zip((officer, colleague), people, strict=True):
            interactions.interaction_log(author=author, stakeholders=[person], summary="Mail", kind="email")
    logged = InteractionEvent.objects.filter(summary="Mail").select_related("pgh_context").order_by("pgh_id")
    assert [event.pgh_context.metadata for event in logged] == [
        {"task": "mailin.tasks.ingest", "user": officer.pk},
        {"task": "mailin.tasks.ingest", "user": colleague.pk},
    ]


def test_the_person_signed_in_stays_the_one_who_made_the_change(officer, manager):
    """A manager logging mail an officer sent in: the officer is its author, the manager made the change."""
    with pghistory.context(user=manager.pk, url="/mail/1/"):
        interactions.interaction_log(
            author=officer, stakeholders=[StakeholderFactory(owner=officer)], summary="Mail", kind="email"
        )
    assert actor_of(InteractionEvent.objects.select_related("pgh_context").get(summary="Mail")) == manager.pk
