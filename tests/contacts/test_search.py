import time
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse

from contacts import search
from contacts.models import Organisation, Stakeholder
from contacts.search import email_address, phone_number, search_terms

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


def test_search_finds_whoever_has_an_email_address_pasted_in(
    officer, officer_client, django_assert_max_num_queries
):
    StakeholderFactory(name="Marcia Hughes", emails=["mhughes@example.net"], owner=officer)
    StakeholderFactory(name="Neil Hughes", emails=["neil@example.net"], owner=officer)

    assert found("<MHughes@example.net>") == ["Marcia Hughes"]
    # As the list without a search (test_query_counts): the session and user; the page with each one's tags
    # and current position; the filter form's owner, team and tag choices; the user's groups.
    with django_assert_max_num_queries(7):
        response = officer_client.get(reverse("contacts:stakeholder_list"), {"q": "mhughes@example.net"})
    assert [person.name for person in response.context["page"]] == ["Marcia Hughes"]


@pytest.mark.parametrize(
    "pasted",
    [
        "mailto:MHughes@example.net",
        "mhughes@example.net;",
        "<mhughes@example.net>,",
        " <mailto:mhughes@example.net>",
    ],
)
def test_search_finds_whoever_has_an_address_pasted_with_what_came_around_it(officer, pasted):
    StakeholderFactory(name="Marcia Hughes", emails=["mhughes@example.net"], owner=officer)
    StakeholderFactory(name="Neil Hughes", emails=["neil@example.net"], owner=officer)
    assert found(pasted) == ["Marcia Hughes"]


def test_search_for_an_address_nobody_has_looks_for_its_words(
    officer, officer_client, django_assert_max_num_queries
):
    StakeholderFactory(name="Ana Costa", notes="Chair of the River Example Trust", owner=officer)
    StakeholderFactory(name="Marcia Hughes", emails=["mhughes@example.net"], owner=officer)

    assert found("ana@river.example;") == ["Ana Costa"]
    # As the list with an address someone has (above).
    with django_assert_max_num_queries(7):
        response = officer_client.get(reverse("contacts:stakeholder_list"), {"q": "mailto:ana@river.example"})
    assert [person.name for person in response.context["page"]] == ["Ana Costa"]


# "Who is this?": a caller's number typed or pasted in.


@pytest.fixture
def callers(officer):
    written = {
        "Ana Costa": ["+44 20 7946 0000"],
        "Ben Idowu": ["020 7946 0001"],
        "Chloé Martin": ["(0)20-7946-0002 ext 12", "07700 900123"],
        "Dev Patel": ["0044 (0)20 7946 0003"],
        "Eli Cohen": ["+1 (555) 010-0004"],
    }
    return {
        name: StakeholderFactory(name=name, phones=phones, owner=officer) for name, phones in written.items()
    }


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("+44 20 7946 0000", "Ana Costa"),
        ("020 7946 0000", "Ana Costa"),
        ("02079460000", "Ana Costa"),
        (" +44 (0)20 7946-0001 ", "Ben Idowu"),
        ("020.7946.0002 x34", "Chloé Martin"),
        ("+447700900123", "Chloé Martin"),
        ("020/7946 0003", "Dev Patel"),
        ("555-010-0004", "Eli Cohen"),
        ("1 555 010 0004 ext. 9", "Eli Cohen"),
        # As the header's box reads them, which makes every space one.
        ("020\t7946\t0000", "Ana Costa"),
        ("020\u20097946\u20090000", "Ana Costa"),
    ],
)
def test_a_phone_number_finds_who_has_it_however_either_side_wrote_it(callers, typed, name):
    assert found(typed) == [name]


def test_a_number_with_its_country_code_finds_it_written_with_the_trunk_prefix_and_back(officer):
    StakeholderFactory(name="Ana Costa", phones=["020 7946 0000"], owner=officer)
    StakeholderFactory(name="Ben Idowu", phones=["+33 1 23 45 67 89"], owner=officer)

    assert found("+44 20 7946 0000") == ["Ana Costa"]
    assert found("01 23 45 67 89") == ["Ben Idowu"]


