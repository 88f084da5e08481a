import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Affiliation, Organisation, Stakeholder
from meetings.models import ActionItem, ActionStatus

from ..conftest import login
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


@pytest.mark.parametrize(
    "url_name",
    [
        "contacts:stakeholder_list",
        "contacts:organisation_list",
        "contacts:stakeholder_create",
        "contacts:organisation_create",
    ],
)
def test_pages_need_a_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_stakeholder_list_shows_position_last_contact_and_overdue_status(officer_client, officer):
    overdue = StakeholderFactory(
        name="Amina Diallo",
        owner=officer,
        contact_cadence_days=30,
        last_contacted_at=timezone.now() - dt.timedelta(days=45),
    )
    AffiliationFactory(
        stakeholder=overdue, role="Chief Executive", organisation=OrganisationFactory(name="Delta Trust")
    )
    StakeholderFactory(
        name="Ben Carter", owner=officer, last_contacted_at=timezone.now() - dt.timedelta(days=2)
    )

    page = officer_client.get(reverse("contacts:stakeholder_list")).content.decode()

    assert "Amina Diallo" in page and "Chief Executive" in page and "Delta Trust" in page
    assert "Overdue by" in page
    assert "Due in" in page


def test_stakeholder_list_filters_overdue_and_searches(officer_client, officer):
    StakeholderFactory(
        name="Overdue Person", owner=officer, last_contacted_at=timezone.now() - dt.timedelta(days=60)
    )
    StakeholderFactory(name="Fresh Person", owner=officer, last_contacted_at=timezone.now())
    url = reverse("contacts:stakeholder_list")

    overdue_page = officer_client.get(url, {"overdue": "true"}).content.decode()
    assert "Overdue Person" in overdue_page and "Fresh Person" not in overdue_page

    search_page = officer_client.get(url, {"q": "frsh person"}).content.decode()
    assert "Fresh Person" in search_page


def test_stakeholder_list_hides_archived_people_unless_asked(officer_client, officer):
    StakeholderFactory(name="Gone Away", owner=officer, is_archived=True, archived_at=timezone.now())
    url = reverse("contacts:stakeholder_list")
    assert "Gone Away" not in officer_client.get(url).content.decode()
    assert "Gone Away" in officer_client.get(url, {"archived": "true"}).content.decode()


def test_each_active_row_links_to_the_log_form_for_that_stakeholder_and_back_to_the_list(
    officer_client, officer
):
    stakeholder = StakeholderFactory(name="Row Person", owner=officer)
    url = reverse("contacts:stakeholder_list")

    page = officer_client.get(url, {"q": "row", "page": "1"}).content.decode()

    log_url = reverse("interactions:log")
    assert (
        f'href="{log_url}?stakeholder={stakeholder.pk}&amp;next=/stakeholders/%3Fq%3Drow%26page%3D1"' in page
    )
    assert 'aria-label="Log an interaction with Row Person"' in page


def test_archived_rows_have_no_log_link(officer_client, officer):
    StakeholderFactory(name="Gone Away", owner=officer, is_archived=True, archived_at=timezone.now())
    page = officer_client.get(reverse("contacts:stakeholder_list"), {"archived": "true"}).content.decode()
    assert "Gone Away" in page and "Log an interaction with" not in page


