from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


class CanEdit(BasePermission):
    """Writes ask the view's `edit_permission`, a predicate from accounts.permissions, as the HTML views do.

    The services ask again; asking here first answers 403 before a stale If-Match or a bad body is reported.
    """

    message = _("You do not have permission to change this record.")

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        predicate = getattr(view, "edit_permission", None)
        return predicate is None or predicate(request.user, obj)
