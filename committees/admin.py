"""The admin of organizations, members, positions, terms and ratings.

Every page is scoped by ``visible_to`` (``portal.admin_scoping``) and every
change goes through ``committees.services``; the History button of each
page shows the simple-history rows (who, when, what).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from portal.admin_scoping import (
    ScopedAdminMixin,
    ScopedInlineMixin,
    ServiceAdminMixin,
    ServiceInlineFormSet,
    ServiceModelForm,
)
from portal.history import attribute

from . import selectors, services, timeline
from .models import (
    ACTIVE_MEMBER_STATUSES,
    LEVEL_OF_KIND,
    MEMBER_HOLDING_KINDS,
    FinalizationStatus,
    Interruption,
    Level,
    Member,
    Organization,
    Position,
    Rating,
    RatingFinalization,
    Regulation,
    Term,
)
from .text import fold

TREE_FIELDS = ("treebeard_position", "treebeard_ref_node")


def _autocomplete_source(request) -> tuple[str, str]:
    """(model_name, field_name) of an autocomplete request, else blanks."""
    return request.GET.get("model_name", ""), request.GET.get("field_name", "")


# ---------------------------------------------------------------- organizations


class OrganizationAdminForm(ServiceModelForm, MoveNodeForm):
    """Add under a parent; change name, code, dates and note.

    Kind and status change only through restructuring. Moving a node (the
    treebeard fields on the change form, or drag and drop) is for superusers
    only, and still respects the parent kinds.
    """

    service_error_fields = {"parent": "treebeard_ref_node"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.acting_user
        may_move = user is not None and user.is_superuser
        if self.adding:
            del self.fields["treebeard_position"]
            parent = self.fields["treebeard_ref_node"]
            parent.label = _("Parent organization")
            parent.queryset = Organization.objects.visible_to(user).active()
            parent.required = not may_move
        elif may_move:
            self.fields["treebeard_ref_node"].queryset = self.fields[
                "treebeard_ref_node"
            ].queryset.active()
        else:
            for name in TREE_FIELDS:
                del self.fields[name]

    def clean_code(self) -> str:
        # Typed in any case; stored in capitals (as the service does).
        return self.cleaned_data["code"].strip().upper()

    def wants_move(self) -> bool:
        return not self.adding and bool(set(self.changed_data) & set(TREE_FIELDS))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.wants_move() and "treebeard_ref_node" in data:
            try:
                services.check_parent_kind(self.instance.kind, self._new_parent())
            except ValidationError as exc:
                self.add_error("treebeard_ref_node", exc.messages)
        return data

    def _new_parent(self) -> Organization | None:
        target = self.cleaned_data.get("treebeard_ref_node")
        if target is None:
            return None
        if self.cleaned_data.get("treebeard_position") == "first-child":
            return target
        return Organization.objects.get_parent(target)

    def call_service(self) -> Organization:
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in ("name", "code", "established_on", "note")
            if name in data
        }
        if self.adding:
            return services.create_organization(
                acting_user=self.acting_user,
                parent=data.get("treebeard_ref_node"),
                kind=data["kind"],
                **fields,
            )
        organization = services.update_organization(
            acting_user=self.acting_user, organization=self.instance, **fields
        )
        if self.wants_move():
            organization = self._move(organization)
        return organization

    def _move(self, organization: Organization) -> Organization:
        manager = Organization.objects
        target = self.cleaned_data.get("treebeard_ref_node")
        if target is None:
            manager.move(organization, manager.get_first_root_node(), "first-sibling")
        else:
            manager.move(organization, target, self.cleaned_data["treebeard_position"])
        organization.refresh_from_db()
        attribute(organization, self.acting_user, "moved")
        organization.save()
        timeline.correct_current_version(organization, parent_too=True)
        return organization


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Level.choices

    def queryset(self, request, queryset):
        if self.value():
            kinds = [k for k, level in LEVEL_OF_KIND.items() if level == self.value()]
            return queryset.filter(kind__in=kinds)
        return queryset


class PositionInlineForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ("member", "body", "role", "term", "started_on", "ended_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A seat changes hands by ending it and appointing someone else.
            # Shown as text: an autocomplete would cost a query per row.
            self.fields["member"].disabled = True
            self.fields["member"].widget = _ShownAs(self.instance.member)


class _ShownAs(forms.Widget):
    """A read-only value shown as text (for disabled fields)."""

    def __init__(self, shown: Any) -> None:
        super().__init__()
        self.shown = shown

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<span class="readonly">{}</span>', self.shown)


class PositionFormSet(ServiceInlineFormSet):
    _term_choices: list | None = None

    def _construct_form(self, i, **kwargs):
        # Every row offers the same terms: read them once, not once a row.
        form = super()._construct_form(i, **kwargs)
        if self._term_choices is None:
            self._term_choices = list(form.fields["term"].choices)
        form.fields["term"].choices = self._term_choices
        return form

    def create(self, form):
        data = form.cleaned_data
        position = services.appoint_position(
            acting_user=self.acting_user,
            member=data["member"],
            organization=self.instance,
            body=data["body"],
            role=data["role"],
            term=data["term"],
            started_on=data["started_on"],
        )
        if data.get("ended_on"):
            position = services.end_position(
                acting_user=self.acting_user,
                position=position,
                ended_on=data["ended_on"],
            )
        return position

    def update(self, form):
        data = form.cleaned_data
        return services.update_position(
            acting_user=self.acting_user,
            position=form.instance,
            **{
                name: data.get(name)
                for name in ("body", "role", "term", "started_on", "ended_on")
            },
        )

    def delete(self, form):
        services.delete_position(acting_user=self.acting_user, position=form.instance)


class CurrentPositionInline(ScopedInlineMixin, admin.TabularInline):
    model = Position
    form = PositionInlineForm
    formset = PositionFormSet
    autocomplete_fields = ("member",)
    extra = 1
    verbose_name = _("current position")
    verbose_name_plural = _("current positions (ended ones: see Positions)")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .current()
            # str(position), shown on each row, names both.
            .select_related("member", "organization", "term")
            .order_by("body", "rank", "member__search_key")
        )


class _DisplayedNode:
    """A parent node as the tree change list indents it.

    Treebeard indents a node by its depth; a user's tree starts at their
    scope organization, which is shown at the first level.
    """

    def __init__(self, node: Organization, user: Any) -> None:
        self.pk = node.pk
        top = 1 if user.is_superuser or user.scope is None else user.scope.depth
        self.depth = node.depth - top + 1

    def get_depth(self) -> int:
        return self.depth


@admin.register(Organization)
class OrganizationAdmin(
    ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin, TreeAdmin
):
    form = movenodeform_factory(
        Organization,
        form=OrganizationAdminForm,
        fields=("name", "code", "kind", "established_on", "note"),
    )
    change_list_template = "admin/committees/organization/tree_change_list.html"
    list_display = ("name", "code", "kind", "status", "member_count")
    list_filter = ("kind", "status", LevelFilter)
    # The tree is listed in path order; other orders would break it up.
    ordering = ("path",)
    sortable_by = ()
    search_fields = ("search_key", "code")
    search_help_text = _("Name (with or without diacritics) or code.")
    inlines = [CurrentPositionInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": (
                            "treebeard_ref_node",
                            "name",
                            "code",
                            "kind",
                            "established_on",
                            "note",
                        )
                    },
                )
            ]
        fieldsets = [
            (None, {"fields": ("name", "code", "kind", "status")}),
            (_("Dates"), {"fields": ("established_on", "ended_on", "note")}),
        ]
        if request.user.is_superuser:
            fieldsets.append(
                (
                    _("Move in the tree (superusers only)"),
                    {
                        "classes": ("collapse",),
                        "description": _(
                            "Moving an organization moves its whole subtree and "
                            "changes who sees it. Merging and dissolving are "
                            "done by restructuring, not here."
                        ),
                        "fields": TREE_FIELDS,
                    },
                )
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "status", "ended_on") if obj is not None else ()

    def get_inlines(self, request, obj):
        # Positions are appointed in an existing organization.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        """Scoped; in the tree change list, one level of the subtree.

        Replaces TreeAdmin.get_queryset, whose top level is the roots of the
        whole tree: a user's top level is their scope organization.
        """
        queryset = Organization.objects.visible_to(request.user)
        if not hasattr(request, "_treebeard_parent_id"):
            return queryset
        queryset = queryset.annotate(member_count=selectors.subtree_member_count())
        if getattr(request, "_ignore_treebeard_filters", False):
            return queryset
        if self.is_filtered(request):
            request._treebeard_parent = None
            return queryset
        if request._treebeard_parent_id:
            if not str(request._treebeard_parent_id).isdigit():
                raise Http404
            parent = get_object_or_404(queryset, pk=request._treebeard_parent_id)
            request._treebeard_parent = _DisplayedNode(parent, request.user)
            return queryset.filter(path__startswith=parent.path, depth=parent.depth + 1)
        request._treebeard_parent = None
        if request.user.is_superuser:
            return queryset.filter(depth=1)
        return queryset.filter(pk=request.user.scope_id)

    @admin.display(description=_("members"))
    def member_count(self, obj: Organization) -> int | None:
        return getattr(obj, "member_count", None)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        model_name, field_name = _autocomplete_source(request)
        if model_name == "member" and field_name == "organization":
            queryset = queryset.active().filter(kind__in=MEMBER_HOLDING_KINDS)
        elif model_name == "position" and field_name == "organization":
            queryset = queryset.active()
        if not term:
            return queryset, False
        return (
            queryset.filter(Q(search_key__contains=fold(term)) | Q(code__iexact=term)),
            False,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "treebeard_may_move": request.user.is_superuser,
        }
        return super().changelist_view(request, extra_context)

    def move_node(self, request):
        """Drag and drop: superusers only, and within the parent kinds."""
        if not request.user.is_superuser:
            raise PermissionDenied
        queryset = Organization.objects.all()
        try:
            node = queryset.get(pk=request.POST.get("node"))
            target = queryset.get(pk=request.POST.get("target"))
        except (Organization.DoesNotExist, ValueError, TypeError):
            return super().move_node(request)
        if request.POST.get("relation") == "child":
            parent = target
        else:
            parent = Organization.objects.get_parent(target)
        try:
            services.check_parent_kind(node.kind, parent)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseBadRequest("Refused by the parent kinds")
        response = super().move_node(request)
        # A correction of the tree: the dated history follows (undated).
        node.refresh_from_db()
        timeline.correct_current_version(node, parent_too=True)
        return response


# ---------------------------------------------------------------- members


class MemberAdminForm(ServiceModelForm):
    class Meta:
        model = Member
        fields = (
            "full_name",
            "birth_date",
            "gender",
            "card_number",
            "citizen_id",
            "organization",
            "admitted_on",
            "official_on",
            "status",
            "status_changed_on",
            "seriously_ill",
            "note",
        )

    def call_service(self) -> Member:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name in services.MEMBER_FIELDS
        }
        if self.adding:
            return services.create_member(acting_user=self.acting_user, **data)
        return services.update_member(
            acting_user=self.acting_user, member=self.instance, **data
        )


class InterruptionInlineForm(forms.ModelForm):
    class Meta:
        model = Interruption
        fields = ("started_on", "ended_on", "reason", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Recorded periods are deleted and entered again, not edited.
            for field in self.fields.values():
                field.disabled = True


class InterruptionFormSet(ServiceInlineFormSet):
    def create(self, form):
        data = form.cleaned_data
        return services.add_interruption(
            acting_user=self.acting_user,
            member=self.instance,
            started_on=data["started_on"],
            ended_on=data.get("ended_on"),
            reason=data["reason"],
            note=data.get("note", ""),
        )

    def update(self, form):
        return form.instance

    def delete(self, form):
        services.delete_interruption(
            acting_user=self.acting_user, interruption=form.instance
        )


class InterruptionInline(ScopedInlineMixin, admin.TabularInline):
    model = Interruption
    form = InterruptionInlineForm
    formset = InterruptionFormSet
    extra = 0


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = MemberAdminForm
    list_display = (
        "full_name",
        "card_number",
        "organization",
        "status",
        "admitted_on",
        "official_on",
    )
    list_select_related = ("organization",)
    list_filter = ("status", "gender", "organization__kind")
    search_fields = ("search_key", "card_number", "citizen_id")
    search_help_text = _(
        "Name (with or without diacritics), party card number or citizen ID."
    )
    autocomplete_fields = ("organization",)
    readonly_fields = ("search_key",)
    ordering = ("search_key", "id")
    inlines = [InterruptionInline]

    def get_inlines(self, request, obj):
        # An interruption is recorded against an existing member.
        return self.inlines if obj is not None else []

    def get_search_results(self, request, queryset, search_term):
        if _autocomplete_source(request)[0] == "position":
            queryset = queryset.filter(status__in=ACTIVE_MEMBER_STATUSES)
        term = search_term.strip()
        if not term:
            return queryset, False
        return (
            queryset.filter(
                Q(search_key__contains=fold(term))
                | Q(card_number=term)
                | Q(citizen_id=term)
            ),
            False,
        )


# ---------------------------------------------------------------- positions


class PositionAdminForm(ServiceModelForm):
    class Meta:
        model = Position
        fields = (
            "member",
            "organization",
            "body",
            "role",
            "term",
            "started_on",
            "ended_on",
            "state_title",
        )

    def call_service(self) -> Position:
        data = self.cleaned_data
        if self.adding:
            position = services.appoint_position(
                acting_user=self.acting_user,
                member=data["member"],
                organization=data["organization"],
                body=data["body"],
                role=data["role"],
                term=data["term"],
                started_on=data["started_on"],
                state_title=data.get("state_title", ""),
            )
            if data.get("ended_on"):
                position = services.end_position(
                    acting_user=self.acting_user,
                    position=position,
                    ended_on=data["ended_on"],
                )
            return position
        return services.update_position(
            acting_user=self.acting_user,
            position=self.instance,
            **{
                name: data.get(name)
                for name in (
                    "body",
                    "role",
                    "term",
                    "started_on",
                    "ended_on",
                    "state_title",
                )
            },
        )


class CurrentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(ended_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(ended_on__isnull=False)
        return queryset


@admin.register(Position)
class PositionAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = PositionAdminForm
    list_display = (
        "member",
        "role",
        "body",
        "organization",
        "term",
        "started_on",
        "ended_on",
    )
    list_select_related = ("member", "organization", "term")
    list_filter = (CurrentFilter, "body", "role", "term")
    search_fields = ("member__search_key", "organization__search_key")
    search_help_text = _("Name of the member or of the organization.")
    autocomplete_fields = ("member", "organization")
    ordering = ("organization__path", "rank", "started_on")

    def get_readonly_fields(self, request, obj=None):
        return ("member", "organization") if obj is not None else ()

    def get_search_results(self, request, queryset, search_term):
        key = fold(search_term)
        if not key:
            return queryset, False
        return (
            queryset.filter(
                Q(member__search_key__contains=key)
                | Q(organization__search_key__contains=key)
            ),
            False,
        )

    def delete_model(self, request, obj):
        services.delete_position(acting_user=request.user, position=obj)


# ---------------------------------------------------------------- terms, rules


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    list_display = ("name", "starts_on", "ends_on")
    search_fields = ("name",)


@admin.register(Regulation)
class RegulationAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "title",
        "effective_from_year",
        "excellent_quota_percent",
        "score_excellent_min",
        "score_good_min",
        "score_completed_min",
    )
    search_fields = ("code", "title")


# ---------------------------------------------------------------- ratings


class RatingAdminForm(ServiceModelForm):
    class Meta:
        model = Rating
        fields = ("member", "organization", "year", "grade", "score", "note")

    def call_service(self) -> Rating:
        rating = self.instance
        return services.rate(
            acting_user=self.acting_user,
            year=rating.year,
            grade=self.cleaned_data["grade"],
            member=rating.member if rating.member_id else None,
            organization=rating.organization if rating.organization_id else None,
            score=self.cleaned_data.get("score"),
            note=self.cleaned_data.get("note", ""),
        )


class FinalizedFilter(admin.SimpleListFilter):
    title = _("finalized")
    parameter_name = "finalized"

    def lookups(self, request, model_admin):
        return [("yes", _("Finalized")), ("no", _("Not finalized"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        locked = Exists(
            RatingFinalization.objects.filter(
                unit=OuterRef("unit"),
                year=OuterRef("year"),
                status=FinalizationStatus.FINALIZED,
            )
        )
        return queryset.filter(locked if self.value() == "yes" else ~locked)


@admin.register(Rating)
class RatingAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = RatingAdminForm
    list_display = ("subject", "year", "grade", "score", "unit", "regulation")
    list_select_related = ("member", "organization", "unit", "regulation")
    list_filter = ("year", "grade", FinalizedFilter)
    search_fields = ("member__search_key", "organization__search_key")
    search_help_text = _("Name of the member or of the organization.")
    autocomplete_fields = ("member", "organization")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("member", "organization", "year", "unit", "regulation")

    def get_search_results(self, request, queryset, search_term):
        key = fold(search_term)
        if not key:
            return queryset, False
        return (
            queryset.filter(
                Q(member__search_key__contains=key)
                | Q(organization__search_key__contains=key)
            ),
            False,
        )

    def delete_model(self, request, obj):
        services.delete_rating(acting_user=request.user, rating=obj)


class FinalizationAdminForm(ServiceModelForm):
    class Meta:
        model = RatingFinalization
        fields = ("unit", "year")

    def validate_unique(self) -> None:
        # A reopened year is finalized again on the same row: the service
        # decides (and refuses a year that is already finalized).
        pass

    def call_service(self) -> RatingFinalization:
        return services.finalize_ratings(
            acting_user=self.acting_user,
            unit=self.cleaned_data["unit"],
            year=self.cleaned_data["year"],
        )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the history of each finalization."),
    )


@admin.register(RatingFinalization)
class RatingFinalizationAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = FinalizationAdminForm
    list_display = ("unit", "year", "status", "finalized_at", "finalized_by")
    list_select_related = ("unit", "finalized_by")
    list_filter = ("year", "status")
    search_fields = ("unit__search_key", "unit__code")
    autocomplete_fields = ("unit",)
    actions = ["reopen", "finalize_again"]
    readonly_fields = ("status", "finalized_at", "finalized_by", "reopen_reason")

    def has_change_permission(self, request, obj=None):
        # A finalization changes only by finalizing and reopening (actions).
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would unlock the ratings without a reason.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("reopen", None)
        return actions

    @admin.action(description=_("Reopen the selected ratings (give a reason)"))
    def reopen(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        form = ReopenForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reopened = 0
            for finalization in queryset.select_related("unit"):
                try:
                    services.reopen_ratings(
                        acting_user=request.user,
                        unit=finalization.unit,
                        year=finalization.year,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    self.message_user(
                        request,
                        f"{finalization}: {' '.join(exc.messages)}",
                        messages.WARNING,
                    )
                else:
                    reopened += 1
            if reopened:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d finalization reopened.",
                        "%(count)d finalizations reopened.",
                        reopened,
                    )
                    % {"count": reopened},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reopen ratings"),
            "opts": self.model._meta,
            "queryset": queryset.select_related("unit"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "reopen",
        }
        return TemplateResponse(
            request, "admin/committees/ratingfinalization/reopen.html", context
        )

    @admin.action(
        description=_("Finalize the selected reopened ratings again"),
        permissions=["add"],
    )
    def finalize_again(self, request, queryset):
        done = 0
        for finalization in queryset.select_related("unit"):
            try:
                services.finalize_ratings(
                    acting_user=request.user,
                    unit=finalization.unit,
                    year=finalization.year,
                )
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"{finalization}: {' '.join(exc.messages)}",
                    messages.WARNING,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d finalization done.",
                    "%(count)d finalizations done.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
