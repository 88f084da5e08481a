"""A concern left unresolved longer than CONCERN_ESCALATION_DAYS is escalated, once."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from concerns import services
from concerns.models import Concern, ConcernStatus
from concerns.tasks import escalate_overdue_concerns

from ..factories import ConcernFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 20)


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.CONCERN_ESCALATION_DAYS = 14
    return 14


def raised_days_ago(days, **fields):
    return ConcernFactory(raised_on=TODAY - dt.timedelta(days=days), **fields)


def test_a_concern_open_exactly_the_threshold_is_not_escalated_one_day_more_is():
    on_the_day = raised_days_ago(14)
    one_day_over = raised_days_ago(15)

    escalated = services.concerns_escalate_overdue(today=TODAY)

    assert escalated == [one_day_over]
    on_the_day.refresh_from_db()
    one_day_over.refresh_from_db()
    assert on_the_day.escalated_at is None
    assert one_day_over.escalated_at is not None


def test_concerns_in_progress_are_escalated_too_but_resolved_ones_are_not():
    in_progress = raised_days_ago(30, status=ConcernStatus.IN_PROGRESS)
    raised_days_ago(30, status=ConcernStatus.RESOLVED, resolution="Settled", resolved_at=timezone.now())
    assert services.concerns_escalate_overdue(today=TODAY) == [in_progress]


def test_escalation_happens_once(settings):
    concern = raised_days_ago(20)
    services.concerns_escalate_overdue(today=TODAY)
    first = Concern.objects.get(pk=concern.pk).escalated_at

    assert services.concerns_escalate_overdue(today=TODAY) == []
    assert services.concerns_escalate_overdue(today=TODAY + dt.timedelta(days=1)) == []
    assert Concern.objects.get(pk=concern.pk).escalated_at == first


def test_the_threshold_comes_from_settings(settings):
    settings.CONCERN_ESCALATION_DAYS = 3
    concern = raised_days_ago(4)
    assert services.concerns_escalate_overdue(today=TODAY) == [concern]


def test_the_page_flag_and_the_escalation_agree_on_the_boundary(settings):
    today = timezone.localdate()
    on_the_day = ConcernFactory(raised_on=today - dt.timedelta(days=14))
    one_day_over = ConcernFactory(raised_on=today - dt.timedelta(days=15))
    assert not on_the_day.is_overdue_for_escalation
    assert one_day_over.is_overdue_for_escalation
    assert list(Concern.objects.needing_escalation()) == [one_day_over]


def test_the_daily_task_escalates_and_reports_how_many():
    ConcernFactory(raised_on=timezone.localdate() - dt.timedelta(days=40))
    assert escalate_overdue_concerns.apply().get() == 1
    assert escalate_overdue_concerns.apply().get() == 0


def test_the_task_is_scheduled_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["escalate-overdue-concerns"]
    assert entry["task"] == escalate_overdue_concerns.name


def test_escalation_emails_the_owner_and_their_team_managers_once(officer, manager, other_manager):
    from outbox.models import OutboundMessage

    ConcernFactory(owner=officer, raised_on=TODAY - dt.timedelta(days=30), title="Noise complaints ignored")
    services.concerns_escalate_overdue(today=TODAY)
    services.concerns_escalate_overdue(today=TODAY)
    messages = OutboundMessage.objects.filter(kind="concern_escalated")
    assert sorted(m.to for m in messages) == sorted([officer.email, manager.email])
    assert all("Noise complaints ignored" in m.subject for m in messages)
    assert other_manager.email not in {m.to for m in messages}


def test_a_concern_reopened_after_its_escalation_is_escalated_again(officer, manager):
    """The escalation was kept on reopening, so the daily run skipped the concern however long it then stayed
    open; and the second email would have been taken for the first (same outbox key) and never sent."""
    from outbox.models import OutboundMessage

    concern = ConcernFactory(owner=officer, raised_on=timezone.localdate() - dt.timedelta(days=30))
    assert escalate_overdue_concerns.apply().get() == 1
    services.concern_resolve(concern=concern, actor=officer, resolution="Lorries rerouted.")
    services.concern_reopen(concern=concern, actor=officer)

    reopened = Concern.objects.get(pk=concern.pk)
    assert reopened.escalated_at is None
    assert reopened.is_overdue_for_escalation  # as its page has said since it was reopened
    assert escalate_overdue_concerns.apply().get() == 1
    assert escalate_overdue_concerns.apply().get() == 0
    assert Concern.objects.get(pk=concern.pk).escalated_at is not None
    sent = OutboundMessage.objects.filter(kind="concern_escalated")
    assert sorted(m.to for m in sent) == sorted([officer.email, manager.email] * 2)


def test_an_escalated_concern_handed_to_another_team_tells_the_new_handler_and_their_manager_once(
    officer, colleague, manager, other_officer, other_manager, admin_user
):
    """The escalation told `officer` and their manager. Handed to `other_officer`, they and their manager are
    told it is escalated, once however often it moves; `colleague`, in the first team, is told alone."""
    from outbox.models import OutboundMessage

    concern = ConcernFactory(
        owner=officer,
        raised_on=timezone.localdate() - dt.timedelta(days=30),
        title="Noise complaints ignored",
    )
    escalate_overdue_concerns.apply()

    def told():
        return sorted(OutboundMessage.objects.filter(kind="concern_escalated").values_list("to", flat=True))

    assert told() == sorted([officer.email, manager.email])

    for owner in (other_officer, officer, other_officer):
        concern = services.concern_update(
            concern=Concern.objects.get(pk=concern.pk), actor=admin_user, owner=owner
        )
    assert told() == sorted([officer.email, manager.email, other_officer.email, other_manager.email])
    handed_over = OutboundMessage.objects.get(to=other_officer.email)
    assert "before it was given to" in handed_over.body and "Noise complaints ignored" in handed_over.subject

    services.concern_update(concern=concern, actor=admin_user, owner=colleague)
    assert told() == sorted(
        [officer.email, manager.email, other_officer.email, other_manager.email, colleague.email]
    )


def test_a_concern_not_yet_escalated_is_handed_over_without_a_word(officer, manager, other_officer):
    """Open too long, but the daily run has not escalated it: it tells whoever handles it then."""
    from outbox.models import OutboundMessage

    concern = ConcernFactory(owner=officer, raised_on=timezone.localdate() - dt.timedelta(days=30))

    services.concern_update(concern=concern, actor=manager, owner=other_officer)

    assert not OutboundMessage.objects.filter(kind="concern_escalated").exists()


def test_an_escalated_concern_moved_with_a_portfolio_tells_its_new_handler(officer, colleague, manager):
    from contacts.services import portfolio_handover
    from outbox.models import OutboundMessage

    from ..factories import StakeholderFactory

    concern = ConcernFactory(
        owner=officer,
        stakeholder=StakeholderFactory(owner=officer),
        raised_on=timezone.localdate() - dt.timedelta(days=30),
        title="Noise complaints ignored",
    )
    escalate_overdue_concerns.apply()

    portfolio_handover(actor=manager, from_officer=officer, to_officer=colleague)

    assert Concern.objects.get(pk=concern.pk).owner == colleague
    told = OutboundMessage.objects.filter(kind="concern_escalated")
    assert sorted(told.values_list("to", flat=True)) == sorted(
        [officer.email, manager.email, colleague.email]
    )
    assert "before it was given to" in told.get(to=colleague.email).body


def test_who_is_told_of_escalated_concerns_handed_over_is_read_once_for_their_new_handler(
    officer, colleague, manager, django_assert_max_num_queries
):
    """A portfolio's escalated concerns all go to one new handler: who hears of them (the handler and their
    team's managers) was read again for every concern."""
    from outbox.models import OutboundMessage

    for _ in range(3):
        ConcernFactory(
            owner=colleague,
            raised_on=timezone.localdate() - dt.timedelta(days=30),
            escalated_at=timezone.now(),
        )
    handed_over = Concern.objects.select_related("stakeholder", "owner")

    # The concerns; the new handler's team's managers; for each concern, each of the two told: a savepoint,
    # the outbox row and the savepoint's release.
    with django_assert_max_num_queries(1 + 1 + 3 * 2 * 3):
        services.concerns_escalation_handed_over(concerns=handed_over)

    told = OutboundMessage.objects.filter(kind="concern_escalated").values_list("to", flat=True)
    assert sorted(told) == sorted([colleague.email, manager.email] * 3)


def test_an_escalated_concern_handed_over_on_its_edit_page_tells_its_new_handler(
    client, officer, colleague, manager
):
    """The form had put the new handler on the concern before the service compared them with the one it
    had, so a handover on the page, unlike through the API, told nobody."""
    from django.urls import reverse

    from outbox.models import OutboundMessage

    from ..conftest import login

    concern = ConcernFactory(owner=officer, raised_on=timezone.localdate() - dt.timedelta(days=30))
    escalate_overdue_concerns.apply()
    url = reverse("concerns:edit", args=[concern.pk])
    form = login(client, manager).get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    assert client.post(url, {**data, "owner": colleague.pk}).status_code == 302

    assert OutboundMessage.objects.filter(kind="concern_escalated", to=colleague.email).count() == 1
