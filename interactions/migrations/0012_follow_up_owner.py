import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0014_engagement_objectives'),
        ('interactions', '0011_search_ignores_accents'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='interaction',
            name='follow_up_owner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_follow_ups', to=settings.AUTH_USER_MODEL, verbose_name='follow-up owner'),
        ),
        migrations.AddField(
            model_name='interactionevent',
            name='follow_up_owner',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='follow-up owner'),
        ),
        migrations.AlterField(
            model_name='interaction',
            name='is_confidential',
            field=models.BooleanField(default=False, help_text="Visible only to you, the follow-up's owner, the stakeholders' owners and managers.", verbose_name='confidential'),
        ),
        migrations.AlterField(
            model_name='interactionevent',
            name='is_confidential',
            field=models.BooleanField(default=False, help_text="Visible only to you, the follow-up's owner, the stakeholders' owners and managers.", verbose_name='confidential'),
        ),
        # Until now whoever logged an interaction chased its follow-up: they own it, done or not. The events
        # get the same owner, so the first change after this shows no owner appearing from nowhere. The
        # history's old triggers do not watch the new column: the backfill writes no events.
        migrations.RunSQL(
            [
                "UPDATE interactions_interaction SET follow_up_owner_id = logged_by_id "
                "WHERE follow_up_on IS NOT NULL",
                "UPDATE interactions_interactionevent SET follow_up_owner_id = logged_by_id "
                "WHERE follow_up_on IS NOT NULL",
            ],
            migrations.RunSQL.noop,
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='interaction',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='interaction',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='interaction',
            name='delete_delete',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='interaction',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interactions_interactionevent" ("direction", "follow_up_done_at", "follow_up_note", "follow_up_on", "follow_up_owner_id", "id", "is_confidential", "kind", "logged_by_id", "notes", "occurred_at", "organisation_id", "outcome", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sentiment", "summary") SELECT new_values."direction", new_values."follow_up_done_at", new_values."follow_up_note", new_values."follow_up_on", new_values."follow_up_owner_id", new_values."id", new_values."is_confidential", new_values."kind", new_values."logged_by_id", new_values."notes", new_values."occurred_at", new_values."organisation_id", new_values."outcome", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."sentiment", new_values."summary" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='b3e978b0dad22fde3ea69c11f686384943a3f620', level='STATEMENT', operation='INSERT', pgid='pgtrigger_insert_insert_35397', referencing='REFERENCING NEW TABLE AS new_values ', table='interactions_interaction', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='interaction',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interactions_interactionevent" ("direction", "follow_up_done_at", "follow_up_note", "follow_up_on", "follow_up_owner_id", "id", "is_confidential", "kind", "logged_by_id", "notes", "occurred_at", "organisation_id", "outcome", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sentiment", "summary") SELECT new_values."direction", new_values."follow_up_done_at", new_values."follow_up_note", new_values."follow_up_on", new_values."follow_up_owner_id", new_values."id", new_values."is_confidential", new_values."kind", new_values."logged_by_id", new_values."notes", new_values."occurred_at", new_values."organisation_id", new_values."outcome", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."sentiment", new_values."summary" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values."direction" IS DISTINCT FROM (new_values."direction") OR old_values."follow_up_done_at" IS DISTINCT FROM (new_values."follow_up_done_at") OR old_values."follow_up_note" IS DISTINCT FROM (new_values."follow_up_note") OR old_values."follow_up_on" IS DISTINCT FROM (new_values."follow_up_on") OR old_values."follow_up_owner_id" IS DISTINCT FROM (new_values."follow_up_owner_id") OR old_values."id" IS DISTINCT FROM (new_values."id") OR old_values."is_confidential" IS DISTINCT FROM (new_values."is_confidential") OR old_values."kind" IS DISTINCT FROM (new_values."kind") OR old_values."logged_by_id" IS DISTINCT FROM (new_values."logged_by_id") OR old_values."notes" IS DISTINCT FROM (new_values."notes") OR old_values."occurred_at" IS DISTINCT FROM (new_values."occurred_at") OR old_values."organisation_id" IS DISTINCT FROM (new_values."organisation_id") OR old_values."outcome" IS DISTINCT FROM (new_values."outcome") OR old_values."sentiment" IS DISTINCT FROM (new_values."sentiment") OR old_values."summary" IS DISTINCT FROM (new_values."summary")) ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='f14a93c7906f7594660c60284759a43e10b87b9b', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_update_update_99134', referencing='REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ', table='interactions_interaction', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='interaction',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "interactions_interactionevent" ("direction", "follow_up_done_at", "follow_up_note", "follow_up_on", "follow_up_owner_id", "id", "is_confidential", "kind", "logged_by_id", "notes", "occurred_at", "organisation_id", "outcome", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sentiment", "summary") SELECT old_values."direction", old_values."follow_up_done_at", old_values."follow_up_note", old_values."follow_up_on", old_values."follow_up_owner_id", old_values."id", old_values."is_confidential", old_values."kind", old_values."logged_by_id", old_values."notes", old_values."occurred_at", old_values."organisation_id", old_values."outcome", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."sentiment", old_values."summary" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;', hash='dfe297f32c56d80790b62c528834132f325d5241', level='STATEMENT', operation='DELETE', pgid='pgtrigger_delete_delete_b79e2', referencing='REFERENCING OLD TABLE AS old_values ', table='interactions_interaction', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='interaction',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('follow_up_on__isnull', True), ('follow_up_owner__isnull', True)), models.Q(('follow_up_on__isnull', False), ('follow_up_owner__isnull', False)), _connector='OR'), name='interaction_follow_up_has_owner', violation_error_message='A follow-up needs someone to chase it, and only a follow-up has one: choose who follows it up, or clear its date.'),
        ),
    ]
