import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from concerns.models import Concern, ConcernStatus, Severity
from meetings import services as meeting_services

from ..conftest import login
from ..factories import (
    AffiliationFactory,
    ConcernFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["concerns:list", "concerns:create"])
def test_pages_need_a_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_register_shows_unresolved_concerns_and_flags_those_open_too_long(officer_client, settings):
    """Escalated once the daily run has escalated it; due for escalation until then."""
    settings.CONCERN_ESCALATION_DAYS = 14
    ConcernFactory(
        title="Dust from the site",
        raised_on=timezone.localdate() - dt.timedelta(days=20),
        escalated_at=timezone.now() - dt.timedelta(days=5),
    )
    ConcernFactory(title="Mud on the road", raised_on=timezone.localdate() - dt.timedelta(days=15))
    ConcernFactory(title="Parking on the verge", status=ConcernStatus.IN_PROGRESS)
    ConcernFactory(
        title="Old complaint", status=ConcernStatus.RESOLVED, resolution="Fixed", resolved_at=timezone.now()
    )

    page = officer_client.get(reverse("concerns:list")).content.decode()

    assert "Dust from the site" in page and "Parking on the verge" in page
    assert "Old complaint" not in page
    assert "escalated · open 20 days" in page and "due for escalation · open 15 days" in page
    assert page.count("escalated · open") == 1


def test_the_register_filters_by_status_severity_and_open_too_long(officer_client, settings):
    settings.CONCERN_ESCALATION_DAYS = 14
    ConcernFactory(
        title="Old and critical",
        severity=Severity.CRITICAL,
        raised_on=timezone.localdate() - dt.timedelta(days=30),
    )
    ConcernFactory(
        title="Settled",
        severity=Severity.LOW,
        status=ConcernStatus.RESOLVED,
        resolution="ok",
        resolved_at=timezone.now(),
    )
    url = reverse("concerns:list")

    def shown(**query):
        page = officer_client.get(url, query).content.decode()
        return {text for text in ("Old and critical", "Settled") if text in page}

    assert shown(status="") == {"Old and critical", "Settled"}
    assert shown(status="resolved") == {"Settled"}
    assert shown(overdue="true") == {"Old and critical"}
    assert shown(status="", severity=Severity.LOW) == {"Settled"}


