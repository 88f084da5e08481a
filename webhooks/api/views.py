import django_filters

from accounts.permissions import can_edit_webhook
from api.viewsets import ModelViewSet, ReadOnlyViewSet

from .. import services
from ..models import WebhookDelivery, WebhookEndpoint
from .serializers import WebhookDeliverySerializer, WebhookEndpointSerializer


class WebhookEndpointViewSet(ModelViewSet):
    """Addresses of other tools told of events by signed POSTs. Each sees only what its owner may see."""

    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["active"]
    ordering_fields = ["created_at"]
    ordering = ("-created_at",)
    edit_permission = staticmethod(can_edit_webhook)

    def get_queryset(self):
        return WebhookEndpoint.objects.visible_to(self.request.user)

    def create_object(self, data):
        return services.webhook_endpoint_create(owner=self.request.user, **data)

    def update_object(self, instance, data):
        return services.webhook_endpoint_update(endpoint=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.webhook_endpoint_delete(endpoint=instance, actor=self.request.user)


def visible_endpoints(request):
    if request is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.visible_to(request.user)


class WebhookDeliveryFilterSet(django_filters.FilterSet):
    # Another owner's endpoint is answered as one that does not exist, not as an empty log.
    endpoint = django_filters.ModelChoiceFilter(queryset=visible_endpoints)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "event", "status"]


class WebhookDeliveryViewSet(ReadOnlyViewSet):
    """The delivery log: each event sent (or being sent) to each endpoint, with attempts and errors."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    ordering_fields = ["created_at"]
    ordering = ("-created_at",)
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return WebhookDelivery.objects.visible_to(self.request.user)
