"""InteractionFilterSet filters what the user may already see; the pages can use it as the API does."""

import datetime as dt

import pytest
from django.utils import timezone

from interactions.filtersets import InteractionFilterSet
from interactions.models import Interaction

from ..factories import AffiliationFactory, InteractionFactory, OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def filtered(user, **params):
    queryset = Interaction.objects.visible_to(user)
    return set(InteractionFilterSet(params, queryset=queryset).qs.values_list("pk", flat=True))


def test_search_finds_only_what_the_user_may_see(officer, colleague):
    secret = InteractionFactory(logged_by=colleague, is_confidential=True, summary="Merger talks")
    open_one = InteractionFactory(logged_by=officer, summary="Merger briefing")
    assert filtered(officer, q="merger") == {open_one.pk}
    assert filtered(colleague, q="merger") == {secret.pk, open_one.pk}


def test_follow_up_and_kind_filters(officer):
    due = InteractionFactory(logged_by=officer, follow_up_on="2020-01-01", kind="email")
    InteractionFactory(logged_by=officer, kind="call")
    assert filtered(officer, follow_up="overdue") == {due.pk}
    assert filtered(officer, kind="email") == {due.pk}


def test_stakeholder_filter(officer):
    person = StakeholderFactory(owner=officer)
    with_person = InteractionFactory(logged_by=officer, stakeholders=[person])
    InteractionFactory(logged_by=officer)
    assert filtered(officer, stakeholder=person.pk) == {with_person.pk}


def test_a_leavers_open_follow_ups_are_listed_by_their_owner(officer, colleague):
    chased = InteractionFactory(logged_by=officer, follow_up_on="2030-01-01", follow_up_owner=colleague)
    colleague.is_active = False
    colleague.save()
    assert filtered(officer, follow_up_owner=colleague.pk) == {chased.pk}


def test_what_a_leaver_logged_is_listed_by_who_logged_it(officer, colleague):
    logged = InteractionFactory(logged_by=colleague)
    InteractionFactory(logged_by=officer)
    colleague.is_active = False
    colleague.save()
    assert filtered(officer, logged_by=colleague.pk) == {logged.pk}


def test_an_unknown_member_of_staff_is_not_a_filter_but_lists_nothing(officer):
    InteractionFactory(logged_by=officer)
    assert filtered(officer, logged_by=999999) == set()
    assert filtered(officer, follow_up_owner=999999) == set()


def test_organisation_filter_includes_units_at_any_depth_and_the_people_working_there(officer):
    ministry = OrganisationFactory(name="Ministry of Transport")
    bridges = OrganisationFactory(name="Bridges Unit", parent=OrganisationFactory(parent=ministry))
    inspector = StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=inspector, organisation=bridges)
    with_the_unit = InteractionFactory(logged_by=officer, organisation=bridges)
    with_its_inspector = InteractionFactory(logged_by=officer, stakeholders=[inspector])
    InteractionFactory(logged_by=officer, organisation=OrganisationFactory(name="Ministry of Health"))

    assert filtered(officer, organisation=ministry.pk) == {with_the_unit.pk, with_its_inspector.pk}


def test_organisation_filter_counts_its_peoples_unfiled_work_from_the_days_they_were_there(officer):
    """Someone who holds a position there now brought in their work filed against other organisations, and
    their work from before they joined; a leaver took theirs away."""
    collective = OrganisationFactory(name="Umoja Women's Savings Collective")
    council = OrganisationFactory(name="Northbridge City Council")
    today = timezone.localdate()
    trustee, leaver = StakeholderFactory(owner=officer), StakeholderFactory(owner=officer)
    AffiliationFactory(stakeholder=trustee, organisation=council)
    AffiliationFactory(
        stakeholder=trustee,
        organisation=collective,
        is_primary=False,
        start_date=today - dt.timedelta(days=30),
    )
    AffiliationFactory(stakeholder=leaver, organisation=collective, end_date=today - dt.timedelta(days=30))

    def logged(person, days_ago, organisation=None):
        when = timezone.now() - dt.timedelta(days=days_ago)
        return InteractionFactory(
            logged_by=officer, stakeholders=[person], occurred_at=when, organisation=organisation
        )

    trustees_visit_to_the_council = logged(trustee, 3, organisation=council)
    trustees_call = logged(trustee, 3)
    before_they_became_a_trustee = logged(trustee, 60)
    leavers_call_while_there = logged(leaver, 60)
    logged(leaver, 3)  # since they left

    assert filtered(officer, organisation=collective.pk) == {trustees_call.pk, leavers_call_while_there.pk}
    at_the_council = {trustees_visit_to_the_council.pk, trustees_call.pk, before_they_became_a_trustee.pk}
    assert filtered(officer, organisation=council.pk) == at_the_council
