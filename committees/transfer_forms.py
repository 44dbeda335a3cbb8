"""Forms of the transfer pages.

They only collect and type the input; ``committees.transfers`` checks
everything and its errors come back next to the fields of the same names
(``to``, ``effective_on``, ``letter_number``, …).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import selectors, transfer_selectors
from .forms import CrispyMixin, DateTextInput, OrganizationChoiceField
from .models import (
    MEMBER_HOLDING_KINDS,
    Member,
    Organization,
    TransferKind,
    TransferStatus,
)
from .transfer_selectors import TABS

#: Dates typed dd/mm/yyyy, or ISO in a link.
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label, input_formats=DATE_FORMATS, widget=DateTextInput(), **kwargs
    )


class MoveMemberForm(CrispyMixin, forms.Form):
    """Move a member to another cell of the user's scope."""

    to = OrganizationChoiceField(
        label=_("Move to"), queryset=Organization.objects.none()
    )
    effective_on = _date_field(_("Effective on"))
    reason = forms.CharField(
        label=capfirst(_("reason")),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the member's history."),
    )

    def __init__(self, *args: Any, member: Member, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = selectors.organization_choices(
            user, kinds=MEMBER_HOLDING_KINDS
        ).exclude(pk=member.organization_id)
        if not self.is_bound:
            self.initial.setdefault("effective_on", timezone.localdate())
        self._setup_helper()


class DestinationField(forms.ModelChoiceField):
    """The receiving organization, typed by its code (the search beside it
    fills it in); any active cell or grassroots cell of the portal."""

    default_error_messages = {
        "invalid_choice": _(
            "No active party cell or grassroots party cell has this code: "
            "search by name and pick one."
        )
    }

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
        return super().to_python(value)


class IssueTransferForm(CrispyMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (TransferKind.OFFICIAL.value, TransferKind.OFFICIAL.label),
            (TransferKind.TEMPORARY.value, TransferKind.TEMPORARY.label),
        ],
        widget=forms.RadioSelect,
        initial=TransferKind.OFFICIAL,
    )
    to = DestinationField(
        label=_("Receiving organization (code)"),
        queryset=transfer_selectors.destination_queryset(),
        to_field_name="code",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "list": "destinations",
                # htmx fills the <datalist> with the organizations found
                "hx-get": reverse_lazy("committees:transfer_destinations"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#destinations",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=_(
            "Type the code, or a part of the name and pick it from the list: "
            "every active party cell of the portal can receive the member."
        ),
    )
    letter_number = forms.CharField(
        label=_("Letter number"),
        max_length=32,
        help_text=_("As on the register of letters, e.g. 25-GGT/ĐU."),
    )
    letter_date = _date_field(_("Letter date"))
    effective_on = _date_field(
        _("First day of attendance"),
        required=False,
        help_text=_("Temporary transfer: the first day of attendance there."),
    )
    ends_on = _date_field(
        _("Until"),
        required=False,
        help_text=_("Temporary transfer: the last day."),
    )
    reason = forms.CharField(
        label=capfirst(_("reason")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, next_serial: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("letter_date", timezone.localdate())
            if next_serial is not None:
                self.initial.setdefault("letter_number", str(next_serial))
        self._setup_helper()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "to": data["to"],
            "letter_number": data["letter_number"],
            "letter_date": data["letter_date"],
            "effective_on": data.get("effective_on"),
            "ends_on": data.get("ends_on"),
            "reason": data.get("reason") or "",
        }


class AcceptTransferForm(CrispyMixin, forms.Form):
    effective_on = _date_field(
        _("Member joins on"),
        help_text=_("The day the letter was presented; today by default."),
    )

    def __init__(self, *args: Any, temporary: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if temporary:  # its period was set when it was issued
            del self.fields["effective_on"]
        if not self.is_bound:
            self.initial.setdefault("effective_on", timezone.localdate())
        self._setup_helper()


class ReasonForm(CrispyMixin, forms.Form):
    reason = forms.CharField(
        label=capfirst(_("reason")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why."))
        return reason


class TransferFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=[(t, t) for t in TABS], required=False)
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *TransferStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any kind")), *TransferKind.choices], required=False
    )
    q = forms.CharField(required=False, max_length=100)
