"""Cursor pages: each page starts after the last row seen, so nothing is counted and deep pages stay fast.

The cursor holds the last row's value of every ordering field, the primary key last (api.ordering always
ends the ordering with it), and the next page starts strictly after that row. DRF's own cursor keeps only
the first field and skips rows that tie on it by counting them: rows touched at the same moment (a renamed
tag touches all its carriers) were skipped whenever one of them changed while a client paged through them,
and a sync by `updated_at` lost them for good.
"""

import json
from functools import reduce

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, _reverse_ordering

INVALID_CURSOR = _("Invalid cursor: follow the `next` and `previous` links as given.")


class CursorPage(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    # Views set their own through the ordering filter; this is only the fallback.
    ordering = ("-pk",)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return self._paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError):
            # A hand-made cursor whose position does not fit the ordering (text for a date, too few values…).
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None

    def _paginate_queryset(self, queryset, request, view):
        """DRF's CursorPagination.paginate_queryset, except that the position bounds every ordering field."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        offset, reverse, current_position = self.cursor or (0, False, None)

        queryset = queryset.order_by(*(_reverse_ordering(self.ordering) if reverse else self.ordering))
        if current_position is not None:
            queryset = queryset.filter(self._after(json.loads(current_position), reverse=reverse))

        # One row more than the page tells whether another page follows.
        results = list(queryset[offset : offset + self.page_size + 1])
        self.page = results[: self.page_size]
        following_position = (
            self._get_position_from_instance(results[-1], self.ordering)
            if len(results) > len(self.page)
            else None
        )
        resumed = current_position is not None or offset > 0
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = resumed, following_position is not None
            self.next_position, self.previous_position = current_position, following_position
        else:
            self.has_next, self.has_previous = following_position is not None, resumed
            self.next_position, self.previous_position = following_position, current_position
        return self.page

    def _after(self, position: list, *, reverse: bool) -> Q:
        """Rows after `position` in the page's direction: (a, b, pk) > (x, y, z), field by field."""
        if not (
            isinstance(position, list)
            and len(position) == len(self.ordering)
            # PostgreSQL's text cannot hold a NUL: compared with one, it would fail the query.
            and all(isinstance(value, str) and "\x00" not in value for value in position)
        ):
            raise ValueError("The cursor's position does not fit the ordering.")
        lookups = [
            (field.removeprefix("-"), "lt" if field.startswith("-") != reverse else "gt")
            for field in self.ordering
        ]
        steps, ties = [], Q()
        for (name, beyond), value in zip(lookups, position, strict=True):
            steps.append(ties & Q(**{f"{name}__{beyond}": value}))
            ties &= Q(**{name: value})
        # The first field's bound on its own too, so that an index on the ordering can start there.
        (first, beyond) = lookups[0]
        return Q(**{f"{first}__{beyond}e": position[0]}) & reduce(Q.__or__, steps)

    def _get_position_from_instance(self, instance, ordering):
        values = [
            instance[name] if isinstance(instance, dict) else getattr(instance, name)
            for name in (field.removeprefix("-") for field in ordering)
        ]
        return json.dumps([str(value) for value in values])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
