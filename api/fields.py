"""Fields the apps' API serializers share."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from accounts.querysets import handover_message
from liaison_crm.record_ids import BIGINT_MAX
from liaison_crm.typed_dates import typed_date_problem


class RecordsField(serializers.ManyRelatedField):
    """A list of records by id, read in one query: DRF's own reads one per id, so a body naming twenty
    people cost twenty queries. Each id is checked as the single field checks it, with its messages."""

    def to_internal_value(self, data):
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        child = self.child_relation
        queryset = child.get_queryset()
        ids = []
        for item in data:
            try:
                if isinstance(item, bool):
                    raise TypeError
                ids.append(queryset.model._meta.pk.to_python(item))
            except (DjangoValidationError, TypeError, ValueError):
                child.fail("incorrect_type", data_type=type(item).__name__)
        storable = [pk for pk in ids if pk is not None and -BIGINT_MAX - 1 <= pk <= BIGINT_MAX]
        found = {record.pk: record for record in queryset.filter(pk__in=storable)} if storable else {}
        for item, pk in zip(data, ids, strict=True):
            if pk not in found:
                child.fail("does_not_exist", pk_value=item)
        return [found[pk] for pk in ids]


class ReadManyAtOnce:
    """For a related field: `many=True` reads the records named in one query (`RecordsField`)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS})
        return RecordsField(**list_kwargs)


class VisibleRecordField(ReadManyAtOnce, serializers.PrimaryKeyRelatedField):
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


class AssigneeField(serializers.PrimaryKeyRelatedField):
    """A member of staff given something to chase, by id: one `User.objects.assignable()` lists — or the
    caller, or whoever holds the record already, so a tool may still name itself for what it made."""

    default_error_messages = {
        "does_not_exist": _(
            "No active member of staff has the id {pk_value}: work goes to a person, never to a service "
            "account."
        ),
    }

    def __init__(self, **kwargs):
        # What the schema documents (the id's type); a request's choices come from get_queryset().
        kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return get_user_model().objects.none()
        return get_user_model().objects.assignable(keeping=[request.user.pk, self._holder_id()])

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            # The record sent back naming its chaser, who has left: say so, as the form does.
            leaver = get_user_model().objects.leaver_holding(self._holder_id(), data)
            if leaver is None:
                raise
            raise serializers.ValidationError(handover_message(leaver), code="left") from None

    def _holder_id(self):
        return getattr(self.parent.instance, f"{self.source}_id", None)


class StaffField(ReadManyAtOnce, serializers.PrimaryKeyRelatedField):
    """Members of staff named as people, by id (`many=True`): colleagues invited to a meeting, present at an
    interaction. Those `User.objects.nameable()` lists — a service account is a tool, not a person — and
    those the record already names (`named(record)`: their ids), even if they have left since, so a record
    sent back unchanged is still taken."""

    default_error_messages = {
        "does_not_exist": _(
            "No active member of staff has the id {pk_value}: a service account is a tool, not a person."
        ),
    }

    def __init__(self, *, named, **kwargs):
        self.named = named
        # What the schema documents (the id's type); a request's choices come from get_queryset().
        kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        users = get_user_model().objects
        if self.context.get("request") is None:
            return users.none()
        record = self.root.instance
        if record is None:
            return users.nameable()
        return users.nameable(keeping=self.named(record))


class _TypedDateBounds:
    """liaison_crm.typed_dates' bounds for a date a client sends: on an update, only when it differs from the
    record's."""

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        record = getattr(self.parent, "instance", None)
        was = getattr(record, self.source, None) if record is not None else None
        if problem := typed_date_problem(value, was=was):
            raise serializers.ValidationError(problem, code="out_of_range")
        return value


class TypedDateField(_TypedDateBounds, serializers.DateField):
    pass


class TypedDateTimeField(_TypedDateBounds, serializers.DateTimeField):
    pass


class TypedDatesMixin:
    """For a ModelSerializer that takes dates: its model's date fields become the bounded ones above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: TypedDateField,
        models.DateTimeField: TypedDateTimeField,
    }
