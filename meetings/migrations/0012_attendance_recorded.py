from django.db import migrations, models
from django.db.models import Q


def record_attendance_as_it_was_logged(apps, schema_editor):
    """Meetings held before attendance was asked logged everyone who had not declined as present."""
    Attendee = apps.get_model("meetings", "Attendee")
    held = Attendee.objects.filter(meeting__status="held")
    held.update(attended=models.ExpressionWrapper(~Q(rsvp="declined"), output_field=models.BooleanField()))


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0011_search_covers_place"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendee",
            name="attended",
            field=models.BooleanField(blank=True, null=True, verbose_name="attended"),
        ),
        migrations.RunPython(record_attendance_as_it_was_logged, migrations.RunPython.noop, elidable=True),
    ]
