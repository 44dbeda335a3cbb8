"""The admin site's titles and the admin of users.

Staff who are not superusers administer only the users whose scope lies
inside their own, give them a scope inside their own and cannot make anyone
a superuser or hand out single permissions (roles are groups).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .access import scope_path
from .admin_scoping import ScopedAdminMixin
from .models import User

admin.site.site_header = _("Party Committee Portal administration")
admin.site.site_title = _("Party Committee Portal")
admin.site.index_title = _("Administration")

SCOPE_REQUIRED = _("Every user except a superuser needs a scope organization.")


class PortalUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The database refuses a user without scope; say so next to the field.
        is_superuser = data.get("is_superuser", self.instance.is_superuser)
        if "scope" in self.fields and not is_superuser and not data.get("scope"):
            if "scope" not in self.errors:
                self.add_error("scope", SCOPE_REQUIRED)
        return data


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email", "language", "scope")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("scope") and "scope" not in self.errors:
            self.add_error("scope", SCOPE_REQUIRED)
        return data


@admin.register(User)
class PortalUserAdmin(ScopedAdminMixin, UserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name", "email", "language", "reminders_enabled")},
        ),
        (
            _("Scope and roles"),
            {
                "fields": (
                    "scope",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "language",
                    "scope",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "full_name",
        "email",
        "scope",
        "is_staff",
        "is_active",
        "reminders_enabled",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        "language",
        "reminders_enabled",
    )
    search_fields = ("username", "full_name", "email")
    autocomplete_fields = ("scope",)
    ordering = ("username",)

    def scope_queryset(self, request, queryset):
        prefix = scope_path(request.user)
        if prefix is None:
            return queryset.none()
        if prefix == "":
            return queryset
        return queryset.filter(is_superuser=False, scope__path__startswith=prefix)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            # Granting more than roles inside the scope is for superusers.
            readonly += ["is_superuser", "user_permissions"]
        return readonly


# The reminder outbox's admin (notices, digest emails) lives beside this one.
from . import admin_notices  # noqa: E402, F401
