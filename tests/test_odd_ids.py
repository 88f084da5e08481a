"""Ids in addresses are read as ASCII digits within bigint: "²" (a digit to str.isdigit, not to int()) and
numbers past bigint are no record, not a server error."""

import pytest
from django.urls import reverse

from liaison_crm.record_ids import record_id

from .conftest import login

pytestmark = pytest.mark.django_db

ODD = ["²", "٣", "99999999999999999999"]


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize(
    "url, parameter",
    [
        ("contacts:organisation_create", "parent"),
        ("meetings:create", "stakeholder"),
        ("meetings:slot_check", "stakeholders"),
        ("commitments:create", "interaction"),
        ("commitments:create", "stakeholder"),
        ("concerns:create", "interaction"),
        ("concerns:create", "stakeholder"),
        ("interactions:log", "stakeholder"),
        ("contacts:stakeholder_merge", "duplicate"),
        ("dashboards:grid", "cell"),
        ("dashboards:dashboard", "team"),
    ],
)
def test_an_odd_id_in_an_address_is_no_record_not_a_server_error(client, admin_user, url, parameter, odd):
    login(client, admin_user)
    value = f"{odd}-1" if parameter == "cell" else odd
    assert client.get(reverse(url), {parameter: value}).status_code in (200, 302, 400, 404)


@pytest.mark.parametrize("odd", [*ODD, "", None, "-1", "1.0", " 1"])
def test_record_id_reads_ascii_digits_within_bigint_only(odd):
    assert record_id(odd) is None
    assert record_id("9223372036854775807") == 2**63 - 1
