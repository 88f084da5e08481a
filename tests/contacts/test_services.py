import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from contacts import services
from contacts.models import Affiliation, Stakeholder, Tag

from ..factories import AffiliationFactory, OrganisationFactory, StakeholderFactory
from ..merges import merge_away, refused_as_merged

pytestmark = pytest.mark.django_db


def test_officer_adds_a_stakeholder_they_own_by_default(officer):
    stakeholder = services.stakeholder_create(
        actor=officer, name="Amara Okafor", emails=["Amara@Example.org "], tags=["Water", "water ", "Housing"]
    )
    assert stakeholder.owner == officer
    assert stakeholder.emails == ["amara@example.org"]
    assert sorted(tag.name for tag in stakeholder.tags.all()) == ["Housing", "Water"]


def test_tags_are_matched_without_regard_to_case(officer):
    Tag.objects.create(name="Flood Defence")
    tags = services.tags_from_names(["flood defence", "New topic"])
    assert [tag.name for tag in tags] == ["Flood Defence", "New topic"]
    assert Tag.objects.count() == 2


def test_invalid_stakeholder_is_refused_and_nothing_is_written(officer):
    with pytest.raises(ValidationError) as error:
        services.stakeholder_create(actor=officer, name="", influence=7, tags=["Orphan"])
    assert {"name", "influence"} <= set(error.value.message_dict)
    assert not Stakeholder.objects.exists()
    assert not Tag.objects.exists()


def test_officer_cannot_edit_a_colleagues_stakeholder(officer, colleague):
    stakeholder = StakeholderFactory(owner=colleague)
    with pytest.raises(PermissionDenied):
        services.stakeholder_update(stakeholder=stakeholder, actor=officer, name="Changed")


def test_manager_edits_their_teams_stakeholders_but_not_other_teams(manager, officer, other_officer):
    own_team = StakeholderFactory(owner=officer)
    services.stakeholder_update(stakeholder=own_team, actor=manager, name="Renamed")
    assert Stakeholder.objects.get(pk=own_team.pk).name == "Renamed"
    with pytest.raises(PermissionDenied):
        services.stakeholder_update(
            stakeholder=StakeholderFactory(owner=other_officer), actor=manager, name="x"
        )


def test_admin_edits_any_stakeholder(admin_user, other_officer):
    stakeholder = StakeholderFactory(owner=other_officer)
    services.stakeholder_update(stakeholder=stakeholder, actor=admin_user, interest=5)
    assert Stakeholder.objects.get(pk=stakeholder.pk).interest == 5


def test_archiving_keeps_the_stakeholder_and_can_be_undone(officer):
    stakeholder = StakeholderFactory(owner=officer)
    services.stakeholder_archive(stakeholder=stakeholder, actor=officer)
    stakeholder.refresh_from_db()
    assert stakeholder.is_archived and stakeholder.archived_at
    services.stakeholder_restore(stakeholder=stakeholder, actor=officer)
    stakeholder.refresh_from_db()
    assert not stakeholder.is_archived and stakeholder.archived_at is None


def test_marking_a_position_primary_moves_the_mark_from_the_current_primary(officer):
    current = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer), is_primary=True)
    new = Affiliation(stakeholder=current.stakeholder)
    services.affiliation_save(
        affiliation=new, actor=officer, organisation=OrganisationFactory(), is_primary=True
    )
    current.refresh_from_db()
    assert not current.is_primary
    assert Affiliation.objects.get(pk=new.pk).is_primary


def test_a_new_primary_position_takes_the_mark_from_one_ending_later_but_not_from_one_over(officer):
    """A primary ending next month is still current: keeping its mark gave the person two primaries."""
    stakeholder = StakeholderFactory(owner=officer)
    today = timezone.localdate()
    leaving = AffiliationFactory(
        stakeholder=stakeholder, is_primary=True, end_date=today + dt.timedelta(days=30)
    )
    former = AffiliationFactory(
        stakeholder=stakeholder, is_primary=True, end_date=today - dt.timedelta(days=1)
    )
    new = Affiliation(stakeholder=stakeholder)

    services.affiliation_save(
        affiliation=new, actor=officer, organisation=OrganisationFactory(), is_primary=True
    )

    assert list(stakeholder.affiliations.held_now().filter(is_primary=True)) == [new]
    former.refresh_from_db()
    assert former.is_primary, "a past position's mark says what it was then"
    leaving.refresh_from_db()
    assert not leaving.is_primary


def test_ending_a_position_keeps_it_as_history(officer):
    position = AffiliationFactory(stakeholder=StakeholderFactory(owner=officer))
    services.affiliation_end(affiliation=position, actor=officer)
    position.refresh_from_db()
    assert position.end_date is not None
    assert position.stakeholder.affiliations.count() == 1


def test_an_organisation_cannot_sit_inside_its_own_department(officer):
    parent = OrganisationFactory()
    department = OrganisationFactory(parent=parent)
    with pytest.raises(ValidationError):
        services.organisation_update(organisation=parent, actor=officer, parent=department)


def test_a_position_of_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer):
    stakeholder = StakeholderFactory(owner=officer)
    merge_away(stakeholder)
    with pytest.raises(ValidationError) as refused:
        services.affiliation_save(
            affiliation=Affiliation(stakeholder=stakeholder),
            actor=officer,
            organisation=OrganisationFactory(),
            role="Director",
        )
    assert refused_as_merged(refused, "stakeholder")
    assert not Affiliation.objects.exists()


def test_an_objective_for_a_stakeholder_merged_meanwhile_is_refused_with_a_message(officer):
    stakeholder = StakeholderFactory(owner=officer)
    merge_away(stakeholder)
    with pytest.raises(ValidationError) as refused:
        services.objective_add(stakeholder=stakeholder, actor=officer, description="A seat on the board")
    assert refused_as_merged(refused, "stakeholder")


def test_touching_stakeholders_passes_over_a_missing_one(django_assert_num_queries):
    """Callers hand in a record's old or new stakeholder as it is, which a staff-owned action lacks."""
    touched, untouched = StakeholderFactory(), StakeholderFactory()
    long_ago = timezone.now() - dt.timedelta(days=30)
    Stakeholder.objects.update(updated_at=long_ago)

    services.stakeholders_touch(stakeholder_ids=[None, touched.pk])
    with django_assert_num_queries(0):
        services.stakeholders_touch(stakeholder_ids=[None])

    assert Stakeholder.objects.get(pk=touched.pk).updated_at > long_ago
    assert Stakeholder.objects.get(pk=untouched.pk).updated_at == long_ago