def test_numbers_differing_before_their_last_nine_digits_are_told_apart(officer):
    StakeholderFactory(name="Birmingham Contact", phones=["0121 496 0000"], owner=officer)
    StakeholderFactory(name="Edinburgh Contact", phones=["0131 496 0000"], owner=officer)

    assert found("+44 131 496 0000") == ["Edinburgh Contact"]


def test_numbers_sharing_their_last_nine_digits_but_not_their_area_code_are_told_apart(officer):
    StakeholderFactory(name="New York Contact", phones=["+1 212 555 0100"], owner=officer)
    StakeholderFactory(name="Chicago Contact", phones=["(312) 555-0100"], owner=officer)
    StakeholderFactory(name="Southend Contact", phones=["01702 123456"], owner=officer)
    StakeholderFactory(name="Mobile Contact", phones=["07702 123456"], owner=officer)

    assert found("212 555 0100") == ["New York Contact"]
    assert found("1 312 555 0100") == ["Chicago Contact"]
    assert found("07702 123456") == ["Mobile Contact"]
    assert found("+44 1702 123456") == ["Southend Contact"]


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("020 7946 0000 / 07700 900123", "020 7946 0000"),
        ("020 7946 0000 / 07700 900123", "+44 7700 900123"),
        ("020\u00a07946\u00a00001", "020 7946 0001"),
        ("+44\u202f20\u20077946\u00a00001", "020 7946 0001"),
        ("Line 2: 020 7946 0004", "020 7946 0004"),
        ("020 7946 0002 - 12", "+44 20 7946 0002"),
        ("(+44) 20 7946 0005", "020 7946 0005"),
    ],
)
def test_every_number_in_a_phone_is_found_however_it_is_labelled_or_spaced(officer, written, typed):
    StakeholderFactory(name="Ana Costa", phones=[written], owner=officer)
    assert found(typed) == ["Ana Costa"]