def test_htmx_list_request_returns_only_the_rows(officer_client, officer):
    StakeholderFactory(name="Row Person", owner=officer)
    response = officer_client.get(reverse("contacts:stakeholder_list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Row Person" in body and "<html" not in body


def test_stakeholder_page_shows_cultural_notes_timeline_and_follow_ups(officer_client, officer):
    stakeholder = StakeholderFactory(
        owner=officer,
        form_of_address="Chief Adeyemi",
        cultural_notes="Greet the elders first.",
        languages=["yo", "en"],
        time_zone="Africa/Lagos",
    )
    InteractionFactory(
        stakeholders=[stakeholder], logged_by=officer, summary="Site visit", follow_up_on=timezone.localdate()
    )
    body = officer_client.get(stakeholder.get_absolute_url()).content.decode()
    assert "Chief Adeyemi" in body
    assert "Greet the elders first." in body
    assert "Yoruba" in body and "Africa/Lagos" in body
    assert "Site visit" in body
    assert "Open follow-ups" in body


def test_the_open_follow_ups_panel_names_who_chases_each_unless_it_is_the_reader(client, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    due = timezone.localdate()
    InteractionFactory(stakeholders=[stakeholder], logged_by=officer, follow_up_on=due, follow_up_note="Mine")
    InteractionFactory(
        stakeholders=[stakeholder],
        logged_by=officer,
        follow_up_on=due,
        follow_up_note="Theirs",
        follow_up_owner=colleague,
    )
    for reader, named in [(officer, colleague), (colleague, officer)]:
        body = login(client, reader).get(stakeholder.get_absolute_url()).content.decode()
        panel = body[body.index('id="followups-heading"') :]
        panel = panel[: panel.index("</section>")]
        assert panel.count(">by ") == 1 and f'<span class="small muted">by {named}</span>' in panel


def test_the_stakeholder_page_lists_the_actions_they_owe_from_meetings(officer_client, officer):
    """Agreed at a meeting, owned by the stakeholder: the officer preparing a call sees them here, soonest due
    first, overdue marked, each leading to its meeting; done ones and other people's are not listed."""
    guest, other = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    meeting = MeetingFactory(organiser=officer, title="Wharf Lane works")
    today = timezone.localdate()
    owed = [
        ("Send the noise survey", today + dt.timedelta(days=5), ActionStatus.OPEN, guest),
        ("Share the site plan", today - dt.timedelta(days=2), ActionStatus.IN_PROGRESS, guest),
        ("Name a site contact", None, ActionStatus.OPEN, guest),
        ("Book the hall", today, ActionStatus.DONE, guest),
        ("Someone else's task", today, ActionStatus.OPEN, other),
    ]
    for description, due_on, status, owner in owed:
        ActionItem.objects.create(
            meeting=meeting,
            description=description,
            due_on=due_on,
            status=status,
            owner_stakeholder=owner,
            chaser=officer,
            completed_at=timezone.now() if status == ActionStatus.DONE else None,
            created_by=officer,
        )

    body = officer_client.get(guest.get_absolute_url()).content.decode()

    card = body[body.index('id="owed-actions-heading"') :]
    card = card[: card.index("</section>")]
    listed = re.findall(r'#action-\d+">([^<]+)</a>', card)
    assert listed == ["Share the site plan", "Send the noise survey", "Name a site contact"]
    assert "overdue" in card.split("Share the site plan")[0] and "from Wharf Lane works" in card
    # Whom to ask about one, when it is a colleague who chases it.
    assert card.count(f"chased by {officer}") == 3
    assert f'href="{meeting.get_absolute_url()}#action-' in card
    assert (
        'id="owed-actions-heading"'
        not in officer_client.get(StakeholderFactory().get_absolute_url()).content.decode()
    )


def test_timeline_pages_load_older_entries_with_htmx(officer_client, officer, settings):
    settings.TIMELINE_PAGE_SIZE = 2
    stakeholder = StakeholderFactory(owner=officer)
    for days in range(3):
        InteractionFactory(
            stakeholders=[stakeholder],
            logged_by=officer,
            summary=f"Entry {days}",
            occurred_at=timezone.now() - dt.timedelta(days=days + 1),
        )
    first = officer_client.get(stakeholder.get_absolute_url()).content.decode()
    assert "Entry 0" in first and "Entry 1" in first and "Entry 2" not in first and "Show older" in first
    older = officer_client.get(stakeholder.get_absolute_url(), {"page": 2}, headers={"HX-Request": "true"})
    assert "Entry 2" in older.content.decode() and "<html" not in older.content.decode()


def test_officer_creates_a_stakeholder_through_the_form(officer_client, officer):
    response = officer_client.post(
        reverse("contacts:stakeholder_create"),
        {
            "name": "Priya Raman",
            "emails": "Priya@Example.org, p.raman@example.net",
            "owner": officer.pk,
            "languages": ["ta", "en"],
            "time_zone": "Asia/Kolkata",
            "preferred_channel": "video",
            "influence": 4,
            "interest": 5,
            "engagement_level": "involve",
            "contact_cadence_days": 30,
            "tags": "Health, Outreach",
        },
    )
    stakeholder = Stakeholder.objects.get(name="Priya Raman")
    assert response.status_code == 302 and response.url == stakeholder.get_absolute_url()
    assert stakeholder.emails == ["priya@example.org", "p.raman@example.net"]
    assert stakeholder.languages == ["ta", "en"]
    assert {t.name for t in stakeholder.tags.all()} == {"Health", "Outreach"}


def test_bad_stakeholder_form_shows_errors_and_writes_nothing(officer_client, officer):
    response = officer_client.post(
        reverse("contacts:stakeholder_create"),
        {
            "name": "",
            "emails": "not-an-email",
            "owner": officer.pk,
            "influence": 9,
            "interest": 3,
            "engagement_level": "consult",
            "time_zone": "Mars/Olympus",
            "preferred_channel": "email",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"name", "emails", "influence", "time_zone"} <= set(form.errors)
    assert not Stakeholder.objects.exists()


def test_stakeholder_form_names_each_bad_email_and_phone_on_its_own(officer_client, officer):
    """Quoted together, "not-an-email, juma@example" read as the whole field refused, good entries too."""
    response = officer_client.post(
        reverse("contacts:stakeholder_create"),
        {
            "name": "Juma Otieno",
            "emails": "juma@example.org, not-an-email, juma@example",
            "phones": "+254 20 000 0000, abc",
            "owner": officer.pk,
            "influence": 3,
            "interest": 3,
            "engagement_level": "consult",
            "time_zone": "Africa/Nairobi",
            "preferred_channel": "email",
        },
    )
    errors = response.context["form"].errors
    assert errors["emails"] == [
        "“not-an-email” is not an email address.",
        "“juma@example” is not an email address.",
    ]
    assert errors["phones"] == ["“abc” has no digits: it is not a phone number."]
    assert not Stakeholder.objects.exists()


def test_a_phone_stored_without_digits_is_kept_when_anything_else_is_edited(officer_client, officer):
    """An import keeps a phone cell's text as it is; refusing it again on every save would lock the record."""
    stakeholder = StakeholderFactory(owner=officer, phones=["ask at reception", "+44 20 7946 0000"])
    url = reverse("contacts:stakeholder_edit", args=[stakeholder.pk])
    response = officer_client.post(url, _as_the_browser_posts_it(stakeholder, notes="Met at the fair."))
    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert (stakeholder.notes, stakeholder.phones) == (
        "Met at the fair.",
        ["ask at reception", "+44 20 7946 0000"],
    )
    form = _as_the_browser_posts_it(stakeholder, phones="ask at reception, +44 20 7946 0000, withheld")
    errors = officer_client.post(url, form).context["form"].errors
    assert errors["phones"] == ["“withheld” has no digits: it is not a phone number."]


def test_a_stakeholder_contacted_seconds_ago_was_contacted_just_now(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer, name="Ama Owusu")
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        last_contacted_at=timezone.now() - dt.timedelta(seconds=20)
    )

    page = officer_client.get(stakeholder.get_absolute_url()).content.decode()
    listing = officer_client.get(reverse("contacts:stakeholder_list")).content.decode()

    assert "(just now)" in page and "0 minutes" not in page
    assert "just now</time>" in listing and "0 minutes" not in listing


def test_officer_cannot_open_the_edit_form_of_a_colleagues_stakeholder(officer_client, colleague):
    stakeholder = StakeholderFactory(owner=colleague, name="Not Yours")
    assert officer_client.get(reverse("contacts:stakeholder_edit", args=[stakeholder.pk])).status_code == 403
    response = officer_client.post(
        reverse("contacts:stakeholder_edit", args=[stakeholder.pk]), {"name": "Hijacked"}
    )
    assert response.status_code == 403
    assert Stakeholder.objects.get(pk=stakeholder.pk).name == "Not Yours"


def test_archiving_asks_for_confirmation_first(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    url = reverse("contacts:stakeholder_archive", args=[stakeholder.pk])
    confirm = officer_client.get(url)
    assert confirm.status_code == 200 and b"Archive" in confirm.content
    assert not Stakeholder.objects.get(pk=stakeholder.pk).is_archived
    officer_client.post(url)
    assert Stakeholder.objects.get(pk=stakeholder.pk).is_archived


def test_manager_can_archive_their_teams_stakeholder(client, manager, officer):
    stakeholder = StakeholderFactory(owner=officer)
    login(client, manager).post(reverse("contacts:stakeholder_archive", args=[stakeholder.pk]))
    assert Stakeholder.objects.get(pk=stakeholder.pk).is_archived


def test_adding_a_second_current_position(officer_client, officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer), is_primary=True)
    board = OrganisationFactory(name="Harbour Board")
    response = officer_client.post(
        reverse("contacts:affiliation_create", args=[position.stakeholder.pk]),
        {"organisation": board.pk, "role": "Trustee", "start_date": "2024-03-01", "is_primary": ""},
    )
    assert response.status_code == 302
    assert Affiliation.objects.filter(stakeholder=position.stakeholder, end_date__isnull=True).count() == 2


PRIMARY_BADGE = '<span class="badge subtle">primary</span>'


def test_only_a_current_primary_position_among_several_current_ones_is_called_primary(
    officer_client, officer
):
    """A past position counted: someone with one job now and one before read as having a "primary" one."""
    stakeholder = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=stakeholder, role="Chief Engineer")
    AffiliationFactory(stakeholder=stakeholder, role="Site Manager", end_date=dt.date(2023, 12, 31))

    one_now = officer_client.get(stakeholder.get_absolute_url()).content.decode()
    AffiliationFactory(stakeholder=stakeholder, role="Trustee", is_primary=False)
    two_now = officer_client.get(stakeholder.get_absolute_url()).content.decode()

    assert PRIMARY_BADGE not in one_now
    assert two_now.count(PRIMARY_BADGE) == 1
    assert re.search(r"Chief Engineer[^\n]*" + re.escape(PRIMARY_BADGE), two_now)


def test_position_that_ends_before_it_starts_is_refused(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_client.post(
        reverse("contacts:affiliation_create", args=[stakeholder.pk]),
        {"organisation": OrganisationFactory().pk, "start_date": "2024-03-01", "end_date": "2023-01-01"},
    )
    assert response.status_code == 200 and "end_date" in response.context["form"].errors
    assert not Affiliation.objects.exists()


def test_an_archived_stakeholders_page_offers_no_new_concern_or_commitment(officer_client, officer):
    """Both forms refuse an archived stakeholder, so the links only led to an error (the plan's "Add
    objective" and "Schedule a meeting" were already hidden)."""
    active = StakeholderFactory(owner=officer)
    archived = StakeholderFactory(owner=officer, is_archived=True, archived_at=timezone.now())

    def offers(stakeholder):
        page = officer_client.get(stakeholder.get_absolute_url()).content.decode()
        return {
            form
            for form, url in (("concern", "concerns:create"), ("commitment", "commitments:create"))
            if f"{reverse(url)}?stakeholder={stakeholder.pk}" in page
        }

    assert offers(active) == {"concern", "commitment"}
    assert offers(archived) == set()


def test_organisation_page_shows_people_departments_and_their_timeline(officer_client, officer):
    ministry = OrganisationFactory(name="Ministry of Transport", kind="government_agency")
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    minister = AffiliationFactory(organisation=ministry, role="Permanent Secretary").stakeholder
    engineer = AffiliationFactory(organisation=roads, role="Chief Engineer").stakeholder
    InteractionFactory(stakeholders=[engineer], logged_by=officer, summary="Bridge inspection briefing")
    InteractionFactory(stakeholders=[minister], logged_by=officer, summary="Budget round-table")

    body = officer_client.get(ministry.get_absolute_url()).content.decode()

    assert "Permanent Secretary" in body and "Roads Directorate" in body and engineer.name in body
    assert "Bridge inspection briefing" in body and "Budget round-table" in body


def test_organisation_page_shows_the_work_and_people_of_a_unit_two_levels_down(officer_client, officer):
    """Ministry → directorate → unit: the unit's work showed on the directorate's page but not the
    ministry's. The ministry lists its directorate; the unit is listed on the directorate's page."""
    ministry = OrganisationFactory(name="Ministry of Transport")
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    bridges = OrganisationFactory(name="Bridges Unit", parent=roads)
    inspector = StakeholderFactory(name="Kofi Mensah", owner=officer)
    AffiliationFactory(organisation=bridges, stakeholder=inspector, role="Bridge Inspector")
    # Recorded against the unit, with nobody working there: found by the organisation alone.
    outsider = StakeholderFactory(owner=officer)
    InteractionFactory(logged_by=officer, stakeholders=[outsider], organisation=bridges, summary="Load test")
    CommitmentFactory(stakeholder=outsider, organisation=bridges, description="Send the load test report")
    ConcernFactory(stakeholder=outsider, organisation=bridges, title="Cracks in the river bridge")

    response = officer_client.get(ministry.get_absolute_url())
    page = response.content.decode()

    for text in ("Load test", "Send the load test report", "Cracks in the river bridge", "Kofi Mensah"):
        assert text in page
    assert "Bridges Unit, Bridge Inspector" in page
    assert list(response.context["departments"]) == [roads]
    assert list(officer_client.get(roads.get_absolute_url()).context["departments"]) == [bridges]


def test_organisation_timeline_holds_its_peoples_unfiled_work_from_when_they_were_there_not_others_work(
    officer_client, officer
):
    """A council planner who is now also a trustee of the collective: the council's site visit, filed against
    the council, was on the collective's timeline; a former treasurer's calls from her years there were
    not."""
    collective = OrganisationFactory(name="Umoja Women's Savings Collective")
    council = OrganisationFactory(name="Northbridge City Council")
    planner, treasurer = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=planner, organisation=council)
    AffiliationFactory(stakeholder=planner, organisation=collective, role="Trustee", is_primary=False)
    AffiliationFactory(
        stakeholder=treasurer, organisation=collective, end_date=timezone.localdate() - dt.timedelta(days=30)
    )
    long_ago = timezone.now() - dt.timedelta(days=90)
    InteractionFactory(
        logged_by=officer, stakeholders=[planner], organisation=council, summary="Depot site visit"
    )
    InteractionFactory(logged_by=officer, stakeholders=[planner], summary="Call about the trustees meeting")
    InteractionFactory(
        logged_by=officer, stakeholders=[treasurer], occurred_at=long_ago, summary="Audit call"
    )

    page = officer_client.get(collective.get_absolute_url()).content.decode()
    timeline = page[page.index('id="timeline"') :]

    assert "Call about the trustees meeting" in timeline and "Audit call" in timeline
    assert "Depot site visit" not in timeline


def test_a_timeline_entry_says_what_was_agreed_to_follow_up_shortened_when_long(officer_client, officer):
    harbour = OrganisationFactory(name="Harbour Trust")
    stakeholder = StakeholderFactory(owner=officer)
    AffiliationFactory(organisation=harbour, stakeholder=stakeholder)
    long_note = ("Send the pilot budget with the board's comments on every line, " * 3).strip()
    due = timezone.localdate() + dt.timedelta(days=6)
    for note in ["Send the pilot budget", long_note]:
        InteractionFactory(
            stakeholders=[stakeholder], logged_by=officer, follow_up_on=due, follow_up_note=note
        )
    due_text = f"follow up by {due.day} {due:%b}"

    for page in [stakeholder.get_absolute_url(), harbour.get_absolute_url()]:
        timeline = officer_client.get(page).content.decode()
        timeline = timeline[timeline.index('id="timeline"') :]

        assert f'{due_text}</span> — <span class="follow-up-note">Send the pilot budget</span>' in timeline
        shown = re.search(r'<span class="follow-up-note" title="([^"]*)">([^<]*)</span>', timeline)
        full, shortened = (html.unescape(text) for text in shown.groups())
        assert full == long_note
        assert shortened.endswith("…") and len(shortened) == 80 and long_note.startswith(shortened[:-1])


def test_an_organisation_lists_and_counts_the_people_still_on_the_register(officer_client):
    """An archived person was listed among the people there, and counted, though the "All people here"
    list and the relationship map leave them out; someone with two roles there was counted twice."""
    ministry = OrganisationFactory(name="Ministry of Transport")
    roads = OrganisationFactory(name="Roads Directorate", parent=ministry)
    archived = {"is_archived": True, "archived_at": timezone.now()}
    AffiliationFactory(organisation=ministry, stakeholder=StakeholderFactory(name="Ama Owusu"))
    AffiliationFactory(
        organisation=ministry, stakeholder=StakeholderFactory(name="Retired Adviser", **archived)
    )
    engineer = StakeholderFactory(name="Kofi Mensah")
    AffiliationFactory(organisation=roads, stakeholder=engineer, role="Chief Engineer")
    AffiliationFactory(organisation=roads, stakeholder=engineer, role="Safety Lead", is_primary=False)
    AffiliationFactory(organisation=roads, stakeholder=StakeholderFactory(name="Left Engineer", **archived))

    page = officer_client.get(ministry.get_absolute_url()).content.decode()
    listed = officer_client.get(reverse("contacts:organisation_list")).context["page"]

    assert "Ama Owusu" in page and "Kofi Mensah" in page
    assert "Retired Adviser" not in page and "Left Engineer" not in page
    assert "1 person" in page  # the Roads Directorate's: Kofi Mensah, once
    assert {organisation.name: organisation.people_count for organisation in listed} == {
        "Ministry of Transport": 2,  # Ama Owusu, and Kofi Mensah in its directorate
        "Roads Directorate": 1,
    }


def test_cancelling_a_department_begun_on_its_organisations_page_leads_back_there(officer_client):
    ministry = OrganisationFactory(name="Ministry of Transport")
    url = reverse("contacts:organisation_create")

    response = officer_client.get(url, {"parent": ministry.pk})
    cancel = re.search(r'<a class="button" href="([^"]*)">Cancel</a>', response.content.decode()).group(1)

    assert response.context["form"].initial["parent"] == ministry
    assert cancel == ministry.get_absolute_url()
    for nonsense in ("abc", "999999"):
        response = officer_client.get(url, {"parent": nonsense})
        assert response.status_code == 200 and 'href="/organisations/">Cancel' in response.content.decode()


def test_an_organisation_with_nobody_yet_offers_to_add_a_person_there(officer_client):
    harbour = OrganisationFactory(name="Harbour Trust")

    page = officer_client.get(harbour.get_absolute_url()).content.decode()
    add_link = re.search(r'<a class="button small" href="([^"]*)">\+ Add a person</a>', page).group(1)
    form_page = officer_client.get(add_link.replace("&amp;", "&"))

    assert "Nobody recorded here yet." in page
    assert form_page.context["form"].initial["organisation"] == harbour
    assert f'<option value="{harbour.pk}" selected>Harbour Trust</option>' in form_page.content.decode()


def test_an_organisation_with_people_offers_to_add_another(officer_client):
    harbour = OrganisationFactory(name="Harbour Trust")
    AffiliationFactory(organisation=harbour, stakeholder=StakeholderFactory(name="Kofi Mensah"))

    page = officer_client.get(harbour.get_absolute_url()).content.decode()

    assert "Kofi Mensah" in page
    assert f'href="{reverse("contacts:stakeholder_create")}?organisation={harbour.pk}">+ Add a person' in page


@pytest.mark.parametrize("nonsense", ["abc", "999999", "-1", ""])
def test_a_new_person_form_ignores_an_organisation_that_is_not_there(officer_client, nonsense):
    response = officer_client.get(reverse("contacts:stakeholder_create"), {"organisation": nonsense})

    assert response.status_code == 200
    assert response.context["form"].initial["organisation"] is None


def test_a_new_department_starts_as_its_organisations_kind(officer_client):
    ministry = OrganisationFactory(name="Ministry of Transport", kind="government_agency")

    form = officer_client.get(reverse("contacts:organisation_create"), {"parent": ministry.pk}).context[
        "form"
    ]

    assert form.initial["kind"] == "government_agency"
    assert 'value="government_agency" selected' in str(form["kind"])


def test_an_organisation_with_nothing_about_it_says_so_instead_of_an_empty_card(officer_client, officer):
    bare = OrganisationFactory(name="Harbour Trust", website="", address="", notes="")
    described = OrganisationFactory(name="River Board", website="https://river.example.org")
    empty_state = "No website, address, notes or tags recorded yet."

    bare_page = officer_client.get(bare.get_absolute_url()).content.decode()
    described_page = officer_client.get(described.get_absolute_url()).content.decode()

    assert empty_state in bare_page
    assert empty_state not in described_page and "https://river.example.org" in described_page


def test_organisation_form_refuses_a_missing_name(officer_client):
    response = officer_client.post(reverse("contacts:organisation_create"), {"name": "", "kind": "partner"})
    assert "name" in response.context["form"].errors
    assert not Organisation.objects.exists()


def _submission_key(client, url):
    import re

    return re.search(r'name="submission_key" value="([^"]+)"', client.get(url).content.decode()).group(1)


def test_an_organisation_form_sent_twice_adds_one_organisation(officer_client):
    """Back and send again (or a click on a slow page) added the organisation twice."""
    url = reverse("contacts:organisation_create")
    data = {
        "name": "Harbour Trust",
        "kind": "partner",
        "submission_key": _submission_key(officer_client, url),
    }

    officer_client.post(url, data)
    second = officer_client.post(url, data)

    organisation = Organisation.objects.get()
    assert second.status_code == 302 and second.url == organisation.get_absolute_url()


def test_a_position_form_sent_twice_adds_one_position(officer_client, officer):
    """Back and send again added the same position twice to the person's page."""
    stakeholder = StakeholderFactory(owner=officer)
    url = reverse("contacts:affiliation_create", args=[stakeholder.pk])
    data = {
        "organisation": OrganisationFactory().pk,
        "role": "Trustee",
        "submission_key": _submission_key(officer_client, url),
    }

    officer_client.post(url, data)
    second = officer_client.post(url, data)

    assert Affiliation.objects.filter(stakeholder=stakeholder).count() == 1
    assert second.status_code == 302 and second.url == stakeholder.get_absolute_url()


def test_lookup_returns_matching_active_stakeholders(officer_client, officer):
    StakeholderFactory(name="Olumide Bakare", owner=officer)
    StakeholderFactory(name="Olumide Archived", owner=officer, is_archived=True, archived_at=timezone.now())
    body = officer_client.get(
        reverse("contacts:stakeholder_lookup"), {"lookup_q": "olumide"}
    ).content.decode()
    assert "Olumide Bakare" in body and "Olumide Archived" not in body


def test_a_stakeholder_named_like_a_script_is_shown_as_text(officer_client, officer):
    stakeholder = StakeholderFactory(name="<script>alert(1)</script>", owner=officer)
    body = officer_client.get(stakeholder.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def _as_the_browser_posts_it(stakeholder, **changes):
    """The edit form as the page shows it, submitted: a multiple select sends its chosen options in the
    list's order, not the order they were chosen or stored in."""
    from contacts.forms import StakeholderForm
    from contacts.models import LANGUAGE_CHOICES

    form = StakeholderForm(instance=stakeholder)
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(changes)
    order = [code for code, _label in LANGUAGE_CHOICES]
    data["languages"] = sorted(data["languages"], key=order.index)
    return data


def test_saving_the_edit_form_keeps_the_preferred_language_first(officer_client, officer):
    """The first language is the one they prefer (the vCard's LANG;PREF=1); saving the form reordered them
    by the list's order, so Vietnamese-first became English-first. Found by saving a demo stakeholder's
    form unchanged and reading the history."""
    stakeholder = StakeholderFactory(owner=officer, languages=["vi", "en"])
    url = reverse("contacts:stakeholder_edit", args=[stakeholder.pk])

    response = officer_client.post(url, _as_the_browser_posts_it(stakeholder))
    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.languages == ["vi", "en"]

    officer_client.post(url, _as_the_browser_posts_it(stakeholder, languages=["fr", "en", "vi"]))
    stakeholder.refresh_from_db()
    assert stakeholder.languages == ["vi", "en", "fr"]

    officer_client.post(url, _as_the_browser_posts_it(stakeholder, languages=["fr", "en"]))
    stakeholder.refresh_from_db()
    assert stakeholder.languages == ["en", "fr"]


def test_a_second_editor_is_told_instead_of_silently_undoing_the_first(client, officer, manager):
    """Two people open the same stakeholder's form; the officer saves a change, then the manager saves theirs.
    Before, the manager's save put the old preferred hours back without a word."""
    stakeholder = StakeholderFactory(owner=officer, preferred_hours="Any time", notes="")
    url = reverse("contacts:stakeholder_edit", args=[stakeholder.pk])
    opened_by_manager = _as_the_browser_posts_it(stakeholder, notes="Prefers Welsh in writing")

    login(client, officer).post(url, _as_the_browser_posts_it(stakeholder, preferred_hours="Mornings"))
    response = login(client, manager).post(url, opened_by_manager)

    assert response.status_code == 200
    assert "Someone else saved a change to this record" in response.content.decode()
    assert response.context["form"]["notes"].value() == "Prefers Welsh in writing", "typed input is kept"
    stakeholder.refresh_from_db()
    assert (stakeholder.preferred_hours, stakeholder.notes) == ("Mornings", "")

    # Sent again from the page that told them, the manager's version is saved, knowingly.
    again = {**opened_by_manager, "edit_fingerprint": response.context["form"]["edit_fingerprint"].value()}
    assert client.post(url, again).status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.notes == "Prefers Welsh in writing"


def test_a_call_logged_while_the_form_is_open_is_not_a_conflict(officer_client, officer):
    from interactions.services import interaction_log

    stakeholder = StakeholderFactory(owner=officer)
    url = reverse("contacts:stakeholder_edit", args=[stakeholder.pk])
    opened = _as_the_browser_posts_it(stakeholder, preferred_hours="Mornings")

    interaction_log(author=officer, stakeholders=[stakeholder], summary="Quick call", kind="call")

    assert officer_client.post(url, opened).status_code == 302


def test_a_stakeholder_form_sent_twice_adds_one_stakeholder(officer_client, officer):
    """Back and send again (or a click on a slow page) added the person twice."""
    url = reverse("contacts:stakeholder_create")
    data = {
        "name": "Wanjiku Ochieng",
        "owner": officer.pk,
        "languages": ["sw", "en"],
        "time_zone": "Africa/Nairobi",
        "preferred_channel": "phone",
        "influence": 3,
        "interest": 3,
        "engagement_level": "consult",
        "contact_cadence_days": 30,
        "submission_key": _submission_key(officer_client, url),
    }

    officer_client.post(url, data)
    second = officer_client.post(url, data)

    stakeholder = Stakeholder.objects.get()
    assert second.status_code == 302 and second.url == stakeholder.get_absolute_url()


def test_a_stakeholder_added_anyway_after_the_duplicates_warning_is_added_once(officer_client, officer):
    """The duplicates step keeps the form's key: "add a new person" saves, and either step sent again leads
    to the person it saved rather than to a third Wanjiku Ochieng or to the warning."""
    existing = StakeholderFactory(owner=officer, name="Wanjiku Ochieng")
    url = reverse("contacts:stakeholder_create")
    data = {
        "name": "Wanjiku Ochieng",
        "owner": officer.pk,
        "languages": ["sw", "en"],
        "time_zone": "Africa/Nairobi",
        "preferred_channel": "phone",
        "influence": 3,
        "interest": 3,
        "engagement_level": "consult",
        "contact_cadence_days": 30,
        "submission_key": _submission_key(officer_client, url),
    }

    warning = officer_client.post(url, data).content.decode()
    assert "Is this someone already in the register?" in warning
    assert f'value="{data["submission_key"]}"' in warning
    assert Stakeholder.objects.count() == 1

    saved = officer_client.post(url, {**data, "not_a_duplicate": "1"})
    added = Stakeholder.objects.exclude(pk=existing.pk).get()
    assert saved.status_code == 302 and saved.url == added.get_absolute_url()

    for resent in ({**data, "not_a_duplicate": "1"}, data):
        again = officer_client.post(url, resent)
        assert again.status_code == 302 and again.url == added.get_absolute_url()
    assert Stakeholder.objects.count() == 2


def test_a_stakeholders_two_all_links_say_all_of_what(officer_client, officer):
    """Both read 'All →', so a screen reader's list of the page's links could not tell them apart."""
    stakeholder = StakeholderFactory(owner=officer)

    body = officer_client.get(stakeholder.get_absolute_url()).content.decode()

    assert 'aria-label="All commitments">All →</a>' in body
    assert 'aria-label="All concerns">All →</a>' in body


def test_editing_a_stakeholder_whose_owner_has_left_asks_who_takes_them_over(client, manager, colleague):
    """The owner picker cannot offer the leaver: it comes back empty, and the form names who has left."""
    stakeholder = StakeholderFactory(owner=colleague)
    colleague.is_active = False
    colleague.save()

    data = _as_the_browser_posts_it(stakeholder, owner="", notes="Changed")
    response = login(client, manager).post(reverse("contacts:stakeholder_edit", args=[stakeholder.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == [f"{colleague} has left; choose who takes this over."]
    stakeholder.refresh_from_db()
    assert stakeholder.notes != "Changed"


def test_an_owner_hands_their_stakeholder_to_a_colleague_on_the_edit_page(officer_client, officer, colleague):
    """Who may save was asked of the stakeholder as the form had left it, already the colleague's: the
    owner was refused (403) with the page they had just been allowed to open."""
    stakeholder = StakeholderFactory(owner=officer)

    response = officer_client.post(
        reverse("contacts:stakeholder_edit", args=[stakeholder.pk]),
        _as_the_browser_posts_it(stakeholder, owner=colleague.pk),
    )

    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.owner == colleague
