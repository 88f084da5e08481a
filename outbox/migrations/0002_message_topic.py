from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundmessage",
            name="topic",
            field=models.CharField(
                blank=True,
                help_text=(
                    "What the message tells its recipient about, across versions, such as one person's "
                    "invitations to one meeting: a later message on the topic withdraws an earlier one not "
                    "yet sent."
                ),
                max_length=500,
                verbose_name="topic",
            ),
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="cancelled_because",
            field=models.TextField(blank=True, verbose_name="cancelled because"),
        ),
        migrations.AddField(
            model_name="outboundmessage",
            name="superseded_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "When a later message replaced this one while it was being sent: should the server refuse "
                    "it, it is withdrawn instead of tried again."
                ),
                null=True,
                verbose_name="superseded",
            ),
        ),
    ]
