"""Jobs and exports in the admin: read-only; queued jobs can be handed over
again. A non-superuser sees only their own rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ExportRecord, Job, JobStatus


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "label",
        "owner",
        "status",
        "done",
        "total",
        "created_at",
        "enqueued_at",
        "finished_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("owner__username", "kind")
    date_hierarchy = "created_at"
    actions = ["hand_over_again"]
    list_select_related = ("owner",)

    def get_queryset(self, request: Any):
        return super().get_queryset(request).visible_to(request.user)

    def has_requeue_permission(self, request: Any) -> bool:
        return request.user.is_superuser

    @admin.action(
        description=_("Hand the selected queued jobs to a worker again"),
        permissions=["requeue"],
    )
    def hand_over_again(self, request: Any, queryset: Any) -> None:
        ids = list(
            queryset.filter(status=JobStatus.QUEUED).values_list("pk", flat=True)
        )
        handed = sum(1 for job_id in ids if services.enqueue_job(job_id))
        level = messages.SUCCESS if handed == len(ids) else messages.WARNING
        self.message_user(
            request,
            ngettext(
                "%(handed)d of %(count)d queued job handed over.",
                "%(handed)d of %(count)d queued jobs handed over.",
                len(ids),
            )
            % {"handed": handed, "count": len(ids)},
            level,
        )


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "username",
        "scope",
        "kind",
        "format",
        "row_count",
        "job",
    )
    list_filter = ("kind", "format")
    search_fields = ("username", "scope")
    date_hierarchy = "created_at"

    def get_queryset(self, request: Any):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)