def test_recording_a_concern_from_a_stakeholder_page(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    url = reverse("concerns:create") + f"?stakeholder={stakeholder.pk}"
    response = officer_client.post(
        url,
        {
            "title": "Road closures not announced",
            "stakeholder": stakeholder.pk,
            "severity": Severity.HIGH,
            "owner": officer.pk,
            "raised_on": timezone.localdate().isoformat(),
        },
    )
    concern = Concern.objects.get()
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    assert concern.stakeholder == stakeholder and concern.severity == Severity.HIGH


def test_a_concern_opened_from_an_interaction_is_linked_to_it(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    officer_client.post(
        reverse("concerns:create") + f"?interaction={call.pk}",
        {
            "title": "Bins",
            "stakeholder": stakeholder.pk,
            "severity": 2,
            "owner": officer.pk,
            "raised_on": timezone.localdate(),
        },
    )
    assert list(Concern.objects.get().interactions.all()) == [call]


def test_a_concern_begun_on_a_meeting_page_names_its_stakeholder_and_organisation(officer_client, officer):
    """The meeting page offered a commitment but no concern, though the interaction page offers both."""
    organisation = OrganisationFactory(name="Harbour Trust")
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    meeting = meeting_services.meeting_schedule(
        organiser=officer,
        title="Harbour consultation",
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=1),
        stakeholders=[stakeholder],
        organisation=organisation,
    )
    url = reverse("concerns:create") + f"?meeting={meeting.pk}"
    assert f'href="{url}"' in officer_client.get(meeting.get_absolute_url()).content.decode()

    form = officer_client.get(url).context["form"]

    assert form.initial["stakeholder"] == stakeholder.pk
    assert form.initial["organisation"] == organisation.pk
    assert _cancel_link(officer_client.get(url).content.decode()) == meeting.get_absolute_url()


def test_a_meeting_that_is_not_there_cannot_open_the_form(officer_client, officer):
    gone = MeetingFactory(organiser=officer)
    gone.delete()
    response = officer_client.get(reverse("concerns:create") + f"?meeting={gone.pk}")
    assert response.status_code == 404


def _cancel_link(page: str) -> str:
    return re.search(r'<a class="button" href="([^"]*)">Cancel</a>', page).group(1)


def test_cancelling_a_concern_begun_on_a_stakeholder_page_leads_back_to_them(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    page = officer_client.get(reverse("concerns:create") + f"?stakeholder={stakeholder.pk}").content.decode()
    assert _cancel_link(page) == stakeholder.get_absolute_url()


def test_cancelling_a_concern_begun_on_an_interaction_leads_back_to_it(officer_client, officer):
    call = InteractionFactory(logged_by=officer, stakeholders=[StakeholderFactory(owner=officer)])
    page = officer_client.get(reverse("concerns:create") + f"?interaction={call.pk}").content.decode()
    assert _cancel_link(page) == call.get_absolute_url()


def test_cancelling_a_concern_begun_in_the_register_leads_back_to_it(officer_client):
    page = officer_client.get(reverse("concerns:create")).content.decode()
    assert _cancel_link(page) == reverse("concerns:list")


def test_an_interaction_the_officer_may_not_read_cannot_open_the_form(officer_client, colleague):
    confidential = InteractionFactory(logged_by=colleague, is_confidential=True)
    response = officer_client.get(reverse("concerns:create") + f"?interaction={confidential.pk}")
    assert response.status_code == 404


def test_bad_input_shows_errors_and_records_nothing(officer_client, officer):
    response = officer_client.post(
        reverse("concerns:create"),
        {"title": "", "stakeholder": "", "severity": 9, "owner": officer.pk, "raised_on": "yesterday"},
    )
    assert response.status_code == 200
    assert response.content.decode().count('class="error"') >= 4
    assert not Concern.objects.exists()


@pytest.fixture
def concern(officer):
    return ConcernFactory(
        owner=officer, stakeholder=StakeholderFactory(owner=officer), title="Noise at night"
    )


def test_linked_confidential_interactions_show_only_to_those_who_may_read_them(
    client, concern, officer, colleague, manager
):
    confidential = InteractionFactory(
        logged_by=colleague,
        stakeholders=[StakeholderFactory(owner=colleague)],
        is_confidential=True,
        summary="Private call about the dispute",
    )
    open_call = InteractionFactory(logged_by=officer, stakeholders=[concern.stakeholder], summary="Open call")
    concern.interactions.set([confidential, open_call])

    officer_page = login(client, officer).get(concern.get_absolute_url()).content.decode()
    assert "Open call" in officer_page and "Private call about the dispute" not in officer_page

    manager_page = login(client, manager).get(concern.get_absolute_url()).content.decode()
    assert "Private call about the dispute" in manager_page


def test_an_interaction_the_officer_may_not_read_cannot_be_unlinked(officer_client, concern, colleague):
    confidential = InteractionFactory(logged_by=colleague, is_confidential=True)
    concern.interactions.add(confidential)
    response = officer_client.post(reverse("concerns:unlink_interaction", args=[concern.pk, confidential.pk]))
    assert response.status_code == 404
    assert concern.interactions.filter(pk=confidential.pk).exists()


def test_linking_an_interaction_from_the_concern_page(officer_client, concern, officer):
    call = InteractionFactory(logged_by=officer, stakeholders=[concern.stakeholder], summary="Follow-up call")
    page = officer_client.get(concern.get_absolute_url()).content.decode()
    assert "Follow-up call" in page  # offered in the link form

    officer_client.post(reverse("concerns:link_interaction", args=[concern.pk]), {"interaction": call.pk})
    assert list(concern.interactions.all()) == [call]


def test_resolving_without_a_resolution_shows_an_error_and_changes_nothing(officer_client, concern):
    response = officer_client.post(reverse("concerns:resolve", args=[concern.pk]), {"resolution": "  "})
    assert response.status_code == 200
    assert "Say how the concern was resolved." in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN


def test_resolving_with_a_resolution(officer_client, concern):
    response = officer_client.post(
        reverse("concerns:resolve", args=[concern.pk]), {"resolution": "Night deliveries stopped."}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESOLVED and concern.resolution == "Night deliveries stopped."


def test_a_resolved_concerns_edit_page_leads_back_to_it_saying_so(officer_client, concern, officer):
    """A resolved concern still opened its full edit form, by its address, and saved it."""
    officer_client.post(reverse("concerns:resolve", args=[concern.pk]), {"resolution": "Quiet now."})
    url = reverse("concerns:edit", args=[concern.pk])

    response = officer_client.get(url, follow=True)

    assert response.redirect_chain == [(concern.get_absolute_url(), 302)]
    page = response.content.decode()
    assert "This concern is resolved: reopen it to change it." in page
    assert f'href="{url}"' not in page

    response = officer_client.post(url, {"title": "Changed", "stakeholder": concern.stakeholder_id})
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    concern.refresh_from_db()
    assert (concern.title, concern.status) == ("Noise at night", ConcernStatus.RESOLVED)

    response = officer_client.post(
        reverse("concerns:resolve", args=[concern.pk]),
        {"resolution": "Quiet now; checked again."},
        follow=True,
    )
    assert "Resolution updated." in response.content.decode()
    assert Concern.objects.get(pk=concern.pk).resolution == "Quiet now; checked again."


def test_reopening_a_concern_says_so(officer_client, concern):
    officer_client.post(reverse("concerns:resolve", args=[concern.pk]), {"resolution": "Quiet now."})

    response = officer_client.post(reverse("concerns:reopen", args=[concern.pk]), follow=True)

    assert "Concern reopened." in response.content.decode()
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.OPEN


def test_reopening_a_concern_that_is_not_resolved_says_there_was_nothing_to_reopen(officer_client, concern):
    """A second click, or a page left open: it used to say "Concern reopened." all the same."""
    response = officer_client.post(reverse("concerns:reopen", args=[concern.pk]), follow=True)

    page = response.content.decode()
    assert "This concern is not resolved: there was nothing to reopen." in page
    assert "Concern reopened." not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("manager", 200),
        ("admin_user", 200),
        ("colleague", 403),
        ("other_officer", 403),
        ("other_manager", 403),
    ],
)
def test_who_may_open_the_edit_and_resolve_forms(client, request, concern, who, status):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("concerns:edit", args=[concern.pk])).status_code == status
    assert client.get(reverse("concerns:resolve", args=[concern.pk])).status_code == status


