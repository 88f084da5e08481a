import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, CommitmentStatus
from meetings.models import MeetingStatus

from ..conftest import login
from ..factories import (
    AffiliationFactory,
    CommitmentFactory,
    InteractionFactory,
    MeetingFactory,
    OrganisationFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["commitments:list", "commitments:create"])
def test_pages_need_a_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_register_shows_open_commitments_and_flags_overdue_ones(officer_client, officer):
    CommitmentFactory(
        description="Publish the consultation report", due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    CommitmentFactory(description="Share the site plans", due_on=timezone.localdate() + dt.timedelta(days=3))
    CommitmentFactory(
        description="Return the signed MoU", status=CommitmentStatus.FULFILLED, fulfilled_at=timezone.now()
    )

    page = officer_client.get(reverse("commitments:list")).content.decode()

    assert "Publish the consultation report" in page and "Share the site plans" in page
    assert 'class="status red">overdue' in page
    assert "Return the signed MoU" not in page


def test_any_status_shows_closed_commitments_too(officer_client):
    CommitmentFactory(
        description="Return the signed MoU", status=CommitmentStatus.FULFILLED, fulfilled_at=timezone.now()
    )
    page = officer_client.get(reverse("commitments:list"), {"status": ""}).content.decode()
    assert "Return the signed MoU" in page


def test_the_register_filters_by_overdue_direction_stakeholder_team_and_kind_of_organisation(
    officer_client,
):
    agency = OrganisationFactory(kind="government_agency")
    late = CommitmentFactory(description="Late promise", due_on=timezone.localdate() - dt.timedelta(days=1))
    theirs = CommitmentFactory(description="Their promise", direction="they_promised", organisation=agency)
    url = reverse("commitments:list")

    def shown(**query):
        page = officer_client.get(url, query).content.decode()
        return {text for text in ("Late promise", "Their promise") if text in page}

    assert shown(overdue="true") == {"Late promise"}
    assert shown(overdue="false") == {"Their promise"}
    assert shown(direction="they_promised") == {"Their promise"}
    assert shown(stakeholder=late.stakeholder.pk) == {"Late promise"}
    assert shown(team=late.owner.team_id) == {"Late promise"}
    assert shown(organisation_kind="government_agency") == {"Their promise"}
    assert shown(organisation=agency.pk) == {theirs.description}
    assert 'name="team"' in officer_client.get(url).content.decode()


def test_htmx_list_request_returns_only_the_rows(officer_client):
    CommitmentFactory(description="Row promise")
    response = officer_client.get(reverse("commitments:list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Row promise" in body and "<html" not in body


def test_recording_a_commitment_from_a_stakeholder_page(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer, name="Grace Obi")
    url = reverse("commitments:create") + f"?stakeholder={stakeholder.pk}"

    form_page = officer_client.get(url).content.decode()
    assert "Grace Obi" in form_page

    response = officer_client.post(
        url,
        {
            "direction": "we_promised",
            "description": "Send the flood-risk survey",
            "stakeholder": stakeholder.pk,
            "owner": officer.pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        },
    )

    commitment = Commitment.objects.get()
    assert response.status_code == 302 and response.url == commitment.get_absolute_url()
    assert commitment.stakeholder == stakeholder and commitment.created_by == officer


def test_a_commitment_opened_from_an_interaction_records_it_as_the_source(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[stakeholder], summary="Site visit")
    url = reverse("commitments:create") + f"?interaction={interaction.pk}"

    data = {"direction": "they_promised", "description": "Send access codes", "owner": officer.pk}
    officer_client.post(url, {**data, "stakeholder": stakeholder.pk})

    commitment = Commitment.objects.get()
    assert commitment.source_interaction == interaction
    assert "Site visit" in officer_client.get(commitment.get_absolute_url()).content.decode()


def test_a_commitment_begun_on_a_meeting_page_names_its_stakeholder_and_organisation(officer_client, officer):
    """As a concern begun there does: the commitment form filled the organisation only from an interaction."""
    organisation = OrganisationFactory(name="Harbour Trust")
    stakeholder = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer, organisation=organisation)
    meeting.attendees.create(stakeholder=stakeholder)

    form = officer_client.get(reverse("commitments:create") + f"?meeting={meeting.pk}").context["form"]

    assert form.initial["stakeholder"] == stakeholder.pk
    assert form.initial["organisation"] == organisation.pk


def test_a_commitment_opened_from_a_cancelled_meeting_is_refused_on_the_form(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer, status=MeetingStatus.CANCELLED)
    meeting.attendees.create(stakeholder=stakeholder)
    url = reverse("commitments:create") + f"?meeting={meeting.pk}"

    data = {"direction": "they_promised", "description": "Send access codes", "owner": officer.pk}
    response = officer_client.post(url, {**data, "stakeholder": stakeholder.pk})

    assert response.status_code == 200
    assert "That meeting was cancelled: it did not take place" in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_confidential_interaction_the_officer_may_not_read_cannot_be_a_source(officer_client, colleague):
    confidential = InteractionFactory(logged_by=colleague, is_confidential=True)
    response = officer_client.get(reverse("commitments:create") + f"?interaction={confidential.pk}")
    assert response.status_code == 404


def test_a_confidential_source_stays_hidden_on_the_commitment_page(client, officer, colleague, manager):
    stakeholder = StakeholderFactory(owner=colleague)
    confidential = InteractionFactory(
        logged_by=colleague, stakeholders=[stakeholder], is_confidential=True, summary="Board tension"
    )
    commitment = CommitmentFactory(stakeholder=stakeholder, source_interaction=confidential)

    officer_page = login(client, officer).get(commitment.get_absolute_url())
    assert officer_page.status_code == 200 and "Board tension" not in officer_page.content.decode()
    assert "Board tension" in login(client, manager).get(commitment.get_absolute_url()).content.decode()


def test_bad_input_shows_errors_and_records_nothing(officer_client, officer):
    response = officer_client.post(
        reverse("commitments:create"),
        {
            "direction": "we_promised",
            "description": "",
            "stakeholder": "",
            "owner": officer.pk,
            "due_on": "soon",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="error"') >= 3  # description, stakeholder and due date
    assert not Commitment.objects.exists()


def test_an_archived_stakeholder_is_refused_with_a_message_on_the_form(officer_client, officer):
    archived = StakeholderFactory(
        owner=officer, is_archived=True, archived_at=timezone.now(), name="Old Contact"
    )
    response = officer_client.post(
        reverse("commitments:create"),
        {
            "direction": "we_promised",
            "description": "Call back",
            "stakeholder": archived.pk,
            "owner": officer.pk,
        },
    )
    assert "restore them" in response.content.decode()
    assert not Commitment.objects.exists()


@pytest.fixture
def commitment(officer):
    return CommitmentFactory(owner=officer, stakeholder=StakeholderFactory(owner=officer))


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
def test_who_may_open_the_edit_form(client, request, commitment, who, status):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("commitments:edit", args=[commitment.pk])).status_code == status


def test_every_member_of_staff_sees_the_commitment_but_only_editors_see_the_actions(
    client, commitment, colleague
):
    page = login(client, colleague).get(commitment.get_absolute_url()).content.decode()
    assert commitment.description in page and "Mark fulfilled" not in page


def test_the_chaser_marks_a_commitment_fulfilled(officer_client, commitment):
    response = officer_client.post(reverse("commitments:fulfil", args=[commitment.pk]))
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.FULFILLED


def test_reopening_a_commitment_says_so(officer_client, commitment):
    officer_client.post(reverse("commitments:fulfil", args=[commitment.pk]))

    response = officer_client.post(reverse("commitments:reopen", args=[commitment.pk]), follow=True)

    assert "Commitment reopened." in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


def test_reopening_an_open_commitment_says_nothing_changed(officer_client, commitment):
    """A second click, or a page left open: it used to say "Commitment reopened." all the same."""
    response = officer_client.post(reverse("commitments:reopen", args=[commitment.pk]), follow=True)

    page = response.content.decode()
    assert "This commitment is already open: nothing changed." in page
    assert "Commitment reopened." not in page


def test_closing_a_commitment_twice_says_the_second_time_changed_nothing(officer_client, commitment):
    officer_client.post(reverse("commitments:fulfil", args=[commitment.pk]))

    response = officer_client.post(reverse("commitments:fulfil", args=[commitment.pk]), follow=True)

    assert "This commitment is already fulfilled: nothing changed." in response.content.decode()


def test_a_cancelled_commitments_page_says_when_it_was_cancelled(officer_client, commitment):
    officer_client.post(reverse("commitments:cancel", args=[commitment.pk]))
    commitment.refresh_from_db()

    page = officer_client.get(commitment.get_absolute_url()).content.decode()

    on = commitment.cancelled_at.astimezone(timezone.get_current_timezone()).strftime("%-d %b %Y")
    assert f"<dt>Cancelled</dt><dd>{on}</dd>" in page


def test_someone_else_cannot_change_its_status(client, commitment, other_officer):
    response = login(client, other_officer).post(reverse("commitments:cancel", args=[commitment.pk]))
    assert response.status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


def test_status_changes_need_a_post(officer_client, commitment):
    assert officer_client.get(reverse("commitments:fulfil", args=[commitment.pk])).status_code == 405


def test_stakeholder_and_organisation_pages_show_open_commitments_with_overdue_ones_in_red(
    officer_client, officer
):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    CommitmentFactory(
        stakeholder=position.stakeholder,
        organisation=position.organisation,
        description="Publish the minutes",
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    CommitmentFactory(
        stakeholder=position.stakeholder,
        organisation=position.organisation,
        description="Already cancelled",
        status=CommitmentStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )

    for url in (position.stakeholder.get_absolute_url(), position.organisation.get_absolute_url()):
        page = officer_client.get(url).content.decode()
        assert "Publish the minutes" in page and "Already cancelled" not in page
        assert 'class="status red">overdue' in page


def test_a_commitment_form_sent_twice_records_one_commitment(officer_client, officer):
    import re

    stakeholder = StakeholderFactory(owner=officer)
    url = reverse("commitments:create") + f"?stakeholder={stakeholder.pk}"
    key = re.search(r'name="submission_key" value="([^"]+)"', officer_client.get(url).content.decode()).group(
        1
    )
    data = {
        "direction": "we_promised",
        "description": "Send the flood-risk survey",
        "stakeholder": stakeholder.pk,
        "owner": officer.pk,
        "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "submission_key": key,
    }

    responses = [officer_client.post(url, data) for _ in range(2)]

    commitment = Commitment.objects.get()
    assert [r.url for r in responses] == [commitment.get_absolute_url()] * 2


def test_a_closed_commitments_edit_page_leads_back_to_it_offering_to_reopen(officer_client, commitment):
    """A fulfilled commitment still offered Edit, and its edit form saved changes."""
    officer_client.post(reverse("commitments:fulfil", args=[commitment.pk]))
    url = reverse("commitments:edit", args=[commitment.pk])

    response = officer_client.get(url, follow=True)

    assert response.redirect_chain == [(commitment.get_absolute_url(), 302)]
    page = response.content.decode()
    assert "This commitment is fulfilled: reopen it to change it." in page
    assert f'href="{url}"' not in page
    assert reverse("commitments:reopen", args=[commitment.pk]) in page

    response = officer_client.post(url, {"description": "Changed", "direction": "we_promised"})
    assert response.status_code == 302 and response.url == commitment.get_absolute_url()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.FULFILLED and commitment.description != "Changed"


@pytest.mark.parametrize("owner_sent", ["nobody", "the leaver"])
def test_editing_a_commitment_whose_chaser_has_left_asks_who_takes_it_over(
    client, manager, colleague, owner_sent
):
    """The picker cannot offer the leaver, so it comes back empty (or, from an old page, naming them): the
    form says who has left instead of "This field is required." or "Select a valid choice"."""
    commitment = CommitmentFactory(owner=colleague, stakeholder=StakeholderFactory(owner=colleague))
    colleague.is_active = False
    colleague.save()

    response = login(client, manager).post(
        reverse("commitments:edit", args=[commitment.pk]),
        {
            "direction": "we_promised",
            "description": "Changed",
            "stakeholder": commitment.stakeholder_id,
            "owner": colleague.pk if owner_sent == "the leaver" else "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == [f"{colleague} has left; choose who takes this over."]
    commitment.refresh_from_db()
    assert commitment.description != "Changed"


def test_a_new_commitment_still_needs_someone_to_chase_it(officer_client, officer):
    response = officer_client.post(
        reverse("commitments:create"),
        {
            "direction": "we_promised",
            "description": "Call back",
            "stakeholder": StakeholderFactory(owner=officer).pk,
        },
    )
    assert response.context["form"].errors["owner"] == ["This field is required."]


def test_a_due_date_moved_on_the_edit_page_is_reported_again_when_missed(officer_client, officer):
    """The form had put the new date on the commitment before the service compared it with the old one,
    so the service never saw a change: the new date, once missed, was never reported."""
    commitment = CommitmentFactory(
        stakeholder=StakeholderFactory(owner=officer), owner=officer, due_on=timezone.localdate()
    )
    Commitment.objects.filter(pk=commitment.pk).update(overdue_notified_at=timezone.now())
    url = reverse("commitments:edit", args=[commitment.pk])
    form = officer_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    response = officer_client.post(url, {**data, "due_on": timezone.localdate() + dt.timedelta(days=7)})

    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.overdue_notified_at is None


def test_the_officer_chasing_a_commitment_hands_it_to_a_colleague_on_its_edit_page(
    officer_client, officer, colleague
):
    """Who may save was asked of the commitment as the form had left it, already the colleague's: the
    officer chasing it was refused (403) with the page they had just been allowed to open."""
    commitment = CommitmentFactory(owner=officer)
    url = reverse("commitments:edit", args=[commitment.pk])
    form = officer_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    assert officer_client.post(url, {**data, "owner": colleague.pk}).status_code == 302

    commitment.refresh_from_db()
    assert commitment.owner == colleague


@pytest.mark.parametrize("had_one", [False, True])
def test_an_edit_fills_a_blank_organisation_only_when_it_clears_the_one_the_commitment_had(
    officer_client, officer, had_one
):
    """The edit page sends every field: a commitment recorded with no organisation was given where its
    stakeholder works now when only its due date was moved."""
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    commitment = CommitmentFactory(
        stakeholder=position.stakeholder,
        owner=officer,
        organisation=OrganisationFactory() if had_one else None,
    )
    url = reverse("commitments:edit", args=[commitment.pk])
    form = officer_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    later = commitment.due_on + dt.timedelta(days=7)

    response = officer_client.post(url, {**data, "organisation": "", "due_on": later})

    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.due_on == later
    assert commitment.organisation == (position.organisation if had_one else None)


def test_the_register_of_an_organisation_includes_its_units_at_any_depth(officer_client):
    """As its card's "All, including departments" link promises: ministry → directorate → unit."""
    ministry = OrganisationFactory(name="Ministry of Transport")
    bridges = OrganisationFactory(name="Bridges Unit", parent=OrganisationFactory(parent=ministry))
    CommitmentFactory(description="Send the load test report", organisation=bridges)
    CommitmentFactory(description="Send the hospital plans", organisation=OrganisationFactory())

    page = officer_client.get(reverse("commitments:list"), {"organisation": ministry.pk, "status": ""})

    assert "Send the load test report" in page.content.decode()
    assert "Send the hospital plans" not in page.content.decode()
