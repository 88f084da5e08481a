from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import StaffChangeForm, StaffCreationForm
from .models import ApiToken, Team, User


class LockedOutFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked_out"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_locked_out=self.value() == "yes")
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "team",
        "is_service_account",
        "is_active",
        "locked_out",
    ]
    list_filter = ["is_service_account", "is_active", LockedOutFilter, "team", "groups"]
    # The sign-in lock-out page sends people to an administrator: the lock and its key are here, not only
    # under Axes' access attempts.
    actions = ["unlock_sign_in"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Liaison CRM"), {"fields": ["team", "time_zone", "is_service_account"]}),
    )
    # The role and team are asked for at once: an account saved without them would work as an officer's.
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Liaison CRM"), {"fields": ["groups", "team", "is_service_account"]}),
    )

    # What decides which confidential interactions someone reads (InteractionQuerySet.visible_to). Not
    # `is_active`: sight is compared as if they were active (staff_sight_noted), so a deactivation alone
    # takes nothing from them.
    sight_fields = frozenset({"team", "groups", "is_superuser"})

    def get_queryset(self, request):
        return super().get_queryset(request).with_sign_in_lock()

    def _changes_sight(self, form, change) -> bool:
        """Whether the save may take confidential interactions from some who read them: asking who read
        each of them, before and after, is a pass over all of them for an administrator."""
        return change and not self.sight_fields.isdisjoint(form.changed_data)

    def save_model(self, request, obj, form, change):
        if not self._changes_sight(form, change):
            super().save_model(request, obj, form, change)
            return
        # interactions builds on accounts: read when asked, not at import.
        from interactions.readers import staff_sight_noted

        # A new team or a lesser role takes confidential interactions from some who read them: judged once
        # both are saved, so the roles are saved here rather than in `save_related`.
        with staff_sight_noted(obj):
            super().save_model(request, obj, form, change)
            form.save_m2m()

    def save_related(self, request, form, formsets, change):
        if not self._changes_sight(form, change):
            super().save_related(request, form, formsets, change)
            return
        # The roles are saved already (`save_model`): saving them again would read them all once more.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(boolean=True, description=_("Locked out"), ordering="is_locked_out")
    def locked_out(self, user):
        return user.is_locked_out

    @admin.action(description=_("Unlock sign-in"))
    def unlock_sign_in(self, request, queryset):
        unlocked = services.user_sign_in_unlock(users=queryset, actor=request.user)
        if unlocked:
            message = ngettext(
                "Unlocked sign-in for %(count)d person.", "Unlocked sign-in for %(count)d people.", unlocked
            )
            self.message_user(request, message % {"count": unlocked}, messages.SUCCESS)
        else:
            self.message_user(request, _("None of them was locked out."), messages.INFO)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made through the service so the key is generated, hashed, and shown only once."""

    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["user__is_service_account", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key_prefix", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A colleague's account is refused here, as a choice, rather than by the service's 403 on saving.
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.token_holders_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["user", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        token, key = services.api_token_create(user=obj.user, name=obj.name, actor=request.user)
        # The admin goes on with `obj` (its log entry and redirect): make it the saved token.
        obj.pk, obj.key_prefix, obj.created_at = token.pk, token.key_prefix, token.created_at
        obj._state.adding = False
        self.message_user(
            request,
            _("Token created. Copy it now, it will not be shown again: %(key)s") % {"key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.select_related("user"):
            services.api_token_revoke(token=token, actor=request.user)
