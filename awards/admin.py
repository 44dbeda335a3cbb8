"""The admin of emulation and awards.

Award kinds and emulation periods are configuration, edited here by
administrators (each kind's criterion parameters are validated by
``AwardKind.clean``). Nominations, decisions and awards are made on the
staff pages through ``awards.services``; here they are read-only and
scoped (``portal.admin_scoping``), so an administrator can inspect them and
their history but not bypass the workflow.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.admin_scoping import ScopedAdminMixin, ScopedInlineMixin

from . import badge_clock
from .models import (
    RECIPIENT_ORGANIZATION_KINDS,
    Award,
    AwardKind,
    Decision,
    EmulationPeriod,
    Nomination,
    NominationEvent,
    NominationItem,
    split_csv,
)


class AwardKindForm(forms.ModelForm):
    recipient_kinds = forms.MultipleChoiceField(
        label=_("kinds of recipient organization"),
        choices=[(k.value, k.label) for k in RECIPIENT_ORGANIZATION_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For organizations: the kinds that may receive it."),
    )

    class Meta:
        model = AwardKind
        fields = (
            "code",
            "name",
            "form",
            "description",
            "is_active",
            "granting_organization",
            "granting_body",
            "recipient_type",
            "recipient_kinds",
            "period_type",
            "criterion",
            "consecutive_years",
            "badge_years",
            "includes_merged_history",
            "through_intermediate_levels",
            "quota",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["recipient_kinds"] = split_csv(self.instance.recipient_kinds)

    def clean_recipient_kinds(self) -> str:
        return ",".join(self.cleaned_data["recipient_kinds"])


@admin.register(AwardKind)
class AwardKindAdmin(SimpleHistoryAdmin):
    form = AwardKindForm
    list_display = (
        "name",
        "code",
        "form",
        "granting_organization",
        "granting_body",
        "recipient_type",
        "period_type",
        "criterion",
        "quota",
        "is_active",
    )
    list_filter = ("form", "criterion", "period_type", "recipient_type", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("granting_organization",)
    fieldsets = (
        (None, {"fields": ("code", "name", "form", "description", "is_active")}),
        (
            _("Granted by"),
            {"fields": ("granting_organization", "granting_body")},
        ),
        (
            _("Recipients and period"),
            {"fields": ("recipient_type", "recipient_kinds", "period_type")},
        ),
        (
            _("Criterion"),
            {
                "fields": (
                    "criterion",
                    "consecutive_years",
                    "badge_years",
                    "includes_merged_history",
                )
            },
        ),
        (_("Way and quota"), {"fields": ("through_intermediate_levels", "quota")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"criterion", "badge_years"} & set(form.changed_data):
            # The badge each holder holds is counted from the kinds.
            badge_clock.refresh_holders(obj)


@admin.register(EmulationPeriod)
class EmulationPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "period_type", "start_year", "end_year")
    list_filter = ("period_type",)


class ReadOnlyMixin:
    """Changed only through the services of the staff pages."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NominationItemInline(ReadOnlyMixin, ScopedInlineMixin, admin.TabularInline):
    model = NominationItem
    fields = ("member", "organization", "source", "status", "rejection_reason")
    readonly_fields = fields
    extra = 0


class NominationEventInline(ReadOnlyMixin, admin.TabularInline):
    model = NominationEvent
    fields = ("created_at", "action", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields
    extra = 0


@admin.register(Nomination)
class NominationAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("pk", "kind", "period", "proposer", "status", "at_organization")
    list_filter = ("status", "kind", "period")
    list_select_related = ("kind", "period", "proposer", "at_organization")
    search_fields = ("proposer__name", "kind__name")
    inlines = (NominationItemInline, NominationEventInline)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "signed_on", "issuer", "body", "signer", "title")
    list_select_related = ("issuer", "signer")
    date_hierarchy = "signed_on"
    search_fields = ("title", "number")


@admin.register(Award)
class AwardAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "recipient_name",
        "kind",
        "period",
        "decision",
        "revoked_at",
        "verification_code",
    )
    list_filter = ("kind", "period", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("kind", "period", "decision__issuer")
    search_fields = ("recipient_name", "verification_code")
