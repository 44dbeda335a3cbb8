"""The admin of term plans (windows, templates, reminder thresholds) and of
congresses with their milestones.

Plans are configuration, edited by administrators directly. Congresses and
milestones are scoped (``portal.admin_scoping``) and saved through
``congresses.services``, so the schedule rules refuse a breach here as on
the staff pages, unless an administrator overrides it with a reason.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from committees.models import Level
from portal.admin_scoping import (
    ScopedAdminMixin,
    ScopedInlineMixin,
    ServiceAdminMixin,
    ServiceInlineFormSet,
    ServiceModelForm,
)

from . import services
from .models import (
    CalendarFeed,
    Congress,
    CongressStatus,
    LevelWindow,
    Milestone,
    MilestoneTemplate,
    ReminderPolicy,
    TermPlan,
    split_csv,
)

# ---------------------------------------------------------------- plans


class LevelWindowInline(admin.TabularInline):
    model = LevelWindow
    extra = 0
    max_num = len(Level.values)


class MilestoneTemplateForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=_("levels"),
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every level."),
    )

    class Meta:
        model = MilestoneTemplate
        fields = (
            "kind",
            "title",
            "offset_days",
            "owner",
            "levels",
            "is_election_item",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["levels"] = split_csv(self.instance.levels)

    def clean_levels(self) -> str:
        return ",".join(self.cleaned_data["levels"])


class MilestoneTemplateInline(admin.TabularInline):
    model = MilestoneTemplate
    form = MilestoneTemplateForm
    extra = 0


class ReminderPolicyInline(admin.StackedInline):
    model = ReminderPolicy
    can_delete = False
    max_num = 1
    min_num = 1
    verbose_name_plural = _("reminder thresholds")


@admin.register(TermPlan)
class TermPlanAdmin(SimpleHistoryAdmin):
    list_display = ("name", "term")
    inlines = [LevelWindowInline, MilestoneTemplateInline, ReminderPolicyInline]


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(SimpleHistoryAdmin):
    form = MilestoneTemplateForm
    list_display = ("display_title", "plan", "offset_days", "owner", "levels")
    list_filter = ("plan", "kind")

    def get_fields(self, request, obj=None):
        return ("plan", *MilestoneTemplateForm.Meta.fields)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = ("plan", *MilestoneTemplateForm.Meta.fields)
        return super().get_form(request, obj, change=change, **kwargs)


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("plan", "days_before", "on_due_date", "overdue_every_days")


# ---------------------------------------------------------------- congresses


class CongressAdminForm(ServiceModelForm):
    service_error_fields = {"reason": "override_reason"}

    class Meta:
        model = Congress
        fields = (
            "organization",
            "term",
            "ordinal",
            "starts_on",
            "ends_on",
            "venue",
            "is_model",
            "kind",
            "expected_delegates",
            "committee_appointed",
            "status",
            "override_reason",
            "delegates_to_superior",
            "results_note",
        )

    def call_service(self) -> Congress:
        data = self.cleaned_data
        user = self.acting_user
        details = {name: data[name] for name in services.CONGRESS_FIELDS}
        if self.adding:
            return services.schedule_congress(
                acting_user=user,
                organization=data["organization"],
                term=data["term"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                override_reason=data.get("override_reason", ""),
                **details,
            )
        saved = Congress.objects.get(pk=self.instance.pk)
        congress = saved
        # Read-only (absent) for those who may not override.
        reason = data.get("override_reason", saved.override_reason)
        if reason != saved.override_reason:
            congress = services.set_rules_override(
                acting_user=user, congress=congress, reason=reason
            )
        if (data["starts_on"], data["ends_on"]) != (saved.starts_on, saved.ends_on):
            congress = services.reschedule_congress(
                acting_user=user,
                congress=congress,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                override_reason=reason,
            )
        if any(details[name] != getattr(saved, name) for name in details):
            congress = services.update_congress(
                acting_user=user, congress=congress, **details
            )
        if (data["delegates_to_superior"], data["results_note"]) != (
            saved.delegates_to_superior,
            saved.results_note,
        ):
            congress = services.record_results(
                acting_user=user,
                congress=congress,
                delegates_to_superior=data["delegates_to_superior"],
                results_note=data["results_note"],
            )
        status = data["status"]
        if status != congress.status:
            if status == CongressStatus.CANCELLED:
                congress = services.cancel_congress(
                    acting_user=user,
                    congress=congress,
                    reason=str(_("cancelled in the administration")),
                )
            else:
                congress = services.set_congress_status(
                    acting_user=user, congress=congress, status=status
                )
        return congress


class MilestoneInlineForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ("kind", "title", "owner", "due_on", "note")


class MilestoneFormSet(ServiceInlineFormSet):
    def create(self, form):
        data = form.cleaned_data
        return services.add_milestone(
            acting_user=self.acting_user,
            congress=self.instance,
            **{name: data[name] for name in MilestoneInlineForm.Meta.fields},
        )

    def update(self, form):
        data = form.cleaned_data
        return services.update_milestone(
            acting_user=self.acting_user,
            milestone=form.instance,
            **{name: data[name] for name in form.changed_data if name in data},
        )

    def delete(self, form):
        services.delete_milestone(acting_user=self.acting_user, milestone=form.instance)


class MilestoneInline(ScopedInlineMixin, admin.TabularInline):
    model = Milestone
    form = MilestoneInlineForm
    formset = MilestoneFormSet
    extra = 0
    readonly_fields = ("done_at", "done_by")
    fields = ("kind", "title", "owner", "due_on", "note", "done_at", "done_by")
    autocomplete_fields = ("owner",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner", "done_by")


@admin.register(Congress)
class CongressAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = CongressAdminForm
    list_display = (
        "organization",
        "ordinal",
        "starts_on",
        "ends_on",
        "is_model",
        "status",
        "overridden",
    )
    list_filter = ("term", "status", "is_model", "kind")
    search_fields = ("organization__search_key", "organization__code")
    date_hierarchy = "starts_on"
    autocomplete_fields = ("organization",)
    list_select_related = ("organization",)
    inlines = [MilestoneInline]
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "organization",
                    "term",
                    "ordinal",
                    ("starts_on", "ends_on"),
                    "venue",
                    "is_model",
                    "kind",
                    "expected_delegates",
                    "committee_appointed",
                    "status",
                )
            },
        ),
        (
            _("Schedule rules"),
            {
                "description": _(
                    "A breach of the schedule rules is refused unless you "
                    "give the reason for accepting it (administrators only)."
                ),
                "fields": ("override_reason", "override_by"),
            },
        ),
        (_("Results"), {"fields": ("delegates_to_superior", "results_note")}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = ["override_by"]
        if obj is not None:
            fields += ["organization", "term"]
        if not request.user.is_superuser:
            fields.append("override_reason")
        return fields

    def get_inlines(self, request, obj):
        # Milestones come from the templates when the congress is scheduled.
        return self.inlines if obj is not None else []

    @admin.display(boolean=True, description=_("rules overridden"))
    def overridden(self, obj: Congress) -> bool:
        return bool(obj.override_reason)

    def delete_model(self, request, obj) -> None:
        # Congresses are cancelled, not deleted: the history stays.
        services.cancel_congress(
            acting_user=request.user,
            congress=obj,
            reason=str(_("deleted in the administration")),
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "updated_at")
    search_fields = ("user__username", "user__full_name")
    readonly_fields = ("user", "token", "created_at", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False
