"""Forms of the awards pages: they collect and type the input; the rules are
the services'. Every choice list is scoped to the user."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from committees.forms import CrispyMixin, DateTextInput, OrganizationChoiceField
from committees.models import Member, Organization

from . import selectors
from .models import (
    AwardKind,
    Criterion,
    EmulationPeriod,
    Nomination,
    NominationStatus,
    RecipientType,
    occasion_choices,
)


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AwardKind) -> str:
        return f"{obj.name} ({obj.granting_organization.code})"


class NominationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Nomination) -> str:
        return _("No. %(id)s – %(kind)s – %(period)s – %(proposer)s (%(n)s)") % {
            "id": obj.pk,
            "kind": obj.kind,
            "period": obj.period,
            "proposer": obj.proposer,
            "n": getattr(obj, "approved_items", "?"),
        }


class SignerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.full_name} ({obj.card_number})"


def _check_period(form: forms.Form, kind: AwardKind | None, period: Any) -> None:
    if kind is not None and period is not None:
        if kind.period_type != period.period_type:
            form.add_error(
                "period",
                _("%(kind)s is awarded per period of type “%(type)s”.")
                % {"kind": kind, "type": kind.get_period_type_display()},
            )


class EligibilityForm(forms.Form):
    """Which list to compute (GET)."""

    kind = KindChoiceField(
        label=capfirst(_("award kind")), queryset=AwardKind.objects.none()
    )
    period = forms.ModelChoiceField(
        label=capfirst(_("period")), queryset=EmulationPeriod.objects.none()
    )
    org = OrganizationChoiceField(
        label=capfirst(_("organization")),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("My whole scope"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = selectors.kinds_for(user).exclude(
            criterion__in=(Criterion.BADGE, Criterion.MANUAL)
        )
        self.fields["period"].queryset = selectors.periods()
        self.fields["org"].queryset = selectors.proposer_choices(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_period(self, data.get("kind"), data.get("period"))
        return data


class NominateForm(forms.Form):
    """ "Nominate selected" under an eligibility list (the ticked rows come
    as ``candidate`` values: ``m12`` a member, ``o7`` an organization)."""

    kind = forms.ModelChoiceField(queryset=AwardKind.objects.none())
    period = forms.ModelChoiceField(queryset=EmulationPeriod.objects.none())
    proposer = OrganizationChoiceField(
        label=capfirst(_("proposing organization")),
        queryset=Organization.objects.none(),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = selectors.kinds_for(user)
        self.fields["period"].queryset = selectors.periods()
        self.fields["proposer"].queryset = selectors.proposer_choices(user)


def candidate_ids(values: list[str]) -> tuple[list[int], list[int]]:
    """``["m12", "o7"]`` → member ids, organization ids (junk ignored)."""
    members, organizations = [], []
    for value in values:
        prefix, number = value[:1], value[1:]
        if number.isdigit():
            if prefix == "m":
                members.append(int(number))
            elif prefix == "o":
                organizations.append(int(number))
    return members, organizations


class NominationForm(CrispyMixin, forms.Form):
    """A nomination started by hand (candidates added on its page)."""

    kind = KindChoiceField(
        label=capfirst(_("award kind")), queryset=AwardKind.objects.none()
    )
    period = forms.ModelChoiceField(
        label=capfirst(_("period")), queryset=EmulationPeriod.objects.none()
    )
    proposer = OrganizationChoiceField(
        label=capfirst(_("proposing organization")),
        queryset=Organization.objects.none(),
    )
    occasion_on = forms.DateField(
        label=capfirst(_("occasion")),
        required=False,
        widget=DateTextInput(),
        help_text=_("Membership badges only: 3/2, 19/5, 2/9 or 7/11."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = selectors.kinds_for(user)
        self.fields["period"].queryset = selectors.periods()
        self.fields["proposer"].queryset = selectors.proposer_choices(user)
        if user.scope_id and "proposer" not in self.initial:
            self.initial["proposer"] = user.scope_id
        self._setup_helper()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_period(self, data.get("kind"), data.get("period"))
        return data


class ManualCandidateForm(CrispyMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Party card number or organization code"),
        max_length=32,
    )
    justification = forms.CharField(
        label=capfirst(_("justification")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, user: Any, nomination: Nomination, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.nomination = nomination
        self._setup_helper()

    def clean_identifier(self) -> Member | Organization:
        """The member (by card number) or organization (by code), looked up
        inside the user's scope: what lies outside is "not found"."""
        text = self.cleaned_data["identifier"].strip()
        if self.nomination.kind.recipient_type == RecipientType.MEMBER:
            found = (
                Member.objects.visible_to(self.user)
                .select_related("organization")
                .filter(card_number=text)
                .first()
            )
            if found is None:
                raise forms.ValidationError(
                    _("No party member with this card number in your scope.")
                )
            return found
        found = Organization.objects.visible_to(self.user).filter(code=text.upper())
        organization = found.first()
        if organization is None:
            raise forms.ValidationError(
                _("No organization with this code in your scope.")
            )
        return organization


class TransitionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in ("submit", "forward", "return", "approve", "reject", "delete")
        ]
    )
    comment = forms.CharField(
        label=capfirst(_("comment")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(CrispyMixin, forms.Form):
    reason = forms.CharField(
        label=capfirst(_("reason")), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()


class RevokeForm(CrispyMixin, forms.Form):
    revoked_at = forms.DateField(
        label=capfirst(_("revoked on")), widget=DateTextInput()
    )
    reason = forms.CharField(
        label=capfirst(_("reason for revocation")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("revoked_at", timezone.localdate())
        self._setup_helper()


class DecisionForm(CrispyMixin, forms.Form):
    nominations = NominationChoiceField(
        label=capfirst(_("approved nominations it confers")),
        queryset=Nomination.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    signed_on = forms.DateField(label=capfirst(_("date")), widget=DateTextInput())
    signer = SignerChoiceField(
        label=capfirst(_("signed by")), queryset=Member.objects.none()
    )
    number = forms.CharField(
        label=capfirst(_("number")),
        required=False,
        max_length=32,
        help_text=_(
            "Leave empty to take the next number; or type the number given by "
            "the register, e.g. 1520 or 1520-QĐ/TU."
        ),
    )
    title = forms.CharField(label=capfirst(_("title")), required=False, max_length=255)

    def __init__(
        self, *args: Any, user: Any, issuer: Organization, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nominations"].queryset = selectors.issuable_nominations(
            user
        ).filter(kind__granting_organization=issuer)
        self.fields["signer"].queryset = selectors.signer_choices(issuer)
        self.initial.setdefault("signed_on", timezone.localdate())
        self._setup_helper()


class NominationFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *NominationStatus.choices]
    )
    kind = forms.ModelChoiceField(
        required=False, queryset=AwardKind.objects.none(), empty_label=_("Any kind")
    )
    period = forms.ModelChoiceField(
        required=False,
        queryset=EmulationPeriod.objects.none(),
        empty_label=_("Any period"),
    )
    awaiting = forms.BooleanField(required=False, label=_("Awaiting my decision"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = selectors.kinds_for(user)
        self.fields["period"].queryset = selectors.periods()


class RegisterFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    period = forms.ModelChoiceField(
        required=False,
        queryset=EmulationPeriod.objects.none(),
        empty_label=_("Any period"),
    )
    kind = forms.ModelChoiceField(
        required=False, queryset=AwardKind.objects.none(), empty_label=_("Any kind")
    )
    recipient_type = forms.ChoiceField(
        required=False, choices=[("", _("Any recipient")), *RecipientType.choices]
    )
    org = forms.ModelChoiceField(
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("All organizations"),
    )
    revoked = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("In force or revoked")),
            ("no", _("In force")),
            ("yes", _("Revoked")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = selectors.periods()
        self.fields["kind"].queryset = AwardKind.objects.order_by("name")
        # Any organization of the scope filters (a cell comes in by ?org=);
        # the select offers those down to the grassroots level.
        self.fields["org"].queryset = selectors.proposer_choices(user)


class BadgeForm(forms.Form):
    """Which occasion (GET)."""

    year = forms.IntegerField(label=capfirst(_("year")), min_value=2000, max_value=2100)
    occasion = forms.ChoiceField(label=capfirst(_("occasion")), choices=())
    org = OrganizationChoiceField(
        label=capfirst(_("organization")),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("My whole scope"),
    )
    overdue = forms.BooleanField(
        required=False,
        label=_("Also badges reached before the previous occasion"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occasion"].choices = occasion_choices()
        self.fields["org"].queryset = selectors.proposer_choices(user)

    def occasion_date(self) -> date:
        month, day = (int(p) for p in self.cleaned_data["occasion"].split("-"))
        return date(self.cleaned_data["year"], month, day)


class BadgeNominateForm(forms.Form):
    occasion_on = forms.DateField(input_formats=["%Y-%m-%d"])
    proposer = OrganizationChoiceField(
        label=capfirst(_("proposing organization")),
        queryset=Organization.objects.none(),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposer"].queryset = selectors.proposer_choices(user)
