"""Labels of choices read from a dictionary made once (liaison_crm.choices) are the ones Django gives."""

import pytest

from concerns.models import Concern
from interactions.models import Interaction


@pytest.mark.parametrize(
    ("model", "field_name"), [(Interaction, "kind"), (Interaction, "sentiment"), (Concern, "severity")]
)
def test_choice_labels_are_what_djangos_display_gives(model, field_name):
    field = model._meta.get_field(field_name)
    assert f"get_{field_name}_display" in model.__dict__
    for value in [*(value for value, _label in field.flatchoices), "unknown", 99, None]:
        record = model(**{field_name: value})
        assert getattr(record, f"get_{field_name}_display")() == record._get_FIELD_display(field), value
