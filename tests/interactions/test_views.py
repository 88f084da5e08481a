import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import service_account_create
from interactions.models import Interaction

from ..conftest import login
from ..factories import CommitmentFactory, InteractionFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def log_data(*stakeholders, **overrides):
    data = {
        "kind": "call",
        "direction": "outbound",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "stakeholders": [s.pk for s in stakeholders],
        "summary": "Discussed the funding timetable",
        "outcome": "Agreed to share the draft",
        "sentiment": "1",
        "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "follow_up_note": "Send the draft",
        "topics": "Funding",
    }
    data.update(overrides)
    return data


def test_officer_logs_an_interaction_from_the_log_page(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_client.post(reverse("interactions:log"), log_data(stakeholder))
    interaction = Interaction.objects.get()
    assert response.status_code == 302 and response.url == interaction.get_absolute_url()
    assert interaction.logged_by == officer
    assert list(interaction.stakeholders.all()) == [stakeholder]
    assert [t.name for t in interaction.topics.all()] == ["Funding"]
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at == interaction.occurred_at


def test_the_log_page_and_a_stakeholders_page_both_start_the_kind_at_call_with_no_blank_choice(
    officer_client, officer
):
    stakeholder = StakeholderFactory(owner=officer, preferred_channel="phone")
    call_first = '<select name="kind" id="id_kind"><option value="call" selected>Call</option>'

    for page in [reverse("interactions:log"), stakeholder.get_absolute_url()]:
        body = officer_client.get(page).content.decode()

        assert call_first in body


def test_a_service_account_is_neither_offered_nor_taken_as_present(officer_client, officer, colleague):
    tool = service_account_create(username="events-sync", actor=None)
    stakeholder = StakeholderFactory(owner=officer)
    offered = officer_client.get(reverse("interactions:log")).context["form"].fields["staff_present"].queryset

    refused = officer_client.post(reverse("interactions:log"), log_data(stakeholder, staff_present=[tool.pk]))
    officer_client.post(reverse("interactions:log"), log_data(stakeholder, staff_present=[colleague.pk]))

    assert colleague in offered and tool not in offered
    assert refused.status_code == 200 and "staff_present" in refused.context["form"].errors
    assert Interaction.objects.get().staff_present.get() == colleague


def test_a_service_account_already_present_stays_offered_when_the_interaction_is_edited(
    officer_client, officer
):
    tool = service_account_create(username="events-sync", actor=None)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[StakeholderFactory(owner=officer)])
    interaction.staff_present.add(tool)

    form = officer_client.get(reverse("interactions:edit", args=[interaction.pk])).context["form"]

    assert tool in form.fields["staff_present"].queryset


def test_a_colleague_who_has_left_stays_present_when_the_interaction_is_edited(officer_client, officer):
    leaver = UserFactory(first_name="Kofi", last_name="Mensah", is_active=False)
    interaction = InteractionFactory(logged_by=officer, stakeholders=[StakeholderFactory(owner=officer)])
    interaction.staff_present.add(leaver)

    page = officer_client.get(reverse("interactions:edit", args=[interaction.pk])).content.decode()

    assert f'<option value="{leaver.pk}" selected>Kofi Mensah (left)</option>' in page


