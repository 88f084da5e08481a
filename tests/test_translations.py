"""The catalogues of the emails stakeholders receive (locale/README.md): complete, and what is compiled from
them is what is committed.

The .po files are read here without GNU gettext, which a newcomer's machine may lack; only the checks that
need its tools to compare against skip without them.
"""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [language for language in settings.EMAIL_LANGUAGES if language != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _po(language: str, locale: Path = LOCALE) -> Path:
    return locale / language / "LC_MESSAGES" / "django.po"


def _entries(po: Path) -> list[tuple[set[str], dict[str, str]]]:
    """Each entry of `po` as its flags and its fields (msgctxt, msgid, msgid_plural, msgstr, msgstr[n]);
    obsolete entries (#~) and other comments are left out."""
    entries = []
    for block in po.read_text().split("\n\n"):
        flags, fields, field = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[field] += ast.literal_eval(line)
            else:
                field, _space, text = line.partition(" ")
                fields[field] = ast.literal_eval(text)
        if "msgid" in fields:
            entries.append((flags, fields))
    return entries


def _messages(po: Path) -> set[tuple[str, str, str]]:
    return {
        (fields.get("msgctxt", ""), fields["msgid"], fields.get("msgid_plural", ""))
        for _flags, fields in _entries(po)
    }


def _translations(fields: dict[str, str]) -> list[str]:
    return [text for field, text in fields.items() if field.startswith("msgstr")]


def test_every_language_the_emails_are_sent_in_has_a_catalogue():
    assert TRANSLATED
    for language in TRANSLATED:
        assert _po(language).is_file() and _po(language).with_suffix(".mo").is_file(), language


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_a_catalogue_is_translated_and_none_is_fuzzy(language):
    entries = _entries(_po(language))
    (header,) = [fields for _flags, fields in entries if fields["msgid"] == ""]
    plural_forms = int(re.search(r"nplurals=(\d+)", header["msgstr"])[1])
    assert f"Language: {language}\n" in header["msgstr"]
    for flags, fields in entries:
        assert "fuzzy" not in flags, fields["msgid"]
        translations = _translations(fields)
        assert all(translations), fields["msgid"]
        assert len(translations) == (plural_forms if "msgid_plural" in fields else 1), fields["msgid"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders_of_its_message(language):
    """A placeholder misspelt in a translation fails the email to everyone who reads that language."""
    for _flags, fields in _entries(_po(language)):
        wanted = set(PLACEHOLDER.findall(fields.get("msgid_plural", fields["msgid"])))
        for translation in _translations(fields):
            assert set(PLACEHOLDER.findall(translation)) == wanted, translation


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_file_is_compiled_from_the_po_file(language, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", compiled, _po(language)], check=True)
    # Compared as catalogues, not bytes: another version of msgfmt may lay the same messages out otherwise.
    with compiled.open("rb") as fresh, _po(language).with_suffix(".mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
def test_the_catalogues_hold_exactly_the_messages_the_emails_use(tmp_path, monkeypatch):
    """makemessages run again on a copy finds no message missing from a catalogue and none left over."""
    for source in ("meetings/notifications.py", "meetings/calendar.py", "templates/meetings/email"):
        copy = shutil.copytree if (settings.BASE_DIR / source).is_dir() else shutil.copyfile
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        copy(settings.BASE_DIR / source, tmp_path / source)
    for language in TRANSLATED:
        _po(language, tmp_path / "locale").parent.mkdir(parents=True)
        shutil.copyfile(_po(language), _po(language, tmp_path / "locale"))
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=TRANSLATED, verbosity=0)

    for language in TRANSLATED:
        assert _messages(_po(language, tmp_path / "locale")) == _messages(_po(language)), language


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
@pytest.mark.parametrize(
    ("options", "catalogue", "extracted"),
    [
        ({}, "django.po", {"Your meeting"}),
        ({"all_sources": True}, "django.po", {"Your meeting", "Saved"}),
        ({"domain": "djangojs"}, "djangojs.po", {"Copied"}),
    ],
)
def test_only_the_django_domain_is_limited_to_the_emails_unless_all_sources_are_asked_for(
    tmp_path, monkeypatch, options, catalogue, extracted
):
    """Every run was limited to the emails' files: `-d djangojs`, or a catalogue of the whole interface,
    silently extracted nothing."""
    sources = {
        "meetings/notifications.py": '_("Your meeting")\n',
        "contacts/views.py": '_("Saved")\n',
        "static/js/app.js": 'gettext("Copied");\n',
    }
    for path, text in sources.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["fr"], verbosity=0, **options)

    po = tmp_path / "locale" / "fr" / "LC_MESSAGES" / catalogue
    assert {msgid for _context, msgid, _plural in _messages(po)} - {""} == extracted
