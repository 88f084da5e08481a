from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class Ordering(OrderingFilter):
    """`?ordering=name` or `?ordering=-updated_at`, among the view's `ordering_fields`; pages follow it.

    Without it, search results come best match first (the view's `search_ordering`), other lists in the
    view's `ordering`. The primary key breaks ties so pages never skip or repeat a row.
    """

    def get_ordering(self, request, queryset, view):
        asked = request.query_params.get(self.ordering_param)
        if asked:
            fields = [field.strip() for field in asked.split(",") if field.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            if not fields or any(field.removeprefix("-") not in allowed for field in fields):
                raise ValidationError(
                    {
                        self.ordering_param: [
                            _("Order by one of: %(fields)s (prefix “-” for descending).")
                            % {"fields": ", ".join(sorted(allowed))}
                        ]
                    }
                )
            ordering = fields
        elif getattr(view, "search_ordering", None) and "name_similarity" in queryset.query.annotations:
            ordering = list(view.search_ordering)
        else:
            ordering = list(self.get_default_ordering(view))
        if ordering[-1].removeprefix("-") not in {"pk", "id"}:
            ordering.append("-pk" if ordering[0].startswith("-") else "pk")
        return tuple(ordering)

    def get_schema_operation_parameters(self, view):
        fields = list(getattr(view, "ordering_fields", None) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Order by one of these fields; prefix “-” for descending. Default: %(default)s.")
                    % {"default": ", ".join(getattr(view, "ordering", None) or ["id"])}
                ),
                "schema": {"type": "string", "enum": [*fields, *[f"-{field}" for field in fields]]},
            }
        ]