def test_inline_log_on_the_stakeholder_page_returns_a_fresh_form_and_the_new_timeline(
    officer_client, officer
):
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_client.post(
        reverse("interactions:log") + f"?stakeholder={stakeholder.pk}",
        log_data(stakeholder, summary="Quick call about permits"),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in body and "Quick call about permits" in body
    assert "<html" not in body


def _card(body, card_id):
    """The stakeholder page's card of that id, up to its end."""
    card = body[body.index(f'id="{card_id}"') :]
    return card[: card.index("</section>")]


def test_inline_log_redraws_the_cards_it_changed_last_contact_open_follow_ups_and_health(
    officer_client, officer
):
    stakeholder = StakeholderFactory(owner=officer, last_contacted_at=timezone.now() - dt.timedelta(days=45))
    due = timezone.localdate() + dt.timedelta(days=7)

    response = officer_client.post(
        reverse("interactions:log") + f"?stakeholder={stakeholder.pk}",
        log_data(stakeholder, follow_up_on=due.isoformat(), follow_up_note="Send the pilot budget"),
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    relationship = _card(body, "relationship-card")
    assert 'hx-swap-oob="true"' in relationship
    assert timezone.localdate().strftime("%-d %b %Y") in relationship and "Overdue" not in relationship
    follow_ups = _card(body, "follow-ups-card")
    assert 'hx-swap-oob="true"' in follow_ups and " hidden" not in follow_ups
    assert "Send the pilot budget" in follow_ups and due.strftime("%-d %b") in follow_ups
    health = _card(body, "health-card")
    assert 'hx-swap-oob="true"' in health and "On time." in health


def test_a_log_sent_from_a_stakeholders_page_returns_to_that_page(officer_client, officer):
    stakeholder, colleague_of_theirs = StakeholderFactory(owner=officer), StakeholderFactory()
    response = officer_client.post(
        reverse("interactions:log"),
        log_data(colleague_of_theirs, stakeholder, from_stakeholder=stakeholder.pk),
    )
    assert response.status_code == 302
    assert response.url == stakeholder.get_absolute_url()


def test_a_log_sent_from_a_stakeholders_page_without_them_still_returns_to_it(officer_client, officer):
    # The officer took the page's stakeholder off the form and logged with someone else.
    stakeholder, someone_else = StakeholderFactory(owner=officer), StakeholderFactory()
    response = officer_client.post(
        reverse("interactions:log"), log_data(someone_else, from_stakeholder=stakeholder.pk)
    )
    assert response.status_code == 302
    assert response.url == stakeholder.get_absolute_url()
    assert list(Interaction.objects.get().stakeholders.all()) == [someone_else]


def test_a_log_with_errors_sent_from_a_stakeholders_page_is_shown_again_for_that_page(
    officer_client, officer
):
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_client.post(
        reverse("interactions:log"), log_data(stakeholder, summary="", from_stakeholder=stakeholder.pk)
    )
    assert response.status_code == 200
    assert response.context["stakeholder"] == stakeholder
    assert response.context["form"].errors["summary"]
    assert not Interaction.objects.exists()


def test_log_form_opened_from_a_list_row_has_that_stakeholder_chosen(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    response = officer_client.get(
        reverse("interactions:log"), {"stakeholder": stakeholder.pk, "next": "/stakeholders/?page=2"}
    )
    assert response.context["form"]["stakeholders"].value() == [stakeholder.pk]


@pytest.mark.parametrize(
    ("channel", "kind"),
    [
        ("phone", "call"),
        ("email", "email"),
        ("in_person", "meeting"),
        ("video", "meeting"),
        ("message", "message"),
        ("letter", "letter"),
    ],
)
def test_log_form_for_a_stakeholder_starts_with_the_kind_they_prefer(officer_client, officer, channel, kind):
    stakeholder = StakeholderFactory(owner=officer, preferred_channel=channel)
    response = officer_client.get(reverse("interactions:log"), {"stakeholder": stakeholder.pk})
    assert response.context["form"]["kind"].value() == kind


def test_log_form_on_the_stakeholder_page_starts_with_the_kind_they_prefer(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer, preferred_channel="message")
    response = officer_client.get(stakeholder.get_absolute_url())
    assert response.context["log_form"]["kind"].value() == "message"


def test_log_form_for_nobody_in_particular_starts_with_a_call(officer_client):
    response = officer_client.get(reverse("interactions:log"))
    assert response.context["form"]["kind"].value() == "call"


def test_logging_from_a_list_row_goes_back_to_the_list_as_it_was_with_the_message(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    back = "/stakeholders/?q=okafor&page=2"
    url = (
        reverse("interactions:log")
        + f"?stakeholder={stakeholder.pk}&next=%2Fstakeholders%2F%3Fq%3Dokafor%26page%3D2"
    )

    response = officer_client.post(url, log_data(stakeholder), follow=False)

    assert response.status_code == 302 and response.url == back
    followed = officer_client.get(back)
    assert "Interaction logged." in followed.content.decode()
    stakeholder.refresh_from_db()
    assert stakeholder.last_contacted_at == Interaction.objects.get().occurred_at


def test_logging_with_another_sites_next_lands_on_the_stakeholder(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    url = reverse("interactions:log") + f"?stakeholder={stakeholder.pk}&next=https://evil.example/"
    response = officer_client.post(url, log_data(stakeholder))
    assert response.status_code == 302 and response.url == stakeholder.get_absolute_url()


def test_bad_log_input_shows_errors_and_writes_nothing(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = officer_client.post(
        reverse("interactions:log"), log_data(stakeholder, occurred_at=future, summary="", sentiment="7")
    )
    assert response.status_code == 200
    assert {"summary", "sentiment"} <= set(response.context["form"].errors)
    response = officer_client.post(reverse("interactions:log"), log_data(stakeholder, occurred_at=future))
    assert "occurred_at" in response.context["form"].errors
    response = officer_client.post(reverse("interactions:log"), log_data(stakeholder, stakeholders=[]))
    assert "stakeholders" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_a_time_in_the_future_is_refused_with_the_forms_other_errors_not_after_them(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = officer_client.post(
        reverse("interactions:log"), log_data(stakeholder, occurred_at=future, summary="")
    )
    errors = response.context["form"].errors
    assert set(errors) == {"summary", "occurred_at"}
    assert errors["occurred_at"] == ["An interaction is logged after it happens: this time is in the future."]
    assert not Interaction.objects.exists()


def test_the_interaction_page_lists_the_commitments_made_during_it(officer_client, officer):
    """It offers "Record a commitment", and the commitment keeps it as its source, but the page never showed
    what had been promised there."""
    stakeholder = StakeholderFactory(owner=officer)
    call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    made = CommitmentFactory(stakeholder=stakeholder, source_interaction=call, description="Share the survey")
    CommitmentFactory(stakeholder=stakeholder, description="Promised on another day")

    body = officer_client.get(call.get_absolute_url()).content.decode()

    assert f'<a href="{made.get_absolute_url()}">Share the survey</a>' in body
    assert "Promised on another day" not in body


def test_colleagues_confidential_interaction_is_not_found(officer_client, colleague):
    secret = InteractionFactory(logged_by=colleague, is_confidential=True, summary="Sensitive matter")
    assert officer_client.get(secret.get_absolute_url()).status_code == 404
    stakeholder = secret.stakeholders.get()
    assert "Sensitive matter" not in officer_client.get(stakeholder.get_absolute_url()).content.decode()


def test_manager_of_the_team_reads_the_confidential_interaction(client, manager, colleague):
    secret = InteractionFactory(logged_by=colleague, is_confidential=True, summary="Sensitive matter")
    assert "Sensitive matter" in login(client, manager).get(secret.get_absolute_url()).content.decode()


def test_officer_cannot_edit_or_delete_a_colleagues_interaction(officer_client, colleague):
    interaction = InteractionFactory(logged_by=colleague, summary="Original")
    assert officer_client.get(reverse("interactions:edit", args=[interaction.pk])).status_code == 403
    assert officer_client.post(reverse("interactions:delete", args=[interaction.pk])).status_code == 403
    assert Interaction.objects.get(pk=interaction.pk).summary == "Original"


def test_deleting_an_interaction_returns_to_the_timeline_it_was_on(officer_client, officer):
    interaction = InteractionFactory(logged_by=officer)
    stakeholder = interaction.stakeholders.get()
    response = officer_client.post(reverse("interactions:delete", args=[interaction.pk]), follow=True)
    assert response.redirect_chain == [(stakeholder.get_absolute_url(), 302)]
    assert "Interaction deleted." in response.content.decode()
    assert not Interaction.objects.filter(pk=interaction.pk).exists()


def test_author_edits_their_interaction(officer_client, officer):
    interaction = InteractionFactory(logged_by=officer)
    stakeholder = interaction.stakeholders.get()
    response = officer_client.post(
        reverse("interactions:edit", args=[interaction.pk]),
        log_data(stakeholder, summary="Corrected summary"),
    )
    assert response.status_code == 302
    assert Interaction.objects.get(pk=interaction.pk).summary == "Corrected summary"


def test_saving_the_form_as_it_stands_keeps_the_seconds_it_was_logged_with(officer_client, officer):
    logged_at = timezone.now().replace(second=42, microsecond=123456) - dt.timedelta(hours=3)
    interaction = InteractionFactory(logged_by=officer, occurred_at=logged_at)
    stakeholder = interaction.stakeholders.get()
    shown = timezone.localtime(logged_at).strftime("%Y-%m-%dT%H:%M")

    officer_client.post(
        reverse("interactions:edit", args=[interaction.pk]),
        log_data(stakeholder, occurred_at=shown, summary=interaction.summary),
    )
    interaction.refresh_from_db()
    assert interaction.occurred_at == logged_at

    later = timezone.localtime(logged_at + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    officer_client.post(
        reverse("interactions:edit", args=[interaction.pk]), log_data(stakeholder, occurred_at=later)
    )
    interaction.refresh_from_db()
    assert interaction.occurred_at == (logged_at + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)


def test_clearing_the_date_of_a_done_follow_up_shows_why_under_the_date_and_changes_nothing(
    officer_client, officer
):
    done_on = timezone.localdate()
    interaction = InteractionFactory(
        logged_by=officer, follow_up_on=done_on, follow_up_done_at=timezone.now(), summary="Original"
    )
    stakeholder = interaction.stakeholders.get()
    response = officer_client.post(
        reverse("interactions:edit", args=[interaction.pk]),
        log_data(stakeholder, summary="Changed", follow_up_on=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "follow_up_on": ["This follow-up is done: keep its due date, or reopen it before clearing the date."]
    }
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.follow_up_on) == ("Original", done_on)


def test_my_follow_ups_lists_overdue_first_and_marks_one_done(officer_client, officer, colleague):
    today = timezone.localdate()
    later = InteractionFactory(
        logged_by=officer, follow_up_on=today + dt.timedelta(days=3), follow_up_note="Later one"
    )
    InteractionFactory(
        logged_by=officer, follow_up_on=today - dt.timedelta(days=2), follow_up_note="Overdue one"
    )
    InteractionFactory(logged_by=colleague, follow_up_on=today, follow_up_note="Someone else's")

    body = officer_client.get(reverse("interactions:follow_ups")).content.decode()
    assert body.index("Overdue one") < body.index("Later one")
    assert "Someone else" not in body

    response = officer_client.post(
        reverse("interactions:follow_up_toggle", args=[later.pk]),
        {"done": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Undo" in response.content.decode()
    assert Interaction.objects.get(pk=later.pk).follow_up_done_at is not None


def test_follow_up_toggle_only_accepts_post(officer_client, officer):
    interaction = InteractionFactory(logged_by=officer, follow_up_on=timezone.localdate())
    assert (
        officer_client.get(reverse("interactions:follow_up_toggle", args=[interaction.pk])).status_code == 405
    )


def _submission_key(page: str) -> str:
    import re

    return re.search(r'name="submission_key" value="([^"]+)"', page).group(1)


def test_a_log_form_sent_twice_logs_once_and_the_second_copy_lands_on_the_first(officer_client, officer):
    """A double click, or Back and send again: the form's key names the submission."""
    stakeholder = StakeholderFactory(owner=officer)
    key = _submission_key(officer_client.get(reverse("interactions:log")).content.decode())
    data = log_data(stakeholder, submission_key=key)

    first = officer_client.post(reverse("interactions:log"), data)
    second = officer_client.post(reverse("interactions:log"), data, follow=True)

    interaction = Interaction.objects.get()
    assert first.url == interaction.get_absolute_url()
    assert second.redirect_chain == [(interaction.get_absolute_url(), 302)]
    assert "already sent, and saved once" in second.content.decode()


def test_a_form_sent_back_with_errors_keeps_its_key_and_saves_once_corrected(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    key = _submission_key(officer_client.get(reverse("interactions:log")).content.decode())
    refused = officer_client.post(
        reverse("interactions:log"), log_data(stakeholder, summary="", submission_key=key)
    )
    assert _submission_key(refused.content.decode()) == key

    for _ in range(2):
        officer_client.post(reverse("interactions:log"), log_data(stakeholder, submission_key=key))

    assert Interaction.objects.count() == 1


def test_an_inline_log_whose_stakeholder_went_meanwhile_leads_to_the_interaction(
    officer_client, officer, monkeypatch
):
    """Merged into another record between the log and the page's cards being read again."""
    stakeholder = StakeholderFactory(owner=officer)
    monkeypatch.setattr("interactions.views.stakeholder_for_page", lambda user, pk: None)
    url = reverse("interactions:log") + f"?stakeholder={stakeholder.pk}"

    response = officer_client.post(url, log_data(stakeholder), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == Interaction.objects.get().get_absolute_url()


def test_the_inline_log_sent_twice_logs_once_and_its_fresh_form_logs_the_next_one(officer_client, officer):
    stakeholder = StakeholderFactory(owner=officer)
    key = _submission_key(officer_client.get(stakeholder.get_absolute_url()).content.decode())
    url = reverse("interactions:log") + f"?stakeholder={stakeholder.pk}"
    htmx = {"HX-Request": "true"}

    first = officer_client.post(url, log_data(stakeholder, submission_key=key), headers=htmx)
    again = officer_client.post(url, log_data(stakeholder, submission_key=key), headers=htmx)

    assert Interaction.objects.count() == 1
    assert again["HX-Redirect"] == stakeholder.get_absolute_url()
    fresh_key = _submission_key(first.content.decode())
    assert fresh_key != key
    officer_client.post(
        url, log_data(stakeholder, summary="Next call", submission_key=fresh_key), headers=htmx
    )
    assert Interaction.objects.count() == 2
