"""Forms of the restructuring pages and of the tree's date picker.

They only collect and type the input (choice lists scoped to the user);
``committees.restructuring`` checks everything, and its errors come back
next to the fields of the same names.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import selectors
from .forms import CrispyMixin, DateTextInput, OrganizationChoiceField, member_label
from .models import (
    ALLOWED_PARENT_KINDS,
    MEMBER_HOLDING_KINDS,
    Member,
    Organization,
    OrganizationKind,
    RestructuringKind,
)
from .restructuring import NewOrganization

#: Dates typed dd/mm/yyyy, or ISO in a link (``?on=2025-01-14``).
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class AsOfForm(forms.Form):
    """The date picker of the tree and organization pages."""

    on = forms.DateField(
        label=_("As of"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=DateTextInput(attrs={"class": "form-control form-control-sm"}),
    )

    def day(self) -> date | None:
        return self.cleaned_data.get("on") if self.is_valid() else None


class MultipleOrganizationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name} ({obj.code})"


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return member_label(obj)


def _outside(queryset: QuerySet, organization: Organization) -> QuerySet:
    """Leave out the organization and everything below it."""
    return queryset.exclude(path__startswith=organization.path)


def receiving_kinds(organization: Organization) -> list[str]:
    """Kinds that may receive this organization's children and members."""
    children = set(
        Organization.objects.active()
        .filter(path__startswith=organization.path, depth=organization.depth + 1)
        .values_list("kind", flat=True)
    )
    holds_members = organization.members.exists()
    kinds = []
    for kind in OrganizationKind.values:
        if any(kind not in ALLOWED_PARENT_KINDS[child] for child in children):
            continue
        if holds_members and kind not in MEMBER_HOLDING_KINDS:
            continue
        kinds.append(kind)
    return kinds


