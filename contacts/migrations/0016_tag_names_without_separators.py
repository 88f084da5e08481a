import unicodedata

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

# Tags named before commas and semicolons were refused still hold them, and a form save, or an export and
# import, splits each into two tags. Each is renamed with " / " where its separators were ("Water, sanitation"
# becomes "Water / sanitation"); a tag that already has the new name (in any case) takes its place: it gets
# the links and the other is deleted. Nothing is left to rename afterwards, so a second run does nothing.
SEPARATORS = "[,;]"
NAME_MAX_LENGTH = 60


def name_without_separators(tag) -> str:
    parts = (
        " ".join(unicodedata.normalize("NFC", part).split()) for part in tag.name.replace(";", ",").split(",")
    )
    name = " / ".join(part for part in parts if part)[:NAME_MAX_LENGTH].strip()
    return name or f"Tag {tag.pk}"


def rename_tags_holding_separators(apps, schema_editor):
    Tag = apps.get_model("contacts", "Tag")
    Deletion = apps.get_model("api", "Deletion")
    link_tables = [
        (apps.get_model("contacts", "Stakeholder").tags.through, "stakeholder"),
        (apps.get_model("contacts", "Organisation").tags.through, "organisation"),
        (apps.get_model("interactions", "Interaction").topics.through, "interaction"),
    ]
    now = timezone.now()
    for tag in Tag.objects.filter(name__regex=SEPARATORS).order_by("pk"):
        # The records carrying it read differently now: a sync by `updated_since` must see them change.
        for links, carrier in link_tables:
            carrier_model = links._meta.get_field(carrier).related_model
            carrier_ids = links.objects.filter(tag=tag).values(f"{carrier}_id")
            carrier_model.objects.filter(pk__in=carrier_ids).update(updated_at=now)
        name = name_without_separators(tag)
        namesake = (
            Tag.objects.annotate(lower_name=Lower("name")).filter(lower_name=Lower(Value(name))).first()
        )
        if namesake is None:
            tag.name = name
            tag.save(update_fields=["name"])
            continue
        for links, carrier in link_tables:
            carrier_column = links._meta.get_field(carrier).column
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    f'INSERT INTO "{links._meta.db_table}" ("{carrier_column}", tag_id) '
                    f'SELECT "{carrier_column}", %s FROM "{links._meta.db_table}" WHERE tag_id = %s '
                    "ON CONFLICT DO NOTHING",
                    [namesake.pk, tag.pk],
                )
        # A tool syncing through the API hears the tag went, and which one its records carry now.
        Deletion.objects.create(record_type="tag", record_id=tag.pk, deleted_at=now, merged_into=namesake.pk)
        tag.delete()  # and its links left behind


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0015_tag_uses_ordered_by_carrier"),
        ("interactions", "0013_follow_up_owner_indexes"),
        ("api", "0002_deletions_feed"),
    ]

    operations = [migrations.RunPython(rename_tags_holding_separators, migrations.RunPython.noop)]
