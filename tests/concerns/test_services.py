import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from concerns import services
from concerns.models import Concern, ConcernStatus, Severity

from ..factories import (
    AffiliationFactory,
    ConcernFactory,
    InteractionFactory,
    StakeholderFactory,
    UserFactory,
)
from ..merges import merge_away, merged_during, refused_as_merged

pytestmark = pytest.mark.django_db


def raise_concern(actor, stakeholder, **fields):
    fields.setdefault("title", "Lorries using the school road")
    fields.setdefault("severity", Severity.HIGH)
    return services.concern_raise(actor=actor, stakeholder=stakeholder, **fields)


def test_a_new_concern_is_handled_by_whoever_records_it_and_raised_today(officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))

    concern = raise_concern(officer, position.stakeholder)

    assert concern.owner == officer and concern.created_by == officer
    assert concern.organisation == position.organisation
    assert concern.raised_on == timezone.localdate()
    assert concern.status == ConcernStatus.OPEN and concern.escalated_at is None


def test_a_concern_can_be_linked_to_the_interactions_where_it_came_up(officer):
    stakeholder = StakeholderFactory(owner=officer)
    call = InteractionFactory(logged_by=officer, stakeholders=[stakeholder])
    concern = raise_concern(officer, stakeholder, interactions=[call])
    assert list(concern.interactions.all()) == [call]


def test_a_concern_cannot_be_linked_to_an_interaction_the_officer_may_not_read(officer, colleague):
    stakeholder = StakeholderFactory(owner=colleague)
    confidential = InteractionFactory(logged_by=colleague, stakeholders=[stakeholder], is_confidential=True)

    with pytest.raises(ValidationError):
        raise_concern(officer, stakeholder, interactions=[confidential])
    assert not Concern.objects.exists()

    concern = raise_concern(officer, stakeholder)
    with pytest.raises(ValidationError):
        services.concern_link_interaction(concern=concern, actor=officer, interaction=confidential)
    assert not concern.interactions.exists()


def test_a_concern_needs_a_title(officer):
    with pytest.raises(ValidationError) as error:
        raise_concern(officer, StakeholderFactory(owner=officer), title=" ")
    assert "title" in error.value.message_dict
    assert not Concern.objects.exists()


