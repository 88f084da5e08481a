"""A record's address built from its id (liaison_crm.record_urls) is the one Django's reverse() gives."""

import pytest
from django.urls import reverse, set_script_prefix

from liaison_crm.record_urls import record_url


@pytest.mark.parametrize(
    "viewname",
    [
        "contacts:stakeholder_detail",
        "contacts:organisation_detail",
        "interactions:detail",
        "commitments:detail",
        "concerns:detail",
        "meetings:detail",
    ],
)
@pytest.mark.parametrize("pk", [1, 42, 987654321])
def test_record_url_is_what_reverse_gives(viewname, pk):
    assert record_url(viewname, pk) == reverse(viewname, args=[pk])


def test_record_url_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert record_url("contacts:stakeholder_detail", 7) == "/crm/stakeholders/7/"
        assert reverse("contacts:stakeholder_detail", args=[7]) == "/crm/stakeholders/7/"
    finally:
        set_script_prefix("/")
