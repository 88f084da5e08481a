from django.db.models import QuerySet


class WebhookEndpointQuerySet(QuerySet):
    def visible_to(self, user):
        """Each tool's owner sees their endpoints; administrators see all."""
        if not user.is_active:
            return self.none()
        return self if user.is_crm_admin else self.filter(owner=user)

    def subscribed_to(self, event: str):
        return self.filter(active=True, owner__is_active=True, events__contains=[event])


class WebhookDeliveryQuerySet(QuerySet):
    def visible_to(self, user):
        if not user.is_active:
            return self.none()
        return self if user.is_crm_admin else self.filter(endpoint__owner=user)