def test_a_concern_cannot_be_raised_in_the_future(officer):
    with pytest.raises(ValidationError) as error:
        raise_concern(
            officer, StakeholderFactory(owner=officer), raised_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert "raised_on" in error.value.message_dict
    assert not Concern.objects.exists()


def test_someone_who_has_left_cannot_record_concerns(officer):
    with pytest.raises(PermissionDenied):
        raise_concern(UserFactory(is_active=False), StakeholderFactory(owner=officer))
    assert not Concern.objects.exists()


@pytest.fixture
def concern(officer, other_officer):
    """Handled by `officer`, raised by a stakeholder owned by `other_officer` of the other team."""
    return ConcernFactory(owner=officer, stakeholder=StakeholderFactory(owner=other_officer))


@pytest.mark.parametrize("who", ["officer", "other_officer", "manager", "admin_user"])
def test_the_handler_the_stakeholders_owner_the_handlers_manager_and_admins_may_resolve(
    request, concern, who
):
    services.concern_resolve(
        concern=concern, actor=request.getfixturevalue(who), resolution="Deliveries moved to mid-morning."
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESOLVED and concern.resolved_at is not None


@pytest.mark.parametrize("who", ["colleague", "other_manager"])
def test_other_staff_may_not_change_a_concern(request, concern, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.concern_resolve(concern=concern, actor=actor, resolution="Closed")
    with pytest.raises(PermissionDenied):
        services.concern_update(concern=concern, actor=actor, severity=Severity.LOW)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN and concern.severity == Severity.MEDIUM


@pytest.mark.parametrize("resolution", ["", "   "])
def test_resolving_needs_a_resolution_and_writes_nothing_without_one(concern, officer, resolution):
    with pytest.raises(ValidationError) as error:
        services.concern_resolve(concern=concern, actor=officer, resolution=resolution)
    assert "resolution" in error.value.message_dict
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN and concern.resolved_at is None


def test_work_starts_then_the_concern_is_resolved_and_can_be_reopened(concern, officer):
    services.concern_mark_in_progress(concern=concern, actor=officer)
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.IN_PROGRESS

    services.concern_resolve(concern=concern, actor=officer, resolution="  Apologised; new route agreed.  ")
    concern.refresh_from_db()
    assert concern.resolution == "Apologised; new route agreed."

    services.concern_reopen(concern=concern, actor=officer)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN and concern.resolved_at is None
    assert concern.resolution == "Apologised; new route agreed."


def test_resolving_a_resolved_concern_again_as_it_stands_changes_nothing(concern, officer, time_machine):
    services.concern_resolve(concern=concern, actor=officer, resolution="Apologised")
    before = Concern.objects.get(pk=concern.pk)

    time_machine.move_to(timezone.now() + dt.timedelta(days=2))
    services.concern_resolve(
        concern=Concern.objects.get(pk=concern.pk), actor=officer, resolution=" Apologised "
    )

    after = Concern.objects.get(pk=concern.pk)
    assert (after.resolved_at, after.updated_at) == (before.resolved_at, before.updated_at)


def test_a_resolved_concern_must_be_reopened_before_work_starts_again(concern, officer):
    services.concern_resolve(concern=concern, actor=officer, resolution="Done")
    with pytest.raises(ValidationError):
        services.concern_mark_in_progress(concern=concern, actor=officer)
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.RESOLVED


def test_a_resolved_concern_is_reopened_before_it_is_edited(concern, officer):
    """A resolved concern's details could still be changed (its severity, who raised it, who handles it),
    rewriting the record that was closed. Reopening is the way back; the resolution's wording and the
    linked interactions may still be added to."""
    services.concern_resolve(concern=concern, actor=officer, resolution="Done")
    with pytest.raises(ValidationError, match="reopen it"):
        services.concern_update(concern=concern, actor=officer, severity=Severity.CRITICAL)
    assert Concern.objects.get(pk=concern.pk).severity == Severity.MEDIUM

    services.concern_resolve(concern=concern, actor=officer, resolution="Done: lorries rerouted.")
    call = InteractionFactory(logged_by=officer, stakeholders=[concern.stakeholder])
    services.concern_link_interaction(concern=concern, actor=officer, interaction=call)
    services.concern_reopen(concern=concern, actor=officer)
    services.concern_update(concern=concern, actor=officer, severity=Severity.CRITICAL)

    concern.refresh_from_db()
    assert (concern.resolution, concern.severity) == ("Done: lorries rerouted.", Severity.CRITICAL)
    assert list(concern.interactions.all()) == [call]


def test_an_organisation_left_blank_on_an_edit_is_where_the_stakeholder_works_now_as_when_raised(officer):
    """The form says the organisation defaults to the stakeholder's; an edit that cleared it left none, and
    the concern dropped out of its organisation's page, register filter and report."""
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    concern = raise_concern(officer, position.stakeholder)

    services.concern_update(concern=concern, actor=officer, organisation=None)

    concern.refresh_from_db()
    assert concern.organisation == position.organisation


def test_a_concern_with_no_organisation_keeps_none_through_an_edit_unless_given_another_stakeholder(
    officer,
):
    """Left blank for the same stakeholder it stays blank, as it was raised; moved to another stakeholder it
    is where they work now, as raising it for them would have made it."""
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    concern = ConcernFactory(stakeholder=StakeholderFactory(owner=officer), owner=officer)
    AffiliationFactory(stakeholder=concern.stakeholder)

    services.concern_update(concern=concern, actor=officer, organisation=None, severity=Severity.CRITICAL)
    assert concern.organisation is None
    services.concern_update(
        concern=concern, actor=officer, stakeholder=position.stakeholder, organisation=None
    )

    concern.refresh_from_db()
    assert concern.organisation == position.organisation


def test_status_is_not_changed_by_an_edit(concern, officer):
    with pytest.raises(TypeError):
        services.concern_update(concern=concern, actor=officer, status=ConcernStatus.RESOLVED)


def test_linking_and_unlinking_an_interaction(concern, officer):
    call = InteractionFactory(logged_by=officer, stakeholders=[concern.stakeholder])
    services.concern_link_interaction(concern=concern, actor=officer, interaction=call)
    assert list(concern.interactions.all()) == [call]
    services.concern_unlink_interaction(concern=concern, actor=officer, interaction=call)
    assert not concern.interactions.exists()


def test_a_concern_of_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer):
    stakeholder = StakeholderFactory(owner=officer)
    merge_away(stakeholder)
    with pytest.raises(ValidationError) as refused:
        raise_concern(officer, stakeholder)
    assert refused_as_merged(refused, "stakeholder")
    assert not Concern.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_moving_a_concern_away_from_a_stakeholder_being_merged_waits_for_the_merge(officer):
    """The edit marks the person it leaves changed (their health card): it holds them before the concern,
    as the merge does, instead of each holding what the other waits for."""
    duplicate, keep, other = (StakeholderFactory(owner=officer) for _ in range(3))
    concern = raise_concern(officer, duplicate)

    outcome = merged_during(
        lambda: services.concern_update(concern=concern, actor=officer, stakeholder=other),
        keep=keep,
        duplicate=duplicate,
    )

    assert isinstance(outcome, Concern), outcome
    assert Concern.objects.get().stakeholder == other


def test_moving_a_concern_to_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer):
    concern = raise_concern(officer, StakeholderFactory(owner=officer))
    other = StakeholderFactory(owner=officer)
    merge_away(other)
    with pytest.raises(ValidationError) as refused:
        services.concern_update(concern=concern, actor=officer, stakeholder=other)
    assert refused_as_merged(refused, "stakeholder")
