"""The suite's check that templates read only what their context has (tests/conftest.py) can fail."""

from django.template import engines

from .conftest import MISSING


def test_a_variable_missing_from_the_context_is_noted_with_where_it_was_read():
    page = engines["django"].from_string("{% load i18n %}{{ present }}\n{{ absent|default:'-' }}")

    assert page.render({"present": "here"}) == "here\n"
    assert [entry.split(" (")[0] for entry in MISSING.found] == ["absent"]
    assert "line 2" in MISSING.found[0]
    MISSING.found.clear()


def test_an_absent_flag_in_an_if_is_not_noted():
    engines["django"].from_string("{% if optional %}shown{% endif %}").render({})

    assert MISSING.found == []