def phone_numbers(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone_numbers(ARRAY[%s])", [text])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        # Each in the form it was written: + and the country code, the trunk 0, or the digits alone.
        ("020 7946 0000", ["02079460000"]),
        ("(0)20 7946 0000", ["02079460000"]),
        ("+44 (0)20 7946 0000", ["+442079460000"]),
        # Italy and San Marino keep a fixed line's 0 after their codes: there "(0)" is that 0.
        ("+39 (0)6 1234 5678", ["+390612345678"]),
        ("0039 (0)471 12345", ["+39047112345"]),
        ("(+378) (0)549 12345", ["+378054912345"]),
        # A Russian trunk 8 is kept: an 8 alone does not tell one.
        ("8 (495) 123-45-67", ["84951234567"]),
        ("(+44) 20 7946 0000", ["+442079460000"]),
        ("0044 (0)20-7946-0000 ext 12", ["+442079460000"]),
        # Australia's international prefix is 0011 (no country code starts 11); North America's 011 is also
        # Delhi's area code, so it stays.
        ("0011 44 20 7946 0000", ["+442079460000"]),
        ("011 34 612 345 678", ["01134612345678"]),
        ("011 2345 6789", ["01123456789"]),
        ("020\u00a07946\u202f0000 x 12", ["02079460000"]),
        ("1 555 010 0004", ["15550100004"]),
        ("+65 6123 4567", ["+6561234567"]),
        ("123456", ["123456"]),
        ("12345", []),
        ("020 - 7946", []),
        ("020\t7946\t0000", ["02079460000"]),
        ("020\u20097946\u30000000", ["02079460000"]),
        # An extension is not a number, however long.
        ("ext 12", []),
        ("ext 123456", []),
        ("x1234567", []),
        ("020 7946 0000 ext 123456", ["02079460000"]),
        ("020 7946 0000 Extn. 123456", ["02079460000"]),
        ("020 7946 0000x123456", ["02079460000"]),
        ("020 7946 0000 # 123456", ["02079460000"]),
        ("555 010 0004 extension 1234567", ["5550100004"]),
        # Written with punctuation between the word or # and its digits, or after a comma.
        ("020 7946 0000 ext: 123456", ["02079460000"]),
        ("020 7946 0000 Ext-123456", ["02079460000"]),
        ("020 7946 0000 ext #123456", ["02079460000"]),
        ("020 7946 0000 ext. - 123456", ["02079460000"]),
        ("020 7946 0000, #123456", ["02079460000"]),
        ("020 7946 0000, ext 123456", ["02079460000"]),
        ("ext: 123456", []),
    ],
)
def test_the_search_box_and_the_database_agree_on_what_a_phone_number_is(typed, numbers):
    # Python decides whether a search is a number; PostgreSQL reads the numbers stored and typed.
    assert phone_numbers(typed) == numbers
    assert (phone_number(typed) is not None) is (len(numbers) == 1)


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        # Eight digits (Singapore, Norway, Denmark, Hong Kong) and seven (Iceland) with and without the
        # country code.
        ("+65 6123 4567", "6123 4567"),
        ("0065 6123 4567", "61234567"),
        ("+47 22 34 56 78", "22 34 56 78"),
        ("+45 33 12 34 56", "3312 3456"),
        ("+852 2123 4567", "2123 4567"),
        ("+354 412 3456", "412-3456"),
        ("+65 6123 4567 ext 12", "6123 4567"),
        # Six (Andorra, the Faroes, Greenland).
        ("+376 812 345", "812 345"),
        ("+298 31 23 45", "312345"),
        # As before: nine digits or more, the trunk 0, a North American number without +1.
        ("+44 20 7946 0000", "020 7946 0000"),
        ("+1 212 555 0134", "212 555 0134"),
        ("+1 212 555 0134", "1 212 555 0134"),
        ("0212 555 0134", "+44 212 555 0134"),
        ("0212 555 0134", "212 555 0134"),
        ("+1 212 555 0134", "1-212-555-0134"),
        # Italy and San Marino keep a fixed line's 0 after the country code.
        ("+39 06 1234 5678", "06 1234 5678"),
        ("+378 0549 123456", "0549 123456"),
        # Fixed lines of nine digits or fewer with their 0 too: past +39 or +378 the 0 is not counted.
        ("+39 0471 12345", "0471 12345"),
        ("+378 0549 12345", "0549 12345"),
        ("+39 0471 1234", "0471 1234"),
        # Written "(0)" after +39 or +378, the 0 is kept, where the UK's is not dialled from abroad.
        ("+39 (0)6 1234 5678", "06 1234 5678"),
        ("+39 (0)6 1234 5678", "+39 06 1234 5678"),
        ("0039 (0)471 12345", "0471 12345"),
        ("+378 (0)549 12345", "0549 12345"),
        ("+44 (0)20 7946 0000", "+44 20 7946 0000"),
        # Russia and Kazakhstan dial 8 where others dial a trunk 0.
        ("+7 495 123 45 67", "8 (495) 123-45-67"),
        ("007 495 123 45 67", "8 495 123 45 67"),
        ("+7 727 123 4567", "8 727 123 4567"),
        ("+7 495 123 45 67", "8-495-123-45-67"),
        ("+7 495 123 45 67", "8(495)123-45-67"),
        ("+7 495 123 45 67", "8.495.123.45.67"),
        # Dialled from North America (011) and from Australia (0011, read as +).
        ("+34 612 345 678", "011 34 612 345 678"),
        ("+351 912 345 678", "011 351 912 345 678"),
        ("+44 20 7946 0000", "011 44 20 7946 0000"),
        ("+44 20 7946 0000", "0011 44 20 7946 0000"),
        ("+34 612 345 678", "010 34 612 345 678"),
        ("+39 0471 12345", "011 39 0471 12345"),
        # The whole number with its country code and without the +.
        ("+44 20 7946 0000", "44 20 7946 0000"),
    ],
)
def test_a_number_is_found_written_with_or_without_its_country_code_either_way(officer, written, typed):
    StakeholderFactory(name="Ana Costa", phones=[written], owner=officer)
    StakeholderFactory(name="Ben Idowu", phones=[typed], owner=officer)

    # Both come first, each as if its name matched in full: then in name order.
    assert found(typed) == ["Ana Costa", "Ben Idowu"]
    assert found(written) == ["Ana Costa", "Ben Idowu"]


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        # Without its area code a number is any area's: not matched.
        ("+44 20 7946 0000", "7946 0000"),
        ("+61 2 1234 5678", "1234 5678"),
        ("+1 212 555 0134", "555 0134"),
        # The same national number in another country, or written after digits that may not be a country code.
        ("+66 6123 4567", "+65 6123 4567"),
        ("65 6123 4567", "6123 4567"),
        # A number written with a trunk 0 is never North American, however its ten digits agree.
        ("0212 555 0134", "+1 212 555 0134"),
        ("0212 555 0134", "001 212 555 0134"),
        ("(0)20 7946 0000", "+1 20 7946 0000"),
        # Nor is one written with its 1 as dialled at home (Istanbul's 0212 and New York's 212).
        ("0212 555 0134", "1 212 555 0134"),
        ("0212 555 0134", "1-212-555-0134"),
        # Nor one of a country that has no trunk 0 (French mobile and VoIP; Spanish and Portuguese mobiles),
        # nor an Italian mobile, though a fixed line keeps its 0 after +39.
        ("+34 612 345 678", "06 12 34 56 78"),
        ("+351 912 345 678", "09 12 34 56 78"),
        ("+30 21 0123 4567", "021 0123 4567"),
        ("+39 312 345 6789", "0312 345 6789"),
        # Nor a Russian or Kazakh one, dialled at home with 8 (Moscow's 495 and an Italian 0495); nor is
        # that 8 a North American 1.
        ("+7 495 123 45 67", "0495 123 45 67"),
        ("+1 800 555 3535", "8 800 555 35 35"),
        # Nor is an 8 that is not a group of its own: Brazilian mobiles in Natal and Piauí (area codes 84
        # and 89) and a Hanoi number written without its + are not Moscow's, Russian mobiles or Kursk's.
        ("+7 499 512-34-56", "(84) 99512-3456"),
        ("+7 999 912-34-56", "(89) 99912-3456"),
        ("+7 491 234 5678", "84 91 234 5678"),
        # Two numbers written with their country codes are one only as the same digits: one code ending
        # the other is two countries (Japan and Memphis, India and New York, Ghana and Angers, Angola and
        # London).
        ("+81 90 1234 5678", "+1 901 234 5678"),
        ("+91 91755 50134", "+1 917 555 0134"),
        ("+233 24 123 4567", "+33 2 41 23 45 67"),
        ("+244 20 7946 0000", "+44 20 7946 0000"),
        # Seven digits are not the end of eight.
        ("6123 4567", "123 4567"),
        # A number written without + is at most the other's national number: the last digits of a country
        # code and a national number are another country's number (Brussels and Geneva, Munich and an
        # Indian mobile with and without its trunk 0).
        ("+32 2 123 45 67", "022 123 45 67"),
        ("+49 89 1234567", "098912 34567"),
        ("+49 89 1234567", "98912 34567"),
        ("+39 0471 12345", "09 0471 12345"),
        # Written with a trunk 0, a number is not all of one written with its country code (London and Cairo).
        ("+20 2 7946 0000", "020 2 7946 0000"),
    ],
)
def test_numbers_whose_last_digits_agree_are_told_apart_where_they_cannot_be_one(officer, written, typed):
    StakeholderFactory(name="Ana Costa", phones=[written], owner=officer)
    StakeholderFactory(name="Ben Idowu", phones=[typed], owner=officer)

    assert found(typed) == ["Ben Idowu"]
    assert found(written) == ["Ana Costa"]


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("020 7946 0000 ext 123456", "123456"),
        ("020 7946 0000 x123456", "123456"),
        ("020 7946 0000 #123456", "123456"),
        ("020 7946 0000 extn. 1234567", "123 4567"),
        ("Ext 123456", "123456"),
        ("123456", "020 7946 0000 ext 123456"),
        ("1234567", "020 7946 0000 x 1234567"),
        ("020 7946 0000 ext: 123456", "123456"),
        ("020 7946 0000 Ext-123456", "123456"),
        ("020 7946 0000 ext #123456", "123456"),
        ("020 7946 0000, #123456", "123456"),
    ],
)
def test_an_extension_is_not_a_number_to_find(officer, written, typed):
    StakeholderFactory(name="Ana Costa", phones=[written], owner=officer)
    assert found(typed) == []


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("020 7946 0000 ext 123456", "020 7946 0000"),
        ("020 7946 0000 ext 123456", "+44 20 7946 0000 ext 9"),
        # An x ending a word, and a # before the number, are not extensions.
        ("Fax 020 7946 0000", "020 7946 0000"),
        ("Telex 123456", "123456"),
        ("Cell # 555-010-0004", "555 010 0004"),
    ],
)
def test_a_number_with_an_extension_or_a_label_is_found_by_the_number(officer, written, typed):
    StakeholderFactory(name="Ana Costa", phones=[written], owner=officer)
    assert found(typed) == ["Ana Costa"]


