"""meeting.held, commitment.overdue and concern.escalated: published once, in the event's own transaction,
as the endpoint's owner would read the record through the API, and signed like every delivery."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from commitments import services as commitment_services
from commitments.models import Commitment, CommitmentStatus
from commitments.tasks import publish_overdue_commitments
from concerns import services as concern_services
from liaison_crm.celery import app as celery_app
from meetings import services as meeting_services
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import delivery_attempt

from ..api.conftest import client_with_token, token_for
from ..concurrency import all_at_once
from ..factories import (
    CommitmentFactory,
    ConcernFactory,
    InteractionFactory,
    StakeholderFactory,
    UserFactory,
)

TODAY = dt.date(2026, 3, 20)


def hold_yesterdays_meeting(organiser, **outcome):
    guest = StakeholderFactory(owner=organiser, name="Ama Owusu")
    start = timezone.now() - dt.timedelta(days=1)
    meeting = meeting_services.meeting_schedule(
        organiser=organiser, title="Harbour review", starts_at=start, ends_at=start + dt.timedelta(hours=1),
        stakeholders=[guest],
    )  # fmt: skip
    return meeting_services.meeting_mark_held(meeting=meeting, actor=organiser, **outcome)


def api_view(user, path):
    return client_with_token(token_for(user)).get(path).json()


@pytest.fixture(autouse=True)
def local_rate_limits(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def confidential_call(colleague):
    return InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague)],
        is_confidential=True,
        summary="Board tension over the merger",
    )


@pytest.mark.django_db
class TestMeetingHeld:
    def test_marking_a_meeting_held_tells_subscribed_tools_once(
        self, officer, colleague, endpoint_for, django_capture_on_commit_callbacks
    ):
        subscribed = endpoint_for(officer, events=[WebhookEvent.MEETING_HELD])
        endpoint_for(colleague, events=[WebhookEvent.INTERACTION_CREATED])  # hears of the interaction only
        with django_capture_on_commit_callbacks() as callbacks:
            meeting = hold_yesterdays_meeting(
                officer,
                minutes="Agreed the timetable",
                decisions=["Consult in May"],
                actions=[meeting_services.ActionEntry(description="Send it", owner_user=colleague)],
            )
        delivery = WebhookDelivery.objects.get(event=WebhookEvent.MEETING_HELD)
        assert delivery.endpoint == subscribed
        assert delivery.payload == api_view(officer, f"/api/v1/meetings/{meeting.pk}/")
        assert delivery.payload["status"] == "held"
        assert delivery.payload["decisions"] == ["Consult in May"]
        assert len(delivery.payload["action_items"]) == 1
        assert callbacks  # sent once the transaction commits
        with pytest.raises(ValidationError):
            meeting_services.meeting_mark_held(meeting=meeting, actor=officer)
        assert WebhookDelivery.objects.filter(event=WebhookEvent.MEETING_HELD).count() == 1

    def test_nothing_is_published_when_marking_held_fails(self, officer, endpoint_for):
        endpoint_for(officer, events=[WebhookEvent.MEETING_HELD])
        start = timezone.now() + dt.timedelta(days=1)
        meeting = meeting_services.meeting_schedule(
            organiser=officer, title="Not yet", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            stakeholders=[StakeholderFactory(owner=officer)],
        )  # fmt: skip
        with pytest.raises(ValidationError):
            meeting_services.meeting_mark_held(meeting=meeting, actor=officer)
        assert not WebhookDelivery.objects.exists()

    def test_the_delivery_is_signed_and_names_its_event(self, officer, receiver, endpoint_for):
        endpoint_for(
            officer, url=receiver.url, secret="s3cret-shared-with-the-receiver", events=["meeting.held"]
        )
        meeting = hold_yesterdays_meeting(officer)
        delivery = WebhookDelivery.objects.get()
        assert delivery_attempt(delivery_id=delivery.pk) is None
        (request,) = receiver.received
        expected = hmac.new(b"s3cret-shared-with-the-receiver", request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Liaison-Signature"] == f"sha256={expected}"
        assert request.headers["X-Liaison-Event"] == "meeting.held"
        envelope = json.loads(request.body)
        assert (envelope["event"], envelope["data"]["id"]) == ("meeting.held", meeting.pk)


@pytest.mark.django_db
class TestCommitmentOverdue:
    def test_a_commitment_past_its_due_date_is_reported_once(self, officer, endpoint_for):
        endpoint = endpoint_for(officer, events=[WebhookEvent.COMMITMENT_OVERDUE])
        late = CommitmentFactory(owner=officer, due_on=TODAY - dt.timedelta(days=1))
        due_today = CommitmentFactory(owner=officer, due_on=TODAY)  # not overdue until tomorrow
        CommitmentFactory(owner=officer, due_on=None, renews_on=TODAY - dt.timedelta(days=9))
        CommitmentFactory(
            owner=officer,
            due_on=TODAY - dt.timedelta(days=3),
            status=CommitmentStatus.FULFILLED,
            fulfilled_at=timezone.now(),
        )

        assert commitment_services.commitments_publish_overdue(today=TODAY) == [late]
        assert commitment_services.commitments_publish_overdue(today=TODAY) == []
        assert commitment_services.commitments_publish_overdue(today=TODAY + dt.timedelta(days=1)) == [
            due_today
        ]

        delivery = WebhookDelivery.objects.get(payload__id=late.pk)
        assert (delivery.endpoint, delivery.event) == (endpoint, "commitment.overdue")
        late.refresh_from_db()
        assert late.overdue_notified_at is not None
        assert delivery.payload == api_view(officer, f"/api/v1/commitments/{late.pk}/")

    def test_the_first_run_reports_every_commitment_already_overdue_once(self, officer, endpoint_for):
        # Deliberate: each overdue commitment gets one commitment.overdue event, the backlog included.
        endpoint_for(officer, events=[WebhookEvent.COMMITMENT_OVERDUE])
        backlog = [
            CommitmentFactory(owner=officer, due_on=TODAY - dt.timedelta(days=days)) for days in (1, 40, 400)
        ]
        assert commitment_services.commitments_publish_overdue(today=TODAY) == backlog
        assert commitment_services.commitments_publish_overdue(today=TODAY + dt.timedelta(days=1)) == []
        assert sorted(WebhookDelivery.objects.values_list("payload__id", flat=True)) == [
            c.pk for c in backlog
        ]

    def test_a_new_due_date_missed_is_reported_again(self, officer, endpoint_for):
        endpoint_for(officer, events=[WebhookEvent.COMMITMENT_OVERDUE])
        late = CommitmentFactory(owner=officer, due_on=TODAY - dt.timedelta(days=1))
        commitment_services.commitments_publish_overdue(today=TODAY)
        commitment_services.commitment_update(
            commitment=late, actor=officer, due_on=TODAY + dt.timedelta(days=2)
        )
        assert commitment_services.commitments_publish_overdue(today=TODAY) == []
        assert commitment_services.commitments_publish_overdue(today=TODAY + dt.timedelta(days=3)) == [late]
        assert WebhookDelivery.objects.count() == 2

    def test_each_tool_hears_of_the_source_only_if_its_owner_may_read_it(
        self, officer, colleague, manager, confidential_call, endpoint_for
    ):
        for user in (officer, colleague, manager):
            endpoint_for(user, events=[WebhookEvent.COMMITMENT_OVERDUE])
        CommitmentFactory(
            stakeholder=confidential_call.stakeholders.get(),
            source_interaction=confidential_call,
            due_on=TODAY - dt.timedelta(days=1),
        )
        commitment_services.commitments_publish_overdue(today=TODAY)
        sources = {
            delivery.endpoint.owner.username: delivery.payload["source_interaction"]
            for delivery in WebhookDelivery.objects.select_related("endpoint__owner")
        }
        assert sources["officer"] is None
        assert (
            sources["colleague"]["summary"]
            == sources["manager"]["summary"]
            == "Board tension over the merger"
        )
        assert len(set(WebhookDelivery.objects.values_list("event_id", flat=True))) == 1
        assert "merger" not in json.dumps(WebhookDelivery.objects.get(endpoint__owner=officer).payload)

    def test_the_daily_task_runs_the_service(self, officer, endpoint_for):
        endpoint_for(officer, events=[WebhookEvent.COMMITMENT_OVERDUE])
        CommitmentFactory(owner=officer, due_on=timezone.localdate() - dt.timedelta(days=1))
        assert publish_overdue_commitments.apply().get() == 1
        assert publish_overdue_commitments.apply().get() == 0
        assert WebhookDelivery.objects.count() == 1

    def test_the_task_is_on_the_beat_schedule(self):
        entries = [entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]
        assert "commitments.tasks.publish_overdue_commitments" in entries
        assert "commitments.tasks.publish_overdue_commitments" in celery_app.tasks


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_report_each_commitment_once(test_broker):
    """Committed, so deliveries are queued: on the test's own broker (tests/workers.py), not `make run`'s."""
    from webhooks.services import webhook_endpoint_create

    officer = UserFactory()
    webhook_endpoint_create(owner=officer, url="http://127.0.0.1:9/unused", events=["commitment.overdue"])
    for _ in range(3):
        CommitmentFactory(owner=officer, due_on=TODAY - dt.timedelta(days=1))
    reported = []

    def run():
        reported.extend(commitment_services.commitments_publish_overdue(today=TODAY))

    all_at_once(run, run)
    assert sorted(commitment.pk for commitment in reported) == sorted(
        Commitment.objects.values_list("pk", flat=True)
    )
    assert WebhookDelivery.objects.count() == 3


@pytest.mark.django_db
class TestConcernEscalated:
    @pytest.fixture(autouse=True)
    def threshold(self, settings):
        settings.CONCERN_ESCALATION_DAYS = 14

    def test_an_escalated_concern_is_reported_once(self, officer, endpoint_for):
        endpoint = endpoint_for(officer, events=[WebhookEvent.CONCERN_ESCALATED])
        overdue = ConcernFactory(owner=officer, raised_on=TODAY - dt.timedelta(days=20))
        ConcernFactory(owner=officer, raised_on=TODAY - dt.timedelta(days=3))

        assert concern_services.concerns_escalate_overdue(today=TODAY) == [overdue]
        assert concern_services.concerns_escalate_overdue(today=TODAY) == []

        delivery = WebhookDelivery.objects.get()
        assert (delivery.endpoint, delivery.event) == (endpoint, "concern.escalated")
        assert delivery.payload["escalated_at"] is not None
        assert delivery.payload == api_view(officer, f"/api/v1/concerns/{overdue.pk}/")

    def test_confidential_linked_interactions_reach_only_tools_whose_owner_may_read_them(
        self, officer, colleague, confidential_call, endpoint_for
    ):
        endpoint_for(officer, events=[WebhookEvent.CONCERN_ESCALATED])
        endpoint_for(colleague, events=[WebhookEvent.CONCERN_ESCALATED])
        ConcernFactory(
            stakeholder=confidential_call.stakeholders.get(),
            raised_on=TODAY - dt.timedelta(days=20),
            interactions=[confidential_call],
        )
        concern_services.concerns_escalate_overdue(today=TODAY)
        linked = {
            delivery.endpoint.owner.username: [i["id"] for i in delivery.payload["interactions"]]
            for delivery in WebhookDelivery.objects.select_related("endpoint__owner")
        }
        assert linked == {"officer": [], "colleague": [confidential_call.pk]}


@pytest.mark.django_db
def test_tools_subscribe_to_the_new_events_through_the_api(officer_api):
    response = officer_api.post(
        "/api/v1/webhooks/",
        {
            "url": "https://tool.example.org/hooks",
            "events": ["meeting.held", "commitment.overdue", "concern.escalated"],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["events"] == ["commitment.overdue", "concern.escalated", "meeting.held"]


@pytest.fixture
def officer_api(officer):
    return client_with_token(token_for(officer))
