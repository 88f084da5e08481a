"""Records made before their history was kept get a baseline, so that their first change shows what changed.

The records here are made with history on, then their events are deleted: what a database upgraded to history
holds for everything written before. The migration's function then runs as the migration would.
"""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from commitments.models import CommitmentEvent
from concerns.models import ConcernEvent
from contacts import services as contacts
from contacts.models import AffiliationEvent, OrganisationEvent, StakeholderEvent
from history.tracking import BASELINE
from interactions.models import InteractionEvent
from meetings.models import ActionItemEvent, DecisionEvent, MeetingEvent

from ..conftest import login
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

migration = importlib.import_module("history.migrations.0001_baselines")
decisions_migration = importlib.import_module("meetings.migrations.0009_decision_baselines")
EVENT_MODELS = [
    StakeholderEvent,
    OrganisationEvent,
    AffiliationEvent,
    InteractionEvent,
    MeetingEvent,
    ActionItemEvent,
    DecisionEvent,
    CommitmentEvent,
    ConcernEvent,
]


def forget_history():
    for model in EVENT_MODELS:
        model.objects.all().delete()


def write_baselines():
    with connection.schema_editor() as editor:
        migration.baselines_write(apps, editor)


def history_entries(client, kind, record):
    response = client.get(reverse(f"history:{kind}", args=[record.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response, response.context["history"].entries


@pytest.fixture
def before_history(officer):
    """One record of each tracked kind, as a database that had no history would hold them."""
    interaction = InteractionFactory(logged_by=officer, stakeholders=[StakeholderFactory(owner=officer)])
    meeting = MeetingFactory(organiser=officer)
    records = {
        "stakeholder": StakeholderFactory(owner=officer, name="Margaret Okafor", preferred_hours="mornings"),
        "position": AffiliationFactory(stakeholder__owner=officer),
        "interaction": interaction,
        "meeting": meeting,
        "commitment": CommitmentFactory(),
        "concern": ConcernFactory(),
    }
    records["action"] = meeting.action_items.create(
        description="Send the map", owner_user=officer, created_by=officer
    )
    records["decision"] = meeting.decisions.create(text="Meet again in May")
    forget_history()
    return records


def test_each_record_without_history_gets_one_baseline_of_how_it_is(before_history):
    write_baselines()

    for model in EVENT_MODELS:
        records = model.pgh_tracked_model.objects.all()
        baselines = model.objects.filter(pgh_label=BASELINE)
        assert sorted(baselines.values_list("pgh_obj_id", flat=True)) == sorted(
            records.values_list("pk", flat=True)
        )
        assert not baselines.filter(pgh_context__isnull=False).exists()  # nobody made it
        # The snapshot is the record, field for field, as the triggers would have copied it.
        copied = [f.attname for f in model._meta.concrete_fields if not f.name.startswith("pgh_")]
        for baseline in baselines:
            record = records.get(pk=baseline.pgh_obj_id)
            assert {name: getattr(baseline, name) for name in copied} == {
                name: getattr(record, name) for name in copied
            }
    stakeholder = before_history["stakeholder"]
    baseline = StakeholderEvent.objects.get(pgh_obj=stakeholder)
    assert (baseline.name, baseline.preferred_hours, baseline.owner_id) == (
        "Margaret Okafor",
        "mornings",
        stakeholder.owner_id,
    )


def test_records_with_history_get_no_baseline_and_a_second_run_writes_none(officer, before_history):
    kept = contacts.stakeholder_create(actor=officer, name="Ines Duarte")
    write_baselines()
    write_baselines()

    assert list(StakeholderEvent.objects.filter(pgh_obj=kept).values_list("pgh_label", flat=True)) == [
        "insert"
    ]
    assert StakeholderEvent.objects.filter(pgh_obj=before_history["stakeholder"]).count() == 1


def test_the_first_change_after_the_baseline_shows_what_changed(client, officer, manager, before_history):
    stakeholder = before_history["stakeholder"]
    write_baselines()
    contacts.stakeholder_update(stakeholder=stakeholder, actor=manager, preferred_hours="evenings")

    response, entries = history_entries(login(client, officer), "stakeholder", stakeholder)

    assert [(entry.label, entry.actor) for entry in entries] == [("update", manager), (BASELINE, None)]
    change = entries[0].changes
    assert [(c.label, c.old, c.new) for c in change] == [("preferred hours", "mornings", "evenings")]
    html = response.content.decode()
    assert "Record as it was when history began" in html
    assert "What changed was not recorded" not in html and "the system" not in html


def test_without_a_baseline_the_first_change_could_not_say_what_changed(client, officer, before_history):
    """What the baseline is for: the same change, on a record the migration has not reached."""
    stakeholder = before_history["stakeholder"]
    contacts.stakeholder_update(stakeholder=stakeholder, actor=officer, preferred_hours="evenings")
    response, entries = history_entries(login(client, officer), "stakeholder", stakeholder)
    assert entries[0].details_missing
    assert "What changed was not recorded" in response.content.decode()


def test_a_position_baseline_shows_on_its_stakeholders_page(client, officer, before_history):
    position = before_history["position"]
    write_baselines()
    contacts.affiliation_save(affiliation=position, actor=officer, role="Chair")
    response, entries = history_entries(login(client, officer), "position", position.stakeholder)
    assert [entry.label for entry in entries] == ["update", BASELINE]
    assert [(c.label, c.new) for c in entries[0].changes] == [("role or title", "Chair")]
    assert f"Position “{entries[1].title}” as it was when history began" in response.content.decode()


def test_baselines_are_not_recent_changes(client, manager, before_history):
    write_baselines()
    entries = login(client, manager).get(reverse("history:recent")).context["history"].entries
    assert BASELINE not in {entry.label for entry in entries}


def test_the_baselines_can_be_taken_back(before_history):
    write_baselines()
    with connection.schema_editor() as editor:
        migration.baselines_remove(apps, editor)
    assert not any(model.objects.filter(pgh_label=BASELINE).exists() for model in EVENT_MODELS)


def test_decisions_recorded_before_their_history_was_kept_get_one_baseline(client, officer, before_history):
    """Decisions were tracked later than the registers (meetings migration 0009)."""
    decision = before_history["decision"]
    with connection.schema_editor() as editor:
        decisions_migration.decision_baselines_write(apps, editor)
        decisions_migration.decision_baselines_write(apps, editor)

    (baseline,) = DecisionEvent.objects.all()
    assert (baseline.pgh_obj_id, baseline.pgh_label, baseline.text) == (decision.pk, BASELINE, decision.text)
    _response, entries = history_entries(login(client, officer), "decision", decision.meeting)
    assert [(entry.label, entry.title) for entry in entries] == [(BASELINE, "Meet again in May")]