@pytest.mark.parametrize(
    ("phones", "other", "one"),
    [
        (["+65 6123 4567"], ["6123 4567"], True),
        (["6123 4567"], ["+65 6123 4567"], True),
        (["+354 412 3456"], ["412 3456"], True),
        (["+66 6123 4567"], ["+65 6123 4567"], False),
        (["+44 20 6123 4567"], ["6123 4567"], False),
        (["+1 212 555 0134"], ["0212 555 0134"], False),
        (["0212 555 0134"], ["+1 212 555 0134"], False),
        (["020 7946 0000 ext 123456"], ["123456"], False),
        (["020 7946 0000", "+1 212 555 0134"], ["212 555 0134"], True),
        (["1 212 555 0134"], ["0212 555 0134"], False),
        (["+1 901 234 5678"], ["+81 90 1234 5678"], False),
        (["06 12 34 56 78"], ["+34 612 345 678"], False),
        (["+39 06 1234 5678"], ["06 1234 5678"], True),
        (["+39 312 345 6789"], ["0312 345 6789"], False),
        (["+376 812 345"], ["812 345"], True),
        (["+32 2 123 45 67"], ["022 123 45 67"], False),
        (["022 123 45 67"], ["+32 2 123 45 67"], False),
        (["+49 89 1234567"], ["98912 34567"], False),
        (["+34 612 345 678"], ["011 34 612 345 678"], True),
        (["011 34 612 345 678"], ["+34 612 345 678"], True),
        (["+44 20 7946 0000"], ["0011 44 20 7946 0000"], True),
        (["+39 0471 12345"], ["0471 12345"], True),
        (["0549 12345"], ["+378 0549 12345"], True),
        (["+39 312 345 6789"], ["312 345 6789"], True),
        # After a trunk 0, only North America's 011 and Japan's 010 are dialled abroad.
        (["091 212 555 0134"], ["+1 212 555 0134"], False),
        (["0 20 7946 0000"], ["+20 7946 0000"], False),
        # Five digits past the trunk 0 are not a national number its country code ends.
        (["+44 12345"], ["012345"], False),
        (["+39 (0)6 1234 5678"], ["06 1234 5678"], True),
        (["+39 (0)6 1234 5678"], ["+39 6 1234 5678"], False),
        # An 8 written as a group of its own and ten digits are also the +7 number; a leading 8 is otherwise
        # a digit like any other.
        (["8 (495) 123-45-67"], ["+7 495 123 45 67"], True),
        (["+7 495 123 45 67"], ["8 495 123 45 67"], True),
        (["+7 495 123 45 67"], ["8-495-123-45-67"], True),
        (["+7 495 123 45 67"], ["  8 495 123 45 67"], True),
        (["Tel 8 (495) 123-45-67, fax 8 (495) 123-45-68"], ["+7 495 123 45 68"], True),
        (["(84) 99512-3456"], ["+7 499 512-34-56"], False),
        (["84 99512 3456"], ["+7 499 512 34 56"], False),
        (["84 91 234 5678"], ["+7 491 234 5678"], False),
        (["84-91-234-5678"], ["+7 491 234 5678"], False),
        (["0495 123 45 67"], ["+7 495 123 45 67"], False),
        (["8 017 123 45 67"], ["+7 017 123 45 67"], False),
        (["+65 8123 4567"], ["8123 4567"], True),
    ],
)
def test_the_recheck_tells_numbers_apart_whatever_the_index_found(phones, other, one):
    # The index only narrows; rows it brings are kept by this alone.
    with connection.cursor() as cursor:
        cursor.execute("SELECT shares_phone_number(%s::text[], %s::text[])", [phones, other])
        assert cursor.fetchone()[0] is one


