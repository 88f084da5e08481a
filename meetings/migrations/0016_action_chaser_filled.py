import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def chasers_from_organisers(apps, schema_editor):
    """Until now a stakeholder's action was chased by the meeting's organiser: they chase it. Its history
    gets the same chaser, so the first change after this shows no chaser appearing from nowhere; the
    history's triggers are replaced after this, so filling the column writes no events."""
    Meeting = apps.get_model("meetings", "Meeting")
    organiser = Subquery(Meeting.objects.filter(pk=OuterRef("meeting_id")).values("organiser_id")[:1])
    for name in ("ActionItem", "ActionItemEvent"):
        # Only those without one: run again after a rollback, it keeps the chasers handed on since.
        rows = apps.get_model("meetings", name).objects.filter(
            owner_stakeholder__isnull=False, chaser__isnull=True
        )
        rows.update(chaser_id=organiser)


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0015_action_chaser"),
    ]

    operations = [
        migrations.RunPython(chasers_from_organisers, migrations.RunPython.noop, elidable=True),
        # The filled foreign keys are checked now: the table is altered below, which PostgreSQL refuses
        # while their checks wait for the end of the transaction.
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        pgtrigger.migrations.RemoveTrigger(
            model_name='actionitem',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='actionitem',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='actionitem',
            name='delete_delete',
        ),
        migrations.AddIndex(
            model_name='actionitem',
            index=models.Index(condition=models.Q(('chaser__isnull', False)), fields=['chaser', 'due_on'], name='action_by_chaser'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='actionitem',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "meetings_actionitemevent" ("chaser_id", "created_by_id", "description", "due_on", "id", "meeting_id", "owner_stakeholder_id", "owner_user_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "status") SELECT new_values."chaser_id", new_values."created_by_id", new_values."description", new_values."due_on", new_values."id", new_values."meeting_id", new_values."owner_stakeholder_id", new_values."owner_user_id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."status" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='c4be75c9e3e887155ae05270d098c9ac0663a6d9', level='STATEMENT', operation='INSERT', pgid='pgtrigger_insert_insert_e0d21', referencing='REFERENCING NEW TABLE AS new_values ', table='meetings_actionitem', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='actionitem',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "meetings_actionitemevent" ("chaser_id", "created_by_id", "description", "due_on", "id", "meeting_id", "owner_stakeholder_id", "owner_user_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "status") SELECT new_values."chaser_id", new_values."created_by_id", new_values."description", new_values."due_on", new_values."id", new_values."meeting_id", new_values."owner_stakeholder_id", new_values."owner_user_id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."status" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values."chaser_id" IS DISTINCT FROM (new_values."chaser_id") OR old_values."created_by_id" IS DISTINCT FROM (new_values."created_by_id") OR old_values."description" IS DISTINCT FROM (new_values."description") OR old_values."due_on" IS DISTINCT FROM (new_values."due_on") OR old_values."id" IS DISTINCT FROM (new_values."id") OR old_values."meeting_id" IS DISTINCT FROM (new_values."meeting_id") OR old_values."owner_stakeholder_id" IS DISTINCT FROM (new_values."owner_stakeholder_id") OR old_values."owner_user_id" IS DISTINCT FROM (new_values."owner_user_id") OR old_values."status" IS DISTINCT FROM (new_values."status")) ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='e36341db8df90b4fce7286533f9e7cc286cce4bf', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_update_update_bd1ee', referencing='REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ', table='meetings_actionitem', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='actionitem',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "meetings_actionitemevent" ("chaser_id", "created_by_id", "description", "due_on", "id", "meeting_id", "owner_stakeholder_id", "owner_user_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "status") SELECT old_values."chaser_id", old_values."created_by_id", old_values."description", old_values."due_on", old_values."id", old_values."meeting_id", old_values."owner_stakeholder_id", old_values."owner_user_id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."status" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;', hash='f13a37c3330ff082188b4377dc3e13ede5b29eee', level='STATEMENT', operation='DELETE', pgid='pgtrigger_delete_delete_b3522', referencing='REFERENCING OLD TABLE AS old_values ', table='meetings_actionitem', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='actionitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('chaser__isnull', True), ('owner_stakeholder__isnull', True)), models.Q(('chaser__isnull', False), ('owner_stakeholder__isnull', False)), _connector='OR'), name='action_stakeholder_owned_has_chaser', violation_error_message="A stakeholder's action needs a colleague to chase it; a colleague's own action is chased by its owner."),
        ),
    ]