def test_someone_else_cannot_resolve_reopen_or_start_work(client, concern, other_officer):
    login(client, other_officer)
    assert client.post(reverse("concerns:resolve", args=[concern.pk]), {"resolution": "x"}).status_code == 403
    assert client.post(reverse("concerns:in_progress", args=[concern.pk])).status_code == 403
    assert client.post(reverse("concerns:reopen", args=[concern.pk])).status_code == 403
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN


def test_stakeholder_and_organisation_pages_show_open_concerns_with_escalated_ones_flagged(
    officer_client, officer, settings
):
    settings.CONCERN_ESCALATION_DAYS = 14
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    ConcernFactory(
        stakeholder=position.stakeholder,
        organisation=position.organisation,
        title="Flooding on the access road",
        raised_on=timezone.localdate() - dt.timedelta(days=21),
        escalated_at=timezone.now() - dt.timedelta(days=6),
    )
    ConcernFactory(
        stakeholder=position.stakeholder,
        organisation=position.organisation,
        title="Potholes by the school",
        raised_on=timezone.localdate() - dt.timedelta(days=15),
    )
    ConcernFactory(
        stakeholder=position.stakeholder,
        organisation=position.organisation,
        title="Settled long ago",
        status=ConcernStatus.RESOLVED,
        resolution="Fixed",
        resolved_at=timezone.now(),
    )

    for url in (position.stakeholder.get_absolute_url(), position.organisation.get_absolute_url()):
        page = officer_client.get(url).content.decode()
        assert "Flooding on the access road" in page and "Settled long ago" not in page
        assert page.count('class="status red">escalated') == 1
        assert page.count('class="status red">due for escalation') == 1


