"""Forms of the congress pages.

Forms only collect and type the input; the schedule rules live in
``services.py`` / ``selectors.schedule_problems``, whose ``ValidationError``
the views put back on the form (the message names the conflicting congress).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from committees.forms import DateTextInput, OrganizationChoiceField
from committees.models import Level, Member, Organization

from . import selectors
from .models import Congress, CongressStatus

OVERRIDE_HELP = _(
    "Administrators only: accept a breach of the schedule rules (e.g. a new or "
    "merged organization), saying why."
)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.full_name} ({obj.card_number})"


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.full_name} ({obj.card_number})"


def _add_override(form: forms.Form, user: Any) -> None:
    if user.is_superuser:
        form.fields["override_reason"] = forms.CharField(
            label=_("Override the schedule rules because"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=OVERRIDE_HELP,
        )


class CongressForm(forms.ModelForm):
    """Schedule a congress: the organization chosen from the user's scope."""

    organization = OrganizationChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )

    class Meta:
        model = Congress
        fields = [
            "organization",
            "ordinal",
            "starts_on",
            "ends_on",
            "venue",
            "kind",
            "expected_delegates",
            "is_model",
            "committee_appointed",
        ]
        widgets = {"starts_on": DateTextInput(), "ends_on": DateTextInput()}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.congress_choices(user)
        _add_override(self, user)

    def _post_clean(self) -> None:
        # The service validates the whole congress (with the schedule rules);
        # the model's own validation here would only repeat it.
        pass


class CongressDetailsForm(forms.ModelForm):
    class Meta:
        model = Congress
        fields = [
            "ordinal",
            "venue",
            "kind",
            "expected_delegates",
            "is_model",
            "committee_appointed",
        ]

    def _post_clean(self) -> None:
        pass


class RescheduleForm(forms.Form):
    starts_on = forms.DateField(label=_("Starts on"), widget=DateTextInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateTextInput())
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=100, help_text=_("Optional.")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_override(self, user)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the congress cancelled?"),
        max_length=90,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in CongressStatus if s != "cancelled"]
    )


class ResultsForm(forms.Form):
    """What the congress decided; the committee becomes positions of the term."""

    delegates_to_superior = forms.IntegerField(
        label=_("Delegates elected to the superior congress"),
        min_value=0,
        required=False,
    )
    results_note = forms.CharField(
        label=_("Results"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    elected_on = forms.DateField(
        label=_("Elected on"),
        required=False,
        widget=DateTextInput(),
        help_text=_("Empty: the last day of the congress."),
    )
    secretary = MemberChoiceField(
        label=_("Secretary"), queryset=Member.objects.none(), required=False
    )
    standing = MembersChoiceField(
        label=_("Standing Committee"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Besides the Secretary; they also sit in the executive committee."),
    )
    executive = MembersChoiceField(
        label=_("Other executive committee members"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = selectors.candidate_members(congress.organization).select_related(
            "organization"
        )
        for name in ("secretary", "standing", "executive"):
            self.fields[name].queryset = members


class ScheduleFilterForm(forms.Form):
    """The filters of the schedule list (GET)."""

    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All levels")), *Level.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *CongressStatus.choices],
    )
    month = forms.ChoiceField(label=_("Month"), required=False)
    overdue = forms.BooleanField(label=_("With overdue items"), required=False)

    def __init__(self, *args: Any, months: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [("", _("All months"))] + [
            (f"{m:%Y-%m}", f"{m:%m/%Y}") for m in months
        ]
