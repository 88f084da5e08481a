"""A follow-up's owner chases it: whoever logged the interaction, or the colleague they named. Who logged it
stays a fact; the owner is who My day, the lists and the handover go by."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from interactions import services
from interactions.forms import InteractionForm
from interactions.models import Interaction

from ..conftest import login
from ..factories import StakeholderFactory, UserFactory
from .test_views import log_data

pytestmark = pytest.mark.django_db


def next_week() -> dt.date:
    # Read when a test runs: a suite started before midnight would otherwise date follow-ups a day early.
    return timezone.localdate() + dt.timedelta(days=7)


def log(author, stakeholders, **fields):
    fields.setdefault("kind", "call")
    fields.setdefault("summary", "Agreed the next steps")
    return services.interaction_log(author=author, stakeholders=stakeholders, **fields)


def owner_of(interaction):
    return Interaction.objects.values_list("follow_up_owner", flat=True).get(pk=interaction.pk)


# --- the services -----------------------------------------------------------------------------------------


def test_the_author_owns_the_follow_up_they_agree(officer):
    interaction = log(officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week())
    assert owner_of(interaction) == officer.pk


def test_an_interaction_without_a_follow_up_has_no_owner(officer):
    assert owner_of(log(officer, [StakeholderFactory(owner=officer)])) is None


def test_an_officer_gives_the_follow_up_to_a_colleague_and_still_logged_it(officer, other_officer):
    interaction = log(
        officer,
        [StakeholderFactory(owner=officer)],
        follow_up_on=next_week(),
        follow_up_note="Priya sends the draft",
        follow_up_owner=other_officer,
    )
    interaction.refresh_from_db()
    assert (interaction.follow_up_owner, interaction.logged_by) == (other_officer, officer)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_active": False}, "cannot follow this up"),
        ({"is_service_account": True}, "cannot follow this up"),
    ],
)
def test_only_an_active_colleague_may_be_given_a_follow_up(officer, team, change, reason):
    chosen = UserFactory(team=team, **change)
    with pytest.raises(ValidationError) as refusal:
        log(officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=chosen)
    assert reason in refusal.value.message_dict["follow_up_owner"][0]
    assert not Interaction.objects.exists()


def test_an_owner_needs_a_follow_up_date(officer, colleague):
    with pytest.raises(ValidationError) as refusal:
        log(officer, [StakeholderFactory(owner=officer)], follow_up_owner=colleague)
    assert "date" in refusal.value.message_dict["follow_up_owner"][0]
    assert not Interaction.objects.exists()


def test_an_edit_keeps_the_owner_unless_it_names_another(officer, colleague, manager):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=colleague
    )
    services.interaction_update(interaction=interaction, actor=manager, summary="Agreed the timetable")
    assert owner_of(interaction) == colleague.pk
    services.interaction_update(interaction=interaction, actor=officer, follow_up_owner=None)
    assert owner_of(interaction) == officer.pk  # "Me": whoever makes the change takes it on


def test_a_follow_up_set_later_is_chased_by_whoever_sets_it(officer, manager):
    interaction = log(officer, [StakeholderFactory(owner=officer)])
    services.interaction_update(interaction=interaction, actor=manager, follow_up_on=next_week())
    assert owner_of(interaction) == manager.pk


def test_clearing_the_follow_up_clears_its_owner(officer, colleague):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=colleague
    )
    services.interaction_update(interaction=interaction, actor=officer, follow_up_on=None)
    assert owner_of(interaction) is None


def test_a_done_follow_up_keeps_the_owner_who_did_it(officer, colleague):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=colleague
    )
    services.follow_up_complete(interaction=interaction, actor=colleague)
    interaction.refresh_from_db()
    assert interaction.follow_up_done_at is not None and interaction.follow_up_owner == colleague


# --- the constraint, in every state -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "holds"),
    [
        ({}, True),  # no follow-up, no owner
        ({"follow_up_on": "soon", "follow_up_owner": "author"}, True),  # open
        ({"follow_up_on": "soon", "follow_up_owner": "author", "follow_up_done_at": "now"}, True),  # done
        ({"follow_up_on": "soon"}, False),  # open, nobody chases it
        ({"follow_up_on": "soon", "follow_up_done_at": "now"}, False),  # done, by nobody
        ({"follow_up_owner": "author"}, False),  # cleared, an owner left behind
    ],
)
def test_the_database_keeps_an_owner_on_every_follow_up_and_none_without(officer, fields, holds):
    author = officer
    values = {
        name: {"author": author, "now": timezone.now(), "soon": next_week()}.get(value, value)
        for name, value in fields.items()
    }
    row = Interaction(kind="call", summary="Row", logged_by=author, **values)
    if holds:
        row.save()
    else:
        with pytest.raises(IntegrityError, match="interaction_follow_up_has_owner"), transaction.atomic():
            row.save()


# --- who may see and close it -----------------------------------------------------------------------------


def test_the_owner_sees_a_confidential_interaction_they_were_asked_to_follow_up(officer, other_officer):
    stakeholder = StakeholderFactory(owner=officer)
    hidden = log(officer, [stakeholder], is_confidential=True)
    shared = log(
        officer, [stakeholder], is_confidential=True, follow_up_on=next_week(), follow_up_owner=other_officer
    )
    visible = set(Interaction.objects.visible_to(other_officer).values_list("pk", flat=True))
    assert shared.pk in visible and hidden.pk not in visible


def test_the_owners_manager_sees_and_closes_it(client, officer, other_officer, other_manager):
    interaction = log(
        officer,
        [StakeholderFactory(owner=officer)],
        is_confidential=True,
        follow_up_on=next_week(),
        follow_up_owner=other_officer,
    )
    assert Interaction.objects.visible_to(other_manager).filter(pk=interaction.pk).exists()
    login(client, other_manager)
    response = client.post(reverse("interactions:follow_up_toggle", args=[interaction.pk]))
    assert response.status_code == 302
    assert Interaction.objects.get(pk=interaction.pk).follow_up_done_at is not None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("other_officer", True),  # the owner
        ("other_manager", True),  # the owner's manager
        ("officer", True),  # who logged it
        ("manager", True),  # the author's manager
        ("colleague", False),
    ],
)
def test_the_owner_their_managers_and_the_author_mark_a_follow_up_done(
    request, officer, other_officer, who, allowed
):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=other_officer
    )
    actor = request.getfixturevalue(who)
    if allowed:
        services.follow_up_complete(interaction=interaction, actor=actor)
        assert Interaction.objects.get(pk=interaction.pk).follow_up_done_at is not None
    else:
        with pytest.raises(PermissionDenied):
            services.follow_up_complete(interaction=interaction, actor=actor)


def test_the_owner_may_close_the_follow_up_but_not_edit_the_interaction(officer, other_officer):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=other_officer
    )
    with pytest.raises(PermissionDenied):
        services.interaction_update(interaction=interaction, actor=other_officer, summary="Changed")


# --- the pages --------------------------------------------------------------------------------------------


def test_the_log_form_gives_the_follow_up_to_a_colleague(client, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    response = login(client, officer).post(
        reverse("interactions:log"), log_data(stakeholder, follow_up_owner=colleague.pk)
    )
    assert response.status_code == 302
    assert Interaction.objects.get().follow_up_owner == colleague


def test_the_log_form_leaves_it_to_the_author_by_default(client, officer):
    login(client, officer).post(reverse("interactions:log"), log_data(StakeholderFactory(owner=officer)))
    assert Interaction.objects.get().follow_up_owner == officer


def test_the_log_form_drops_the_owner_when_the_date_is_cleared(client, officer, colleague):
    data = log_data(StakeholderFactory(owner=officer), follow_up_on="", follow_up_owner=colleague.pk)
    login(client, officer).post(reverse("interactions:log"), data)
    assert Interaction.objects.get().follow_up_owner is None


def test_a_colleague_who_has_left_is_a_field_error_on_the_form(client, officer, team):
    gone = UserFactory(team=team, is_active=False)
    data = log_data(StakeholderFactory(owner=officer), follow_up_owner=gone.pk)
    response = login(client, officer).post(reverse("interactions:log"), data)
    assert response.status_code == 200
    assert "follow_up_owner" in response.context["form"].errors
    assert not Interaction.objects.exists()


def follow_up_picker(page) -> str:
    return re.search(r'<select name="follow_up_owner".*?</select>', page.content.decode(), re.S).group(0)


def test_the_log_form_lists_the_officer_logging_once_as_me(client, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    picker = follow_up_picker(
        login(client, officer).get(reverse("interactions:log"), {"stakeholder": stakeholder.pk})
    )
    assert '<option value="" selected>Me</option>' in picker
    assert f'value="{officer.pk}"' not in picker and str(officer) not in picker
    assert f'<option value="{colleague.pk}">{colleague}</option>' in picker
    # Their own id, sent anyway (a page left open from before), still means them.
    response = client.post(reverse("interactions:log"), log_data(stakeholder, follow_up_owner=officer.pk))
    assert response.status_code == 302 and Interaction.objects.get().follow_up_owner == officer


def test_the_log_forms_follow_up_picker_reads_the_staff_once(officer, colleague, django_assert_num_queries):
    form = InteractionForm.for_new(user=officer, stakeholder=StakeholderFactory(owner=officer))
    # Django's select asks for its first option before it writes them all: the same list, not a second query.
    with django_assert_num_queries(1):
        picker = str(form["follow_up_owner"])
    assert f'<option value="{colleague.pk}">{colleague}</option>' in picker


def test_the_edit_form_shows_the_editors_own_follow_up_as_me_and_keeps_it(client, officer, colleague):
    interaction = log(officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week())
    login(client, officer)
    picker = follow_up_picker(client.get(reverse("interactions:edit", args=[interaction.pk])))
    assert '<option value="" selected>Me</option>' in picker and f'value="{officer.pk}"' not in picker
    data = log_data(*interaction.stakeholders.all(), follow_up_on=next_week().isoformat())
    assert client.post(reverse("interactions:edit", args=[interaction.pk]), data).status_code == 302
    assert owner_of(interaction) == officer.pk


def test_the_edit_form_keeps_the_colleague_chosen(client, officer, colleague):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=colleague
    )
    page = login(client, officer).get(reverse("interactions:edit", args=[interaction.pk]))
    assert f'<option value="{colleague.pk}" selected>' in page.content.decode()


def test_an_edit_leaves_the_follow_up_with_a_colleague_who_has_left(client, officer, colleague):
    # As a PATCH without `follow_up_owner` does: moving it is a handover's or an explicit choice, not a
    # side effect of correcting the summary.
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=colleague
    )
    colleague.is_active = False
    colleague.save()
    login(client, officer)
    page = client.get(reverse("interactions:edit", args=[interaction.pk]))
    assert f'<option value="{colleague.pk}" selected>' in page.content.decode()
    data = log_data(*interaction.stakeholders.all(), follow_up_on=next_week().isoformat())
    data["follow_up_owner"] = colleague.pk
    response = client.post(reverse("interactions:edit", args=[interaction.pk]), data)
    assert response.status_code == 302
    assert owner_of(interaction) == colleague.pk


def test_the_colleagues_my_day_and_follow_ups_list_it_and_the_authors_do_not(client, officer, colleague):
    log(
        officer,
        [StakeholderFactory(owner=officer)],
        follow_up_on=timezone.localdate(),
        follow_up_note="Priya sends the draft",
        follow_up_owner=colleague,
    )
    for url in (reverse("dashboards:my_day"), reverse("interactions:follow_ups")):
        assert "Priya sends the draft" in login(client, colleague).get(url).content.decode()
        assert "Priya sends the draft" not in login(client, officer).get(url).content.decode()


def test_the_owner_closes_it_from_their_list(client, officer, colleague):
    interaction = log(
        officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week(), follow_up_owner=colleague
    )
    response = login(client, colleague).post(
        reverse("interactions:follow_up_toggle", args=[interaction.pk]), {"done": "1"}
    )
    assert response.status_code == 302
    assert Interaction.objects.get(pk=interaction.pk).follow_up_done_at is not None


def test_the_timeline_and_the_interaction_page_name_an_owner_who_did_not_log_it(client, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    theirs = log(officer, [stakeholder], follow_up_on=next_week(), follow_up_owner=colleague)
    log(officer, [stakeholder], follow_up_on=next_week())
    login(client, officer)
    timeline = client.get(stakeholder.get_absolute_url()).content.decode()
    assert timeline.count(f"(by {colleague})") == 1
    page = client.get(theirs.get_absolute_url()).content.decode()
    assert f"Followed up by {colleague}" in page


def test_the_follow_up_owner_is_kept_in_the_interactions_history(officer, colleague):
    interaction = log(officer, [StakeholderFactory(owner=officer)], follow_up_on=next_week())
    services.interaction_update(interaction=interaction, actor=officer, follow_up_owner=colleague)
    events = interaction.events.order_by("pgh_id").values_list("pgh_label", "follow_up_owner")
    assert list(events) == [("insert", officer.pk), ("update", colleague.pk)]


def test_the_export_names_the_owner_and_filters_by_them(client, officer, colleague):
    stakeholder = StakeholderFactory(owner=officer)
    log(officer, [stakeholder], summary="Theirs", follow_up_on=next_week(), follow_up_owner=colleague)
    log(officer, [stakeholder], summary="Mine", follow_up_on=next_week())
    response = login(client, colleague).get(
        reverse("dashboards:export", args=["interactions"]), {"follow_up_owner": colleague.pk}
    )
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert "Follow-up owner" in lines[0]
    assert len(lines) == 2 and "Theirs" in lines[1] and str(colleague) in lines[1]
