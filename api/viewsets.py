"""The base of every API view set: reads start from the view's visible queryset, writes call a service.

A view set names its serializer (the output, and the input unless `input_serializer_class` is given), its
`edit_permission` predicate from accounts.permissions, and implements `create_object`, `update_object`
and `delete_object` by calling the app's services. Around them this base adds ETags and If-Match (412),
Idempotency-Key on every POST (creates and actions), row locks for writes, and times in UTC.
"""

import datetime
from collections.abc import Mapping
from functools import cached_property

from django.db import transaction
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework import generics, mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from contacts.locks import people_hold
from contacts.models import Stakeholder

from .conditional import etag_for, matches, require_current
from .idempotency import idempotent
from .permissions import CanEdit

# The registers keep history: what is archived, ended, cancelled or resolved is not deleted through the API.
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class ApiViewMixin:
    """What every API view shares.

    DRF authenticates API requests itself, and its views are exempt from the site's LoginRequiredMiddleware
    (DRF marks them `login_required = False`), so a request without credentials gets a JSON 401, not a
    redirect to the login page.
    """

    def dispatch(self, request, *args, **kwargs):
        # Every POST, a create or an action such as cancel, honours Idempotency-Key: wrapped here, once, so
        # that no action can forget it and a retried "cancel" gets the first answer rather than a 400.
        if hasattr(self, "post"):
            answer = self.post
            self.post = lambda request, *args, **kwargs: idempotent(
                request, lambda: answer(request, *args, **kwargs)
            )
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # One clock for every client: times are written and read in UTC, whoever's token or session it is.
        timezone.activate(datetime.UTC)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The answer depends on the token and, where more than one format is offered, on Accept.
        negotiated = len(self.renderer_classes) > 1
        keep_private(response, vary=["Authorization", "Accept"] if negotiated else ["Authorization"])
        return response


def keep_private(response, *, vary: list[str]) -> None:
    """What a token may read is that token's: no shared cache may keep it (`private`), and a client's own
    cache asks again each time (`no-cache`), cheaply, with the ETag it holds. `vary` names the request
    headers the answer depends on."""
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, vary)


class ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"
    ordering = ("name",)

    def get_object(self):
        """The record by its id, if the user may see it: the list's filters do not apply, so an archived
        stakeholder, left out of the list unless asked for, is still read (and changed) at its address."""
        instance = generics.get_object_or_404(self.get_queryset(), pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, instance)
        return instance

    def retrieve(self, request, *args, **kwargs):
        return self.object_response(self.get_object(), refetch=False)

    def output(self, instance, **kwargs):
        return self.serializer_class(instance, context=self.get_serializer_context(), **kwargs)

    def refetched(self, instance):
        """The record as the list reads it (same queryset, so the same ETag)."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def object_response(self, instance, *, status_code=status.HTTP_200_OK, refetch=True) -> Response:
        """The record as the list shows it, with its ETag."""
        return self.representation_response(
            self.output(self.refetched(instance) if refetch else instance).data, status_code=status_code
        )

    def representation_response(self, data, *, status_code=status.HTTP_200_OK) -> Response:
        etag = etag_for(data)
        if self.request.method == "GET" and matches(
            self.request.headers.get("If-None-Match"), etag, weak=True
        ):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, status=status_code, headers={"ETag": etag})


class ModelViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyViewSet,
):
    permission_classes = [IsAuthenticated, CanEdit]
    input_serializer_class = None
    edit_permission = None
    # Input fields naming people a merge may remove meanwhile (a stakeholder, or a list of them): an update
    # holds them before its own record (`hold_people_first`).
    referenced_fields: tuple[str, ...] = ()

    # What each view set does through its app's services.
    def create_object(self, data: dict):
        raise NotImplementedError

    def update_object(self, instance, data: dict):
        raise NotImplementedError

    def delete_object(self, instance) -> None:
        raise NotImplementedError

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"} and self.input_serializer_class:
            return self.input_serializer_class
        return self.serializer_class

    def get_object_for_write(self):
        """The record, locked until the transaction ends, if the user may see (else 404) and edit it (403).

        Locked as the services lock it (liaison_crm.row_locks), which lock and read it again: a round trip
        more than strictly needed, kept for one plain way of locking rather than a record of locks held.
        """
        queryset = self.get_queryset().select_for_update(no_key=True, of=("self",))
        instance = generics.get_object_or_404(queryset, pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, instance)
        return instance

    def hold_people_first(self, named: Mapping) -> None:
        """Holds the people this write touches before its record is locked, in the order a merge takes them
        (contacts.locks says why): by default, for each of `referenced_fields` the input gives, those it
        names and those the record names there now, whom the write may take it away from (the services
        mark them changed, under the same locks).

        `named` has those fields as an update's input gives them (`referenced_in`); a delete or an action
        has none. A view set whose writes touch the record's own people otherwise holds them here, as
        `record_before_lock` names them.
        """
        for field, people in named.items():
            stored = self.people_stored(field)
            people_hold(
                own=stored,
                joining=people if isinstance(people, list) else [people],
                field=field,
            )

    def people_stored(self, field: str):
        """The people the record names in `field` as stored when this is evaluated (by default a relation of
        its model by that name): not as read before the lock, which a merge may since have changed."""
        record = self.record_before_lock
        stored = type(record)._base_manager.filter(pk=record.pk).values(field)
        return Stakeholder.objects.filter(pk__in=stored)

    def referenced_in(self, data, *, partial: bool) -> dict:
        """The `referenced_fields` of an update's input, peeked at: validated against the record as read
        without a lock. An input that does not validate names no one here, and is reported once the record
        is locked, after a stale If-Match (412)."""
        if not isinstance(data, Mapping) or not set(self.referenced_fields) & set(data):
            return {}
        peek = self.get_serializer(self.record_before_lock, data=data, partial=partial)
        if not peek.is_valid():
            return {}
        return {
            field: peek.validated_data[field]
            for field in self.referenced_fields
            if field in peek.validated_data
        }

    @cached_property
    def record_before_lock(self):
        """The record as read without a lock, once: whom a write will touch (404 if it is not there)."""
        return self.get_object()

    def require_current(self, instance) -> None:
        require_current(self.request, etag_for(self.output(instance).data))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = self.object_response(self.create_object(serializer.validated_data), status_code=201)
        created["Location"] = self.reverse_action("detail", args=[created.data["id"]])
        return created

    def update(self, request, *args, partial=False, **kwargs):
        with transaction.atomic():
            self.hold_people_first(self.referenced_in(request.data, partial=partial))
            instance = self.get_object_for_write()
            before = self.output(instance).data
            require_current(self.request, etag_for(before))
            # Checked against the record as locked: what it may be given can depend on its state (an action's
            # owner must attend its meeting), which a concurrent change may have just moved.
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            changing = transaction.savepoint()
            after = self.output(self.refetched(self.update_object(instance, serializer.validated_data))).data
            if _without_clock(after) == _without_clock(before):
                # Nothing the client sees changed (an empty PATCH, or the values the record has): undone, so
                # updated_at and the ETag stay and a sync by `updated_since` is not sent the record again.
                transaction.savepoint_rollback(changing)
                after = before
            else:
                transaction.savepoint_commit(changing)
        return self.representation_response(after)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.hold_people_first({})
            instance = self.get_object_for_write()
            self.require_current(instance)
            self.delete_object(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def workflow(self, service, *, body=None, **kwargs) -> Response:
        """A detail action (archive, restore, a follow-up done): lock, check If-Match, call the service.

        `body`, an input serializer class, parses the request once the permission and If-Match checks have
        passed (it finds the record in its context as `record`); what it validates is passed to the service
        as keyword arguments. The people the action touches are held first (`hold_people_first`).
        """
        with transaction.atomic():
            self.hold_people_first({})
            instance = self.get_object_for_write()
            self.require_current(instance)
            if body is not None:
                context = {**self.get_serializer_context(), "record": instance}
                serializer = body(data=self.request.data, context=context)
                serializer.is_valid(raise_exception=True)
                kwargs.update(serializer.validated_data)
            instance = service(instance, **kwargs) or instance
        return self.object_response(instance)


def _without_clock(representation: dict) -> dict:
    return {name: value for name, value in representation.items() if name != "updated_at"}
