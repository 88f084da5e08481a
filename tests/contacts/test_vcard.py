"""Address cards in (vCard 2.1, 3.0, 4.0) and out (3.0 and 4.0)."""

import pytest

from contacts import vcard

from ..factories import AffiliationFactory, StakeholderFactory


def rows(text):
    return [row for _line, row in vcard.stakeholder_rows(text.splitlines(keepends=True))]


def test_a_folded_escaped_version_3_card_is_read():
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jean-Pierre Dubois\r\nN:Dubois;Jean-Pierre;;M.;\r\n"
        "item1.EMAIL;TYPE=INTERNET:jp@example.fr\r\nEMAIL;TYPE=INTERNET,PREF:jean-pierre.dubois@ville.example\r\n"
        "TEL;TYPE=WORK,VOICE:+33 1 23 45 67 89\r\nORG:Ville de Lyon;Urbanisme\r\n"
        "NOTE:Likes long\r\n  lunches\\, and\\nplans.\r\nEND:VCARD\r\n"
    )
    [row] = rows(text)
    assert row["name"] == "Jean-Pierre Dubois" and row["form_of_address"] == "M. Dubois"
    assert row["emails"] == "jean-pierre.dubois@ville.example; jp@example.fr"  # the preferred first
    assert (row["organisation"], row["department"]) == ("Ville de Lyon", "Urbanisme")
    assert row["notes"] == "Likes long lunches, and\nplans."


def test_a_version_4_card_with_languages_and_a_zone_is_read():
    [row] = rows(
        "BEGIN:VCARD\nVERSION:4.0\nFN:Li Wei\nTEL;VALUE=uri:tel:+86-10-1234\nLANG;PREF=1:zh\n"
        "TZ:Asia/Shanghai\nEND:VCARD\n"
    )
    assert (row["phones"], row["languages"], row["time_zone"]) == ("+86-10-1234", "zh", "Asia/Shanghai")


def test_a_version_4_card_lists_its_emails_and_phones_by_their_rank():
    """PREF=1 is the most preferred; PREF=2 was taken for as preferred, and made the main email."""
    [row] = rows(
        "BEGIN:VCARD\nVERSION:4.0\nFN:Li Wei\nEMAIL;PREF=2:home@example.org\nEMAIL:old@example.org\n"
        "EMAIL;TYPE=work;PREF=1:work@example.org\nTEL;PREF=3:+86 1\nTEL;PREF=1:+86 2\nEND:VCARD\n"
    )
    assert row["emails"] == "work@example.org; home@example.org; old@example.org"
    assert row["phones"] == "+86 2; +86 1"


def test_google_contacts_own_groups_are_not_taken_for_tags():
    """Every card Google Contacts exports is in its "myContacts" group: each became a tag of that name."""
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ama Owusu\nCATEGORIES:myContacts,starred,Water board\nEND:VCARD\n"
    [row] = rows(card)
    assert row["tags"] == "Water board"


def test_a_phone_given_as_a_uri_with_an_extension_stays_one_number():
    """`;ext=12` came through as a second phone number, "ext=12"."""
    [row] = rows(
        "BEGIN:VCARD\nVERSION:4.0\nFN:Li Wei\nTEL;VALUE=uri;TYPE=work:tel:+1-555-555-0100;ext=12\n"
        "TEL;VALUE=uri:tel:+86-10-1234;phone-context=example.com\nEND:VCARD\n"
    )
    assert row["phones"] == "+1-555-555-0100 ext. 12; +86-10-1234"


def test_an_email_and_a_phone_given_as_uris_are_read_as_the_address_and_the_number():
    """`EMAIL:mailto:…` came through as "mailto:ana@example.org", which the import refused as no address."""
    [row] = rows(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ana Costa\nEMAIL:mailto:ana@example.org\n"
        "EMAIL;VALUE=uri:MAILTO:ana.costa%40home.example?subject=Hello\nTEL:tel:+44 20 7946 0000\nEND:VCARD\n"
    )
    assert row["emails"] == "ana@example.org; ana.costa@home.example"
    assert row["phones"] == "+44 20 7946 0000"


def test_a_version_2_1_quoted_printable_card_is_read():
    text = (
        "BEGIN:VCARD\nVERSION:2.1\nN:M=C3=BCller;Anna\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Anna M=C3=BCller\nEND:VCARD\n"
    )
    assert rows(text)[0]["name"] == "Anna Müller"


