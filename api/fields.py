"""Fields the apps' API serializers share."""

from rest_framework import serializers


class VisibleRecordField(serializers.PrimaryKeyRelatedField):
    """A record named by its id, among those the requesting user may see (`Model.objects.visible_to(user)`):
    one they may not read is answered as one that does not exist, as on the pages."""

    def __init__(self, model, **kwargs):
        self.model = model
        # What the schema documents (the id's type); a request's choices come from get_queryset().
        kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return self.model.objects.visible_to(request.user)