# Numbers written every way the tests above write them, and a few more: a short, a six-digit and a
# North American one with and without its codes.
WRITTEN_NUMBERS = [
    "+44 20 7946 0000",
    "020 7946 0000",
    "0044 (0)20 7946 0000",
    "7946 0000",
    "+244 20 7946 0000",
    "+1 212 555 0134",
    "1 212 555 0134",
    "212 555 0134",
    "0212 555 0134",
    "555 0134",
    "001 212 555 0134",
    "+65 6123 4567",
    "6123 4567",
    "+66 6123 4567",
    "65 6123 4567",
    "06123 4567",
    "123 4567",
    "+354 412 3456",
    "412 3456",
    "0412 3456",
    "+376 812 345",
    "812 345",
    "0812 345",
    "+298 31 23 45",
    "31 23 45",
    "+44 12345",
    "012345",
    "123456",
    "+34 612 345 678",
    "06 12 34 56 78",
    "612 345 678",
    "+39 06 1234 5678",
    "06 1234 5678",
    "+39 312 345 6789",
    "0312 345 6789",
    "+39 0471 12345",
    "0471 12345",
    "47112345",
    "+378 0549 12345",
    "0549 12345",
    "011 39 0471 12345",
    "+32 2 123 45 67",
    "022 123 45 67",
    "+49 89 1234567",
    "98912 34567",
    "011 34 612 345 678",
    "0011 44 20 7946 0000",
    "011 2345 6789",
    "010 34 612 345 678",
    "091 212 555 0134",
    "+20 2 7946 0000",
    "020 2 7946 0000",
    "+81 90 1234 5678",
    "+1 901 234 5678",
    "+86 138 1234 5678",
    "138 1234 5678",
    "+7 495 123 4567",
    "8 495 123 4567",
    "8 (495) 123-45-67",
    "8-495-123-45-67",
    "8(495)123-45-67",
    "(84) 99512-3456",
    "+7 499 512-34-56",
    "84 91 234 5678",
    "+7 491 234 5678",
    "007 495 123 4567",
    "0495 123 4567",
    "+7 727 123 4567",
    "8 727 123 4567",
    "8 800 555 35 35",
    "+1 800 555 3535",
    "+65 8123 4567",
    "8123 4567",
    "+39 (0)6 1234 5678",
    "0039 (0)471 12345",
    "+378 (0)549 12345",
    "+39 6 1234 5678",
    "+44 (0)20 7946 0000",
    "020 7946 0000 ext 123456",
]


