"""InteractionFilterSet filters what the user may already see; the pages can use it as the API does."""

import pytest

from interactions.filtersets import InteractionFilterSet
from interactions.models import Interaction

from ..factories import InteractionFactory, StakeholderFactory

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
