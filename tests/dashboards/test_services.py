"""The summary tables: each refresh computes, in the database, what the registers say."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from contacts.models import OrganisationKind, Stakeholder
from dashboards import services
from dashboards.models import (
    ActivityWeek,
    HealthBand,
    HealthSnapshot,
    HealthSummary,
    OrganisationWeek,
    SummaryName,
    SummaryRefresh,
)
from interactions.models import Interaction
from interactions.services import interaction_delete, interaction_update, stakeholders_refresh_last_contact

from ..factories import AffiliationFactory, InteractionFactory, OrganisationFactory, StakeholderFactory
from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 6, 8)  # this week
LAST_MONDAY = dt.date(2026, 6, 1)


def contacted(owner, *, days, cadence=30, **fields):
    stakeholder = StakeholderFactory(owner=owner, contact_cadence_days=cadence, **fields)
    Stakeholder.objects.filter(pk=stakeholder.pk).update(created_at=days_ago(400))
    InteractionFactory(logged_by=owner, stakeholders=[stakeholder], occurred_at=days_ago(days))
    stakeholders_refresh_last_contact(stakeholder_ids=[stakeholder.pk])
    return stakeholder


# Health ----------------------------------------------------------------------------------------------------


def test_a_snapshot_scores_every_active_stakeholder_once(officer, colleague):
    on_time = contacted(officer, days=5)
    lapsing = contacted(officer, days=50)  # 20 days overdue on 30: 40 * 20 // 30 = 26 off
    lapsed = contacted(colleague, days=90, cadence=7)  # 83 days overdue: the most, 40 off
    archived = contacted(officer, days=1, is_archived=True, archived_at=days_ago(1))

    assert services.health_snapshot_take() == 3

    scores = dict(HealthSnapshot.objects.filter(day=TODAY).values_list("stakeholder", "score"))
    assert scores == {on_time.pk: 100, lapsing.pk: 74, lapsed.pk: 60}
    assert archived.pk not in scores
    snapshot = HealthSnapshot.objects.get(stakeholder=lapsed)
    assert (snapshot.owner_id, snapshot.team_id) == (colleague.pk, colleague.team_id)
    assert snapshot.days_overdue == 83


def test_taking_todays_snapshot_again_replaces_it(officer):
    stakeholder = contacted(officer, days=5)
    services.health_snapshot_take()
    Stakeholder.objects.filter(pk=stakeholder.pk).update(contact_cadence_days=1)

    services.health_snapshot_take()

    assert HealthSnapshot.objects.filter(stakeholder=stakeholder).count() == 1
    assert HealthSnapshot.objects.get(stakeholder=stakeholder).days_overdue == 4


def test_a_second_snapshot_the_same_day_writes_only_what_changed(officer):
    steady = contacted(officer, days=5)
    leaving = contacted(officer, days=5)
    services.health_snapshot_take()
    Stakeholder.objects.filter(pk=leaving.pk).update(is_archived=True, archived_at=days_ago(0))

    assert services.health_snapshot_take() == 0

    assert list(HealthSnapshot.objects.values_list("stakeholder", flat=True)) == [steady.pk]


def test_the_day_is_rolled_up_per_officer_kind_of_organisation_and_band(officer, colleague):
    agency = OrganisationFactory(kind=OrganisationKind.GOVERNMENT_AGENCY)
    for days in (1, 2):
        AffiliationFactory(stakeholder=contacted(officer, days=days), organisation=agency)
    contacted(officer, days=3)
    contacted(officer, days=60)  # 30 days overdue: 60, amber
    contacted(colleague, days=4)

    services.health_snapshot_take()

    rows = {
        (row.owner_id, row.organisation_kind, row.band): (row.stakeholders, row.score_sum, row.stale)
        for row in HealthSummary.objects.filter(day=TODAY)
    }
    assert rows == {
        (officer.pk, OrganisationKind.GOVERNMENT_AGENCY, HealthBand.GREEN): (2, 200, 0),
        (officer.pk, "", HealthBand.GREEN): (1, 100, 0),
        (officer.pk, "", HealthBand.AMBER): (1, 60, 1),
        (colleague.pk, "", HealthBand.GREEN): (1, 100, 0),
    }
    assert SummaryRefresh.objects.get(name=SummaryName.HEALTH).day == TODAY


def test_a_backfilled_history_has_one_snapshot_a_day(officer):
    stakeholder = contacted(officer, days=20)
    services.health_history_backfill(days=3)
    days = list(HealthSnapshot.objects.filter(stakeholder=stakeholder).values_list("day", flat=True))
    assert sorted(days) == [TODAY - dt.timedelta(days=n) for n in (3, 2, 1)]


def test_old_daily_snapshots_are_thinned_to_mondays(officer, settings):
    settings.HEALTH_DAILY_HISTORY_DAYS = 7
    stakeholder = contacted(officer, days=1)
    for day in (TODAY - dt.timedelta(days=n) for n in range(0, 21)):
        HealthSnapshot.objects.create(
            day=day, stakeholder=stakeholder, owner=officer, influence=3, interest=3, score=90, band="green"
        )

    services.health_history_purge()

    kept = sorted(HealthSnapshot.objects.values_list("day", flat=True))
    older = [day for day in kept if day < TODAY - dt.timedelta(days=7)]
    assert all(day.isoweekday() == 1 for day in older)
    assert len(older) == 2
    assert len(kept) == 2 + 8


# Activity --------------------------------------------------------------------------------------------------


@pytest.fixture
def week_of_calls(officer, colleague):
    partner = OrganisationFactory(kind=OrganisationKind.PARTNER)
    for sentiment in (1, 2, -1):
        InteractionFactory(
            logged_by=officer, occurred_at=days_ago(1), organisation=partner, sentiment=sentiment
        )
    InteractionFactory(logged_by=officer, occurred_at=days_ago(1), kind="email", is_confidential=True)
    InteractionFactory(logged_by=colleague, occurred_at=days_ago(8), organisation=partner, sentiment=-2)
    return partner


def test_the_weekly_rollup_counts_by_officer_channel_kind_and_confidentiality(
    officer, colleague, week_of_calls
):
    services.activity_refresh(full=True)

    rows = {
        (row.week, row.officer_id, row.kind, row.organisation_kind, row.is_confidential): (
            row.interactions,
            row.sentiment_sum,
        )
        for row in ActivityWeek.objects.all()
    }
    assert rows == {
        (MONDAY, officer.pk, "call", OrganisationKind.PARTNER, False): (3, 2),
        (MONDAY, officer.pk, "email", "", True): (1, 0),
        (LAST_MONDAY, colleague.pk, "call", OrganisationKind.PARTNER, False): (1, -2),
    }
    assert set(ActivityWeek.objects.values_list("team", flat=True)) == {officer.team_id}
    organisations = {
        (row.week, row.officer_id): (row.interactions, row.sentiment_sum)
        for row in OrganisationWeek.objects.all()
    }
    assert organisations == {(MONDAY, officer.pk): (3, 2), (LAST_MONDAY, colleague.pk): (1, -2)}


def test_an_incremental_refresh_picks_up_what_changed_in_any_week(
    officer, week_of_calls, time_machine, frozen
):
    services.activity_refresh(full=True)
    time_machine.move_to(frozen + dt.timedelta(minutes=15), tick=False)
    # Logged late, about a call two months ago; and one of this week's calls deleted.
    InteractionFactory(logged_by=officer, occurred_at=days_ago(60), kind="visit")
    Interaction.objects.filter(kind="email").delete()

    weeks = services.activity_refresh()

    assert weeks == [dt.date(2026, 4, 6), LAST_MONDAY, MONDAY]
    assert ActivityWeek.objects.filter(week=dt.date(2026, 4, 6), kind="visit").get().interactions == 1
    assert not ActivityWeek.objects.filter(kind="email").exists()


def test_an_incremental_refresh_takes_a_moved_or_deleted_interaction_out_of_its_old_week(
    officer, time_machine, frozen
):
    partner = OrganisationFactory()
    moved = InteractionFactory(logged_by=officer, occurred_at=days_ago(60), organisation=partner)
    deleted = InteractionFactory(logged_by=officer, occurred_at=days_ago(30), organisation=partner)
    services.activity_refresh(full=True)
    time_machine.move_to(frozen + dt.timedelta(minutes=15), tick=False)
    # The date was wrong: it happened this morning. And one logged by mistake is removed.
    interaction_update(interaction=moved, actor=officer, occurred_at=days_ago(0.1))
    interaction_delete(interaction=deleted, actor=officer)

    weeks = services.activity_refresh()

    assert {dt.date(2026, 4, 6), dt.date(2026, 5, 11)} <= set(weeks)
    assert list(ActivityWeek.objects.values_list("week", "interactions")) == [(MONDAY, 1)]
    assert list(OrganisationWeek.objects.values_list("week", "interactions")) == [(MONDAY, 1)]


def test_the_refresh_button_is_for_managers_and_queues_one_refresh(
    officer, manager, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        services.figures_refresh_request(actor=officer)
    services.figures_refresh(full=True)

    with django_capture_on_commit_callbacks() as queued:
        assert services.figures_refresh_request(actor=manager) is True
        assert services.figures_refresh_request(actor=manager) is False

    assert len(queued) == 1
    assert SummaryRefresh.objects.filter(requested_at__isnull=False).count() == 2
    services.figures_refresh()
    assert not SummaryRefresh.objects.filter(requested_at__isnull=False).exists()