def test_two_numbers_the_recheck_calls_one_always_share_a_key():
    # The index brings only the rows whose keys overlap the number typed: a pair the recheck calls one but
    # keyed apart is a number that is never found. Every pair of the numbers above, both ways.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT one, another FROM unnest(%s::text[]) AS one, unnest(%s::text[]) AS another"
            " WHERE shares_phone_number(ARRAY[one], ARRAY[another])"
            " AND NOT phone_keys(ARRAY[one]) && phone_keys(ARRAY[another])",
            [WRITTEN_NUMBERS, WRITTEN_NUMBERS],
        )
        assert cursor.fetchall() == []


@pytest.mark.parametrize("typed", ["020 7946 0000", "6123 4567", "+65 6123 4567", "0212 555 0134"])
def test_the_list_finds_a_caller_by_the_index_of_phone_numbers(callers, typed):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Stakeholder.objects.search(typed).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "stakeholder_phone_keys_gin" in plan


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2024", False),
        ("12345", False),
        ("2024-11-27", False),
        ("27/11/2024", False),
        ("27.11.24", False),
        ("ext 12", False),
        ("Ana 020 7946 0000", False),
        ("123456", True),
        ("+44 20 7946 0000", True),
        ("(0)20-7946-0000 ext 12", True),
        ("01.23.45.67.89", True),
    ],
)
def test_a_phone_number_is_six_digits_or_more_with_separators_and_not_a_date(typed, number):
    assert (phone_number(typed) is not None) is number


