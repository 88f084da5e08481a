import pytest

from contacts.models import Organisation, Stakeholder

from ..factories import OrganisationFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(officer):
    names = ["Margaret Okafor", "Jean-Pierre Dubois", "Siobhán Ní Bhriain", "Mohammed Al-Rashid", "Li Wei"]
    return {name: StakeholderFactory(name=name, owner=officer) for name in names}


def found(text):
    return [s.name for s in Stakeholder.objects.search(text)]


def test_search_finds_a_name_from_the_start_of_a_word(register):
    assert found("marg") == ["Margaret Okafor"]
    assert found("okaf marg") == ["Margaret Okafor"]


def test_search_tolerates_misspelled_names(register):
    assert "Margaret Okafor" in found("Margret Okafor")
    assert "Mohammed Al-Rashid" in found("Mohamed")
    assert "Jean-Pierre Dubois" in found("Dubios")


def test_search_handles_accents_and_punctuation(register):
    assert "Siobhán Ní Bhriain" in found("siobhán")
    assert found("'; drop table --") == []


def test_best_match_comes_first(register, officer):
    StakeholderFactory(name="Margaret Thompson", owner=officer)
    assert found("margaret okafor")[0] == "Margaret Okafor"


def test_search_reads_notes_too(officer):
    StakeholderFactory(name="Ana Costa", notes="Chairs the riverside residents association", owner=officer)
    assert found("riverside") == ["Ana Costa"]


def test_organisation_search_uses_the_same_rules():
    OrganisationFactory(name="Northern Water Authority")
    assert [o.name for o in Organisation.objects.search("nothern watr")] == ["Northern Water Authority"]
