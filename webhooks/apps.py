from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from .models import WebhookEndpoint
        from .subscriptions import endpoints_changed

        # Whatever saves an endpoint (a service, the admin, a cascade), the cached subscriptions follow.
        def changed(sender, **kwargs):
            endpoints_changed()

        post_save.connect(changed, sender=WebhookEndpoint, dispatch_uid="webhooks-endpoint-saved")
        post_delete.connect(changed, sender=WebhookEndpoint, dispatch_uid="webhooks-endpoint-deleted")
