from django.apps import AppConfig
from django.db.models.signals import pre_save

# What a dashboard shows of a member of staff: whether they count (and how they are named) and for which team.
STANDING_FIELDS = {"is_active", "team", "team_id"}


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards"

    def ready(self):
        from django.contrib.auth import get_user_model

        from .panels import staff_changed

        # Whatever saves the account (the admin, a service, a script), the kept dashboards follow: someone
        # leaving, coming back or moving team shows on the next load, not when the rendering expires.
        def standing_changed(sender, instance, update_fields=None, **kwargs):
            # A sign-in (last_login) or a new password touches nothing a dashboard shows: no query for it.
            if instance.pk is None or (
                update_fields is not None and not STANDING_FIELDS & set(update_fields)
            ):
                return
            before = sender.objects.filter(pk=instance.pk).values_list("is_active", "team_id").first()
            if before is not None and before != (instance.is_active, instance.team_id):
                staff_changed()

        pre_save.connect(standing_changed, sender=get_user_model(), dispatch_uid="dashboards-staff-standing")