def test_a_fax_number_is_not_taken_for_one_of_the_persons_phones():
    """Outlook (2.1) and Google (3.0) list the fax among the TEL lines; a line for voice and fax stays."""
    outlook = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Otto Ober\r\nTEL;WORK;VOICE:+49 30 1234567\r\n"
        "TEL;WORK;FAX:+49 30 1234568\r\nTEL;HOME;FAX:+49 30 7654321\r\nEND:VCARD\r\n"
    )
    google = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Gina G\nTEL;TYPE=CELL:+44 7700 900123\nTEL;TYPE=FAX:+44 20 7946 0999\n"
        "TEL;TYPE=WORK,FAX:+44 20 7946 0998\nTEL;TYPE=VOICE,FAX:+44 20 7946 0100\nEND:VCARD\n"
    )
    assert rows(outlook)[0]["phones"] == "+49 30 1234567"
    assert rows(google)[0]["phones"] == "+44 7700 900123; +44 20 7946 0100"


def test_a_contact_group_in_an_address_book_is_not_taken_for_a_person():
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Board members\nFN:Board members\nX-ADDRESSBOOKSERVER-KIND:group\n"
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1b2c\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ana Costa\nUID:1b2c\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:group\nFN:Press office\nMEMBER:urn:uuid:1b2c\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:individual\nFN:Li Wei\nEND:VCARD\n"
    )
    assert [row["name"] for row in rows(text)] == ["Ana Costa", "Li Wei"]


def test_an_organisations_or_a_places_card_is_not_taken_for_a_person():
    text = (
        "BEGIN:VCARD\nVERSION:4.0\nKIND:org\nFN:Lagos State Ministry\nORG:Lagos State Ministry\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:Location\nFN:Conference room\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nFN:Amina Yusuf\nEND:VCARD\n"
    )
    assert [row["name"] for row in rows(text)] == ["Amina Yusuf"]


def test_application_device_and_unknown_kinds_of_card_are_not_taken_for_people():
    """Only a card with no KIND, or KIND:individual, is a person's: a kind we do not know is left out rather
    than guessed to be one."""
    text = (
        "BEGIN:VCARD\nVERSION:4.0\nKIND:application\nFN:Calendar bot\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:Device\nFN:Meeting room phone\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:x-mailing-list\nFN:Press list\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nitem1.KIND:org\nFN:Lagos State Ministry\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nKIND:individual\nFN:Li Wei\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nFN:Amina Yusuf\nEND:VCARD\n"
    )
    assert [row["name"] for row in rows(text)] == ["Li Wei", "Amina Yusuf"]


@pytest.mark.django_db  # names are compared unaccented by PostgreSQL's rules
def test_an_apple_company_card_is_not_taken_for_a_person():
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:Lagos State Ministry\nORG:Lagos State Ministry;\n"
        "X-ABShowAs:COMPANY\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nN:Yusuf;Amina;;;\nFN:Amina Yusuf\nORG:Lagos State Ministry;\n"
        "END:VCARD\n"
    )
    assert [row["name"] for row in rows(text)] == ["Amina Yusuf"]


@pytest.mark.django_db
def test_a_persons_card_shown_as_their_company_is_the_person_at_that_company():
    """Apple's "show as company" is how the card is listed, under its FN (the company's name): the person is
    in N."""
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Yusuf;Amina;;Dr;\nFN:Lagos State Ministry\nORG:Lagos State Ministry;\n"
        "TITLE:Director\nX-ABShowAs:COMPANY\nEND:VCARD\n"
    )
    [row] = rows(text)
    assert (row["name"], row["organisation"], row["role"]) == (
        "Amina Yusuf",
        "Lagos State Ministry",
        "Director",
    )


@pytest.mark.django_db
def test_a_company_card_naming_only_the_company_in_n_is_not_taken_for_a_person():
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:lagos state ministry;;;;\nFN:Lagos State Ministry\n"
        "ORG:Lagos State Ministry;\nX-ABShowAs:COMPANY\nEND:VCARD\n"
    )
    assert rows(text) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "card",
    [
        "N:Societe Generale;;;;\nFN:Société Générale\nORG:Société Générale;\n",
        "N:Acme Inc;;;;\nFN:Acme Inc.\nORG:Acme Inc.;\n",
        "N:;ACME  LTD;;;\nFN:Acme Ltd\nORG:Acme Ltd;\n",
        # The company's name split between the family and the given name, in either order.
        "N:Générale;Société;;;\nFN:Société Générale\nORG:Société Générale;\n",
        "N:Authority;Port;;;\nFN:Port Authority\nORG:Port Authority;\n",
        "N:Acme;Ltd;;;\nFN:Acme Ltd\nORG:Acme Ltd;\n",
    ],
)
def test_a_company_card_naming_the_company_in_n_however_written_is_not_taken_for_a_person(card):
    assert rows(f"BEGIN:VCARD\nVERSION:3.0\n{card}X-ABShowAs:COMPANY\nEND:VCARD\n") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "card,name",
    [
        ("N:Dubois;Jean-Pierre;;M.;\nFN:Société Générale\nORG:Société Générale;\n", "Jean-Pierre Dubois"),
        ("N:Ford;Henry;;;\nFN:Ford Motor Company\nORG:Ford Motor Company;\n", "Henry Ford"),
        ("N:;Amina;;;\nFN:Port Authority\nORG:Port Authority;\n", "Amina"),
        # FN rebuilt from N by a client that kept the X-ABShowAs: the person's own name, not the company's.
        ("N:Smith;John;;;\nFN:John Smith\nORG:Acme;\n", "John Smith"),
        # No company named: Apple lists the card under the person's name, which it writes into FN too.
        ("N:Yusuf;Amina;;;\nFN:Amina Yusuf\n", "Amina Yusuf"),
        ("N:;Amina;;;\nFN:Amina\n", "Amina"),
        ("N:Acme Ltd;;;;\nFN:Acme Ltd\n", "Acme Ltd"),
    ],
)
def test_a_card_shown_as_a_company_with_a_name_of_its_own_in_n_is_that_person(card, name):
    [row] = rows(f"BEGIN:VCARD\nVERSION:3.0\n{card}X-ABShowAs:COMPANY\nEND:VCARD\n")
    assert row["name"] == name