@pytest.mark.parametrize(
    "typed",
    ["1" + " " * 4050 + "z", "1 " * 3000 + "z", "1" + " " * 4050 + "ext", "(" * 4000 + "x"],
)
def test_a_long_search_is_told_from_a_phone_number_at_once(typed):
    # Reachable from every search box: a pattern that backtracks took 1.5 s on the first of these.
    started = time.perf_counter()
    assert phone_number(typed) is None
    # The length bound answers first; the pattern must not need it.
    assert search._PHONE_NUMBER.fullmatch(typed * 10) is None
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize(
    "typed", ["a@" + "." * 4076 + "@", "a@" + "b." * 2000 + ":", "mailto:" * 600 + "a@b"]
)
def test_a_long_search_is_told_from_an_email_address_at_once(typed):
    # Reachable from every search box but the header's (cut to 200 characters): 57 ms for the first of
    # these, growing with the square of its length.
    started = time.perf_counter()
    assert email_address(typed) is None
    assert time.perf_counter() - started < 0.01


def test_a_phone_number_is_at_most_as_long_as_a_stored_one_with_room_for_spaces():
    assert phone_number("+44 20 7946 0000 ext 12".ljust(search.PHONE_MAX_LENGTH)) is not None
    assert phone_number("0" * (search.PHONE_MAX_LENGTH + 1)) is None


def test_a_year_or_a_short_number_is_searched_for_as_words_not_as_a_phone_number(officer):
    StakeholderFactory(name="Ana Costa", phones=["020 7946 2024"], owner=officer)
    StakeholderFactory(name="Ben Idowu", notes="Elected in 2024", owner=officer)
    StakeholderFactory(name="Chloé Martin", notes="Grant reference 462024", owner=officer)

    assert found("2024") == ["Ben Idowu"]
    # Too few digits to tell one number from another: only a number of those digits alone would match, and
    # the words still do.
    assert found("462024") == ["Chloé Martin"]


@pytest.mark.parametrize(
    ("typed", "notes"),
    [
        ("123456", "Grant reference 123456"),
        ("20241127", "Signed 20241127"),
        ("27 11 2024", "Met on 27 11 2024"),
        ("020 7946 0000", "Switchboard 020 7946 0000"),
    ],
)
def test_digits_that_look_like_a_phone_number_find_who_has_it_first_then_whoever_mentions_them(
    officer, typed, notes
):
    StakeholderFactory(name="Ana Costa", notes=notes, owner=officer)
    StakeholderFactory(name="Zoe Adams", phones=[typed], owner=officer)
    StakeholderFactory(name="Ben Idowu", notes="Nothing to do with it", owner=officer)

    assert found(typed) == ["Zoe Adams", "Ana Costa"]


def test_the_stakeholder_list_and_lookup_find_a_caller_in_as_many_queries_as_by_name(
    callers, officer_client, django_assert_max_num_queries
):
    # As the list without a search (test_query_counts): the session and user; the page with each one's tags
    # and current position; the filter form's owner, team and tag choices; the user's groups.
    with django_assert_max_num_queries(7):
        response = officer_client.get(reverse("contacts:stakeholder_list"), {"q": "+44 20 7946 0002"})
    assert [person.name for person in response.context["page"]] == ["Chloé Martin"]
    lookup = officer_client.get(reverse("contacts:stakeholder_lookup"), {"lookup_q": "020 7946 0003"})
    assert [person.name for person in lookup.context["matches"]] == ["Dev Patel"]


def test_the_stakeholder_list_and_lookup_find_a_reference_among_the_callers(
    callers, officer, officer_client, django_assert_max_num_queries
):
    StakeholderFactory(name="Grant Officer", notes="Grant reference 7946 0002", owner=officer)
    # As by name: the session and user; the page with each one's tags and current position; the filter
    # form's owner, team and tag choices; the user's groups.
    with django_assert_max_num_queries(7):
        response = officer_client.get(reverse("contacts:stakeholder_list"), {"q": "7946 0002"})
    assert [person.name for person in response.context["page"]] == ["Grant Officer"]
    lookup = officer_client.get(reverse("contacts:stakeholder_lookup"), {"lookup_q": "020 7946 0002"})
    assert [person.name for person in lookup.context["matches"]] == ["Chloé Martin"]


def test_organisation_search_uses_the_same_rules():
    OrganisationFactory(name="Northern Water Authority")
    assert [o.name for o in Organisation.objects.search("nothern watr")] == ["Northern Water Authority"]


# Officers type names without their accents, and sometimes a name is on file without them.


