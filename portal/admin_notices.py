"""Admin of the reminder outbox: notices and the digest emails.

Everything here is read-only (rows are written by the sweep and the
sender); the one action is "send again" for failed notices.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import notices
from .access import scope_path
from .admin_scoping import ScopedAdminMixin
from .models import Digest, Notice, NoticeStatus


class _ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Rows of recipients inside the user's scope; nothing editable."""

    def scope_queryset(self, request, queryset):
        prefix = scope_path(request.user)
        if prefix is None:
            return queryset.none()
        if prefix == "":
            return queryset
        return queryset.filter(recipient__scope__path__startswith=prefix)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Notice)
class NoticeAdmin(_ReadOnlyScopedAdmin):
    list_display = (
        "created_at",
        "recipient",
        "title",
        "organization",
        "due_on",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "content_type", "created_at", "sent_at")
    search_fields = ("recipient__username", "recipient__email", "dedupe_key")
    list_select_related = ("recipient", "recipient__scope")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.display(description=_("title"))
    def title(self, obj: Notice) -> str:
        return obj.payload.get("title", "")

    @admin.display(description=_("organization"))
    def organization(self, obj: Notice) -> str:
        return obj.payload.get("organization", "")

    @admin.display(description=_("due on"))
    def due_on(self, obj: Notice) -> str:
        value = obj.payload.get("due_on", "")
        return "/".join(reversed(value.split("-"))) if value else ""

    @admin.display(description=_("last error"))
    def short_error(self, obj: Notice) -> str:
        return obj.last_error[:80]

    @admin.action(
        description=_("Send the selected failed notices again"),
        permissions=["change"],
    )
    def send_again(self, request, queryset) -> None:
        count = notices.resend_failed(
            queryset.filter(status=NoticeStatus.FAILED).values_list("pk", flat=True)
        )
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notice will be sent again (in today's email, or "
                    "tomorrow's if the recipient already had today's).",
                    "%(count)d notices will be sent again (in today's email, or "
                    "tomorrow's if the recipient already had today's).",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("Only failed notices can be sent again."), messages.WARNING
            )


@admin.register(Digest)
class DigestAdmin(_ReadOnlyScopedAdmin):
    list_display = (
        "day",
        "recipient",
        "status",
        "attempts",
        "sent_at",
        "message_id",
        "last_error",
    )
    list_filter = ("status", "day")
    search_fields = ("recipient__username", "recipient__email", "message_id")
    list_select_related = ("recipient", "recipient__scope")
    date_hierarchy = "day"