class RestructuringForm(CrispyMixin, forms.Form):
    """The decision every operation records."""

    operation: str = ""

    effective_on = forms.DateField(
        label=_("Effective on"), input_formats=DATE_FORMATS, widget=DateTextInput()
    )
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=32,
        help_text=_("As written on the decision, e.g. 381-QĐ/TU."),
    )
    reason = forms.CharField(
        label=capfirst(_("reason")),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The decision's subject; kept in the history."),
    )

    field_order = ["effective_on", "decision_number", "reason"]

    def __init__(
        self, *args: Any, organization: Organization, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.user = user
        if not self.is_bound:
            self.initial.setdefault("effective_on", timezone.localdate())
        self._setup_helper()

    def scoped(self) -> QuerySet[Organization]:
        return selectors.organization_choices(self.user)

    def decision(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "effective_on": data["effective_on"],
            "decision_number": data["decision_number"],
            "reason": data["reason"],
        }

    def service_kwargs(self) -> dict[str, Any]:
        raise NotImplementedError


class MergeForm(RestructuringForm):
    operation = RestructuringKind.MERGE

    sources = MultipleOrganizationChoiceField(
        label=_("Merge together with"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Other organizations of the same kind merged at the same time."),
    )
    target = OrganizationChoiceField(
        label=_("Merge into"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("An existing organization, or give a new one below."),
    )
    new_name = forms.CharField(
        label=_("Or into a new organization named"), max_length=255, required=False
    )
    new_code = forms.CharField(
        label=_("Code of the new organization"), max_length=32, required=False
    )

    field_order = ["sources", "target", "new_name", "new_code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        self.fields["sources"].queryset = _outside(
            self.scoped().filter(kind=org.kind), org
        )
        self.fields["target"].queryset = _outside(
            self.scoped().filter(kind__in=receiving_kinds(org)), org
        )
        self.fields["new_name"].help_text = _(
            "It is established on the effective date under %(parent)s, as a %(kind)s."
        ) % {
            "parent": self.parent() or "—",
            "kind": org.get_kind_display(),
        }

    def parent(self) -> Organization | None:
        return Organization.objects.get_parent(self.organization)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        new = bool(data.get("new_name") or data.get("new_code"))
        if data.get("target") is not None and new:
            self.add_error(
                "target", _("Choose an existing organization or a new one, not both.")
            )
        elif data.get("target") is None and not new:
            self.add_error(
                "target", _("Choose the organization it merges into, or a new one.")
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        new_target = None
        if data.get("target") is None:
            new_target = NewOrganization(
                data["new_name"],
                data["new_code"],
                self.organization.kind,
                self.parent(),
            )
        return {
            "sources": [self.organization, *data.get("sources", [])],
            "target": data.get("target"),
            "new_target": new_target,
            **self.decision(),
        }


class SplitForm(RestructuringForm):
    operation = RestructuringKind.SPLIT

    children = MultipleOrganizationChoiceField(
        label=_("Organizations moving to the new organization"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = MemberChoiceField(
        label=_("Members moving to the new organization"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_name = forms.CharField(label=_("Name of the new organization"), max_length=255)
    new_code = forms.CharField(label=_("Code of the new organization"), max_length=32)
    new_kind = forms.ChoiceField(label=_("Kind of the new organization"))

    field_order = ["children", "members", "new_name", "new_code", "new_kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        self.fields["children"].queryset = self.scoped().filter(
            path__startswith=org.path, depth=org.depth + 1
        )
        if org.kind in MEMBER_HOLDING_KINDS:
            self.fields["members"].queryset = (
                Member.objects.visible_to(self.user)
                .filter(organization=org)
                .select_related("organization")
                .order_by("search_key", "id")
            )
        else:
            del self.fields["members"]
        parent = self.parent()
        parent_kind = parent.kind if parent is not None else None
        self.fields["new_kind"].choices = [
            (value, label)
            for value, label in OrganizationKind.choices
            if parent_kind in ALLOWED_PARENT_KINDS[value]
        ]
        self.initial.setdefault("new_kind", org.kind)

    def parent(self) -> Organization | None:
        return Organization.objects.get_parent(self.organization)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "organization": self.organization,
            "children": list(data.get("children", [])),
            "members": list(data.get("members", [])),
            "new_organization": NewOrganization(
                data["new_name"], data["new_code"], data["new_kind"], self.parent()
            ),
            **self.decision(),
        }


class DissolveForm(RestructuringForm):
    operation = RestructuringKind.DISSOLVE

    target = OrganizationChoiceField(
        label=_("What remains goes to"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_(
            "Needed when organizations or members remain inside; its staff "
            "follow what remains."
        ),
    )

    field_order = ["target"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        self.fields["target"].queryset = _outside(
            self.scoped().filter(kind__in=receiving_kinds(org)), org
        )

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "target": self.cleaned_data.get("target"),
            **self.decision(),
        }


class MoveForm(RestructuringForm):
    operation = RestructuringKind.MOVE

    new_parent = OrganizationChoiceField(
        label=_("New parent organization"), queryset=Organization.objects.none()
    )
    new_kind = forms.ChoiceField(
        label=_("New kind"),
        required=False,
        help_text=_(
            "Leave empty to keep it; e.g. a grassroots committee of a commune "
            "placed directly under the province becomes a commune committee."
        ),
    )

    field_order = ["new_parent", "new_kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        holders = {
            parent for kinds in ALLOWED_PARENT_KINDS.values() for parent in kinds
        } - {None}
        self.fields["new_parent"].queryset = _outside(
            self.scoped().filter(kind__in=holders), org
        ).exclude(path=org.parent_path)
        self.fields["new_kind"].choices = [("", _("Keep its kind"))] + [
            choice for choice in OrganizationKind.choices if choice[0] != org.kind
        ]

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "new_parent": self.cleaned_data["new_parent"],
            "new_kind": self.cleaned_data.get("new_kind") or "",
            **self.decision(),
        }


class RenameForm(RestructuringForm):
    operation = RestructuringKind.RENAME

    name = forms.CharField(label=_("New name"), max_length=255)

    field_order = ["name"]

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "name": self.cleaned_data["name"],
            **self.decision(),
        }


class ChangeKindForm(RestructuringForm):
    operation = RestructuringKind.CHANGE_KIND

    kind = forms.ChoiceField(label=_("New kind"))

    field_order = ["kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        parent = Organization.objects.get_parent(org)
        parent_kind = parent.kind if parent is not None else None
        self.fields["kind"].choices = [
            (value, label)
            for value, label in OrganizationKind.choices
            if parent_kind in ALLOWED_PARENT_KINDS[value] and value != org.kind
        ]

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "kind": self.cleaned_data["kind"],
            **self.decision(),
        }


class RestructuringFilterForm(forms.Form):
    kind = forms.ChoiceField(
        required=False, choices=[("", _("All kinds")), *RestructuringKind.choices]
    )
    q = forms.CharField(required=False, max_length=100)