def test_editing_a_concern_whose_owner_has_left_asks_who_takes_it_over(client, manager, colleague):
    concern = ConcernFactory(stakeholder=StakeholderFactory(owner=colleague), owner=colleague)
    colleague.is_active = False
    colleague.save()

    response = login(client, manager).post(
        reverse("concerns:edit", args=[concern.pk]),
        {
            "title": "Changed",
            "stakeholder": concern.stakeholder_id,
            "severity": concern.severity,
            "owner": "",
            "raised_on": concern.raised_on.isoformat(),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == [f"{colleague} has left; choose who takes this over."]
    concern.refresh_from_db()
    assert concern.title != "Changed"


def test_a_concern_open_too_long_is_due_for_escalation_until_the_daily_run_escalates_it(
    officer_client, settings
):
    settings.CONCERN_ESCALATION_DAYS = 14
    concern = ConcernFactory(
        title="Dust from the site", raised_on=timezone.localdate() - dt.timedelta(days=20)
    )

    page = officer_client.get(concern.get_absolute_url()).content.decode()
    assert "Open for more than 14 days: due for escalation." in page
    assert "due for escalation · open 20 days" in page
    assert "escalated ·" not in page and ": escalated." not in page

    Concern.objects.filter(pk=concern.pk).update(escalated_at=timezone.now())
    page = officer_client.get(concern.get_absolute_url()).content.decode()
    assert "Open for more than 14 days: escalated." in page and "escalated · open 20 days" in page
    assert "due for escalation" not in page


@pytest.mark.parametrize("had_one", [False, True])
def test_an_edit_fills_a_blank_organisation_only_when_it_clears_the_one_the_concern_had(
    officer_client, officer, had_one
):
    """The edit page sends every field: a concern raised with no organisation was given where its
    stakeholder works now when only its severity was changed."""
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    concern = ConcernFactory(
        stakeholder=position.stakeholder,
        owner=officer,
        severity=Severity.LOW,
        organisation=OrganisationFactory() if had_one else None,
    )
    url = reverse("concerns:edit", args=[concern.pk])
    form = officer_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    response = officer_client.post(url, {**data, "organisation": "", "severity": Severity.HIGH})

    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.severity == Severity.HIGH
    assert concern.organisation == (position.organisation if had_one else None)


def test_the_register_of_an_organisation_includes_its_units_at_any_depth(officer_client):
    """As its card's "All, including departments" link promises: ministry → directorate → unit."""
    ministry = OrganisationFactory(name="Ministry of Transport")
    bridges = OrganisationFactory(name="Bridges Unit", parent=OrganisationFactory(parent=ministry))
    ConcernFactory(title="Cracks in the river bridge", organisation=bridges)
    ConcernFactory(title="Waiting times at the clinic", organisation=OrganisationFactory())

    page = officer_client.get(reverse("concerns:list"), {"organisation": ministry.pk, "status": ""})

    assert "Cracks in the river bridge" in page.content.decode()
    assert "Waiting times at the clinic" not in page.content.decode()