def test_an_offset_time_zone_is_ignored_rather_than_refused():
    assert rows("BEGIN:VCARD\nVERSION:3.0\nFN:X\nTZ:-05:00\nEND:VCARD\n")[0]["time_zone"] == ""


@pytest.mark.parametrize("text", ["", "hello\n", "BEGIN:VCARD\nFN:x\n", "FN:x\nEND:VCARD\n"])
def test_a_file_that_is_not_a_vcard_is_refused(text):
    with pytest.raises(vcard.VCardError):
        rows(text)


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_stakeholder_goes_out_and_comes_back(officer, version):
    person = StakeholderFactory(
        name="Siobhán Ní Bhriain",
        form_of_address="Dr Ní Bhriain",
        languages=["ga", "en"],
        time_zone="Europe/Dublin",
        emails=["siobhan@example.ie"],
        phones=["+353 1 555 0100"],
        notes="Chairs the board; speaks Irish,\nEnglish." + "x" * 100,
        owner=officer,
    )
    AffiliationFactory(stakeholder=person, role="Chair", department="Board")
    card = vcard.stakeholder_card(person, version=version)
    assert all(len(line.encode()) <= 75 for line in card.split("\r\n"))
    [row] = rows(card)
    assert row["name"] == "Siobhán Ní Bhriain" and row["emails"] == "siobhan@example.ie"
    assert row["notes"] == person.notes and row["role"] == "Chair" and row["department"] == "Board"
    assert "N:Ní Bhriain;Siobhán;;Dr;" in card and row["form_of_address"] == "Dr Ní Bhriain"
    if version == "4.0":
        assert (row["languages"], row["time_zone"]) == ("ga; en", "Europe/Dublin")


@pytest.mark.parametrize(
    "name, form_of_address, structured",
    [
        ("Chen Meiling", "Ms Chen", ("Chen", "Meiling", "Ms")),
        ("Margaret Okafor", "Hon. Dr okafor", ("Okafor", "Margaret", "Hon. Dr")),
        ("Aroha Tipene", "Aroha", ("Tipene", "Aroha", "")),
        ("Jean-Pierre Dubois", "Your Excellency", ("Dubois", "Jean-Pierre", "")),
    ],
)
def test_the_honorific_is_what_the_form_of_address_puts_before_part_of_the_name(
    name, form_of_address, structured
):
    assert vcard.structured_name(name, form_of_address) == structured


@pytest.mark.django_db
def test_a_form_of_address_without_the_family_name_is_no_honorific(officer):
    person = StakeholderFactory(name="Jean-Pierre Dubois", form_of_address="Your Excellency", owner=officer)
    assert "N:Dubois;Jean-Pierre;;;" in vcard.stakeholder_card(person)


@pytest.mark.django_db
def test_the_filtered_list_exports_as_an_address_book(officer_client, officer):
    StakeholderFactory(name="Ana Costa", owner=officer)
    StakeholderFactory(name="Li Wei", owner=officer)
    response = officer_client.get("/stakeholders/export.vcf?q=costa")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/vcard")
    assert body.count("BEGIN:VCARD") == 1 and "FN:Ana Costa" in body


@pytest.mark.django_db
@pytest.mark.parametrize("query, version", [("", "3.0"), ("?version=4.0", "4.0"), ("?version=9", "3.0")])
def test_one_stakeholders_card_comes_in_the_version_asked_for_as_the_lists_does(
    officer_client, officer, django_assert_max_num_queries, query, version
):
    person = StakeholderFactory(name="Li Wei", languages=["zh"], owner=officer)
    AffiliationFactory(stakeholder=person)
    # Session, user, the stakeholder with its owner and current positions, their tags.
    with django_assert_max_num_queries(5):
        response = officer_client.get(f"/stakeholders/{person.pk}/vcard/{query}")
        card = b"".join(response.streaming_content).decode()
    assert f"VERSION:{version}\r\n" in card
    assert ("LANG;PREF=1:zh" in card) is (version == "4.0")