@pytest.fixture
def accented(officer):
    names = ["Mette Østergård", "Adébáyọ̀ Ọláwálé", "Zoë Äkerlund-Ñúñez", "Margaret Okafor"]
    return {name: StakeholderFactory(name=name, owner=officer) for name in names}


def test_search_finds_names_typed_without_their_accents(accented):
    assert found("ostergard") == ["Mette Østergård"]
    assert found("adebayo") == ["Adébáyọ̀ Ọláwálé"]
    assert found("Zoe Akerlund Nunez") == ["Zoë Äkerlund-Ñúñez"]
    assert found("OLAWALE") == ["Adébáyọ̀ Ọláwálé"]


def test_search_tolerates_misspelled_names_typed_without_their_accents(accented):
    assert found("ostrgard") == ["Mette Østergård"]
    assert found("adebaio") == ["Adébáyọ̀ Ọláwálé"]


def test_an_accented_search_finds_a_name_on_file_without_accents(officer):
    StakeholderFactory(name="Jose Munoz", owner=officer)
    assert found("José Muñoz") == ["Jose Munoz"]
    assert found("Múñ") == ["Jose Munoz"]


def test_accents_written_as_combining_marks_are_ignored_too(officer):
    # "ọ̀" has no single character: it is ọ and a combining grave, however the name was typed.
    StakeholderFactory(name=unicodedata.normalize("NFD", "Ẹ̀kọ́ Adébáyọ̀"), owner=officer)
    assert found("eko adebayo") == [unicodedata.normalize("NFD", "Ẹ̀kọ́ Adébáyọ̀")]
    assert found("Ẹ̀kọ́") == [unicodedata.normalize("NFD", "Ẹ̀kọ́ Adébáyọ̀")]


def test_a_combining_mark_stays_in_its_word():
    assert search_terms("Ẹ̀kọ́ Adébáyọ̀, Li") == ["ẹ̀kọ́", "adébáyọ̀", "li"]


def test_the_list_finds_names_without_their_accents_and_shows_them_as_stored(officer_client, accented):
    page = officer_client.get(reverse("contacts:stakeholder_list"), {"q": "ostergard"}).content.decode()
    assert "Mette Østergård" in page and "Margaret Okafor" not in page


def test_the_stakeholder_picker_finds_names_without_their_accents(officer_client, accented):
    body = officer_client.get(reverse("contacts:stakeholder_lookup"), {"lookup_q": "adebayo"}).content
    assert "Adébáyọ̀ Ọláwálé" in body.decode() and "Margaret Okafor" not in body.decode()


def test_the_organisation_list_and_picker_find_names_without_their_accents(officer_client):
    OrganisationFactory(name="Fundación Ñandú")
    OrganisationFactory(name="Northern Water Authority")
    assert [o.name for o in Organisation.objects.search("fundacion nandu")] == ["Fundación Ñandú"]
    assert [o.name for o in Organisation.objects.search("fundasion")] == ["Fundación Ñandú"]
    page = officer_client.get(reverse("contacts:organisation_list"), {"q": "nandu"}).content.decode()
    assert "Fundación Ñandú" in page and "Northern Water Authority" not in page
    body = officer_client.get(reverse("contacts:organisation_lookup"), {"lookup_q": "fundacion"}).content
    assert "Fundación Ñandú" in body.decode()


def test_python_unaccents_every_character_as_postgresql_does():
    """Names compared in Python (an import's rows) and in SQL are unaccented alike, Greek and Cyrillic too:
    "Αθήνα" and "Αθηνα" are one name on both sides."""
    search.unaccent_table.cache_clear()
    everything = "".join(chr(code) for code in [*range(0x20, 0xD800), *range(0xE000, 0x10000)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT immutable_unaccent(%s)", [everything])
        in_sql = cursor.fetchone()[0]

    assert search.unaccented(everything) == in_sql
    assert search.unaccented("Αθήνα Ёлки") == "Αθηνα Елки"


def test_a_name_is_keyed_with_every_sigma_alike_as_postgresql_lower_cases_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(immutable_unaccent(%s))", ["ΟΔΌΣ"])
        in_sql = cursor.fetchone()[0]

    assert search.plain_text("ΟΔΌΣ") == search.plain_text("Οδοσ") == search.plain_text("Οδός") == in_sql
