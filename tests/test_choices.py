"""Labels of choices read from a dictionary made once (liaison_crm.choices) are the ones Django gives."""

import pytest
from django.apps import apps

FAST_LABELS = [
    (model, field.name)
    for model in apps.get_models()
    if "site-packages" not in model._meta.app_config.path  # this project's apps
    for field in model._meta.concrete_fields
    if field.choices and f"get_{field.name}_display" in model.__dict__
]


def test_the_labels_lists_and_exports_show_are_read_from_a_dictionary():
    assert {(model._meta.label, name) for model, name in FAST_LABELS} >= {
        ("interactions.Interaction", "kind"),
        ("interactions.Interaction", "sentiment"),
        ("contacts.Organisation", "kind"),
        ("contacts.Stakeholder", "engagement_level"),
        ("contacts.Stakeholder", "preferred_channel"),
        ("meetings.Meeting", "status"),
        ("meetings.ActionItem", "status"),
        ("commitments.Commitment", "direction"),
        ("commitments.Commitment", "status"),
        ("concerns.Concern", "severity"),
        ("concerns.Concern", "status"),
    }


@pytest.mark.parametrize(
    ("model", "field_name"), FAST_LABELS, ids=lambda value: getattr(value, "__name__", value)
)
def test_choice_labels_are_what_djangos_display_gives(model, field_name):
    field = model._meta.get_field(field_name)
    for value in [*(value for value, _label in field.flatchoices), "unknown", 99, None]:
        record = model(**{field_name: value})
        assert getattr(record, f"get_{field_name}_display")() == record._get_FIELD_display(field), value
