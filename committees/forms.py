"""Forms of the staff pages.

Forms only collect and type the input; the rules live in ``services.py``,
which the views call with ``form.cleaned_data`` and whose ``ValidationError``
the views put back on the form (``add_service_errors``).
"""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import (
    ALLOWED_PARENT_KINDS,
    MEMBER_HOLDING_KINDS,
    Grade,
    Interruption,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Position,
    Rating,
    Term,
)

DATE_PLACEHOLDER = "dd/mm/yyyy"


class DateTextInput(forms.DateInput):
    """Dates are typed dd/mm/yyyy (a text input, not the browser's picker)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={
                "placeholder": DATE_PLACEHOLDER,
                "autocomplete": "off",
                **(attrs or {}),
            },
            format="%d/%m/%Y",
        )


class CrispyMixin:
    """Rendered with ``{% crispy form %}`` inside the page's own <form>."""

    def _setup_helper(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def organization_label(organization: Organization) -> str:
    return f"{organization.name} ({organization.code})"


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return organization_label(obj)


# ---------------------------------------------------------------- organizations


class OrganizationForm(CrispyMixin, forms.ModelForm):
    """Name, code, dates and note; kind and parent change by restructuring."""

    class Meta:
        model = Organization
        fields = ["name", "code", "established_on", "note"]
        widgets = {
            "established_on": DateTextInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()

    def clean_code(self) -> str:
        # Typed in any case, as the service stores it (the model's validator
        # runs on the cleaned value and wants capitals).
        return self.cleaned_data["code"].strip().upper()


class ChildOrganizationForm(CrispyMixin, forms.Form):
    name = forms.CharField(label=capfirst(_("name")), max_length=255)
    code = forms.CharField(
        label=capfirst(_("code")),
        max_length=32,
        help_text=_("Short unique code, e.g. TU-BG or HU-HH."),
    )
    # Every kind validates here, so that the service is the one to refuse a
    # kind the parent may not hold; the select offers only the allowed ones.
    kind = forms.ChoiceField(
        label=capfirst(_("kind")), choices=OrganizationKind.choices
    )
    established_on = forms.DateField(
        label=capfirst(_("established on")), required=False, widget=DateTextInput()
    )
    note = forms.CharField(
        label=capfirst(_("note")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, parent: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_kinds = [
            (value, label)
            for value, label in OrganizationKind.choices
            if parent.kind in ALLOWED_PARENT_KINDS[value]
        ]
        self.fields["kind"].widget.choices = self.allowed_kinds
        self._setup_helper()


# ---------------------------------------------------------------- members


class MemberForm(CrispyMixin, forms.ModelForm):
    organization = OrganizationChoiceField(
        label=capfirst(_("organization")), queryset=Organization.objects.none()
    )

    class Meta:
        model = Member
        fields = [
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
        ]
        widgets = {
            "birth_date": DateTextInput(),
            "admitted_on": DateTextInput(),
            "official_on": DateTextInput(),
            "status_changed_on": DateTextInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, with_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Members belong to active cells and grassroots cells of the scope.
        self.fields["organization"].queryset = selectors.organization_choices(
            user, kinds=MEMBER_HOLDING_KINDS
        )
        if with_reason:
            self.fields["reason"] = forms.CharField(
                label=capfirst(_("reason for the change")),
                required=False,
                max_length=100,
                help_text=_("Kept in the change history."),
            )
        self._setup_helper()


class RecognizeOfficialForm(CrispyMixin, forms.Form):
    official_on = forms.DateField(
        label=capfirst(_("official date")), widget=DateTextInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()


class InterruptionForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Interruption
        fields = ["started_on", "ended_on", "reason", "note"]
        widgets = {"started_on": DateTextInput(), "ended_on": DateTextInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()


class MemberFilterForm(forms.Form):
    """The member list's search and filters (rendered by hand as a bar)."""

    STATUS_CHOICES = [
        ("", _("All statuses")),
        ("active", _("Active (probationary and official)")),
        *MemberStatus.choices,
    ]

    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    org = forms.IntegerField(required=False, min_value=1)
    admission_year = forms.IntegerField(required=False, min_value=1900, max_value=2200)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in selectors.MEMBER_SORTS]
    )


# ---------------------------------------------------------------- positions

#: Members offered in the select before anything is typed in the search box:
#: a province's subtree has six-figure counts.
MEMBER_OPTIONS_LIMIT = 100


class PositionForm(CrispyMixin, forms.Form):
    member = forms.ModelChoiceField(
        label=capfirst(_("party member")), queryset=Member.objects.none()
    )
    body = forms.ChoiceField(
        label=capfirst(_("body")), choices=Position._meta.get_field("body").choices
    )
    role = forms.ChoiceField(
        label=capfirst(_("role")), choices=Position._meta.get_field("role").choices
    )
    term = forms.ModelChoiceField(
        label=capfirst(_("term")), queryset=Term.objects.all()
    )
    started_on = forms.DateField(label=capfirst(_("from")), widget=DateTextInput())
    state_title = forms.CharField(
        label=capfirst(_("state title")),
        required=False,
        max_length=255,
        help_text=_("Free text, e.g. Chair of the Provincial People's Council."),
    )

    def __init__(
        self, *args: Any, user: Any, organization: Organization, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        # Validation looks the chosen member up in the whole subtree; the
        # select lists only the first ones and the search box fills it.
        field.queryset = selectors.position_member_choices(user, organization)
        field.widget.choices = self.member_options(field.queryset)
        self.fields["member"].widget.attrs["data-testid"] = "position-member"
        self._setup_helper()
        self.helper.layout = Layout(
            HTML('{% include "committees/_member_search.html" %}'),
            "member",
            "body",
            "role",
            "term",
            "started_on",
            "state_title",
        )

    def member_options(self, queryset: Any) -> list[tuple[Any, str]]:
        members = list(queryset[:MEMBER_OPTIONS_LIMIT])
        chosen = self.data.get(self.add_prefix("member")) if self.is_bound else None
        if chosen and chosen.isdigit() and all(str(m.pk) != chosen for m in members):
            members += list(queryset.filter(pk=chosen))
        self.more_members = len(members) >= MEMBER_OPTIONS_LIMIT
        return [("", "---------")] + [(m.pk, member_label(m)) for m in members]


def member_label(member: Member) -> str:
    return f"{member.full_name} – {member.card_number} – {member.organization.name}"


class PositionEditForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Position
        fields = ["body", "role", "term", "started_on", "ended_on", "state_title"]
        widgets = {"started_on": DateTextInput(), "ended_on": DateTextInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()


class EndPositionForm(CrispyMixin, forms.Form):
    ended_on = forms.DateField(label=capfirst(_("until")), widget=DateTextInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_helper()


# ---------------------------------------------------------------- ratings

GRADE_CHOICES = [("", "---------"), *Grade.choices]


class RatingForm(CrispyMixin, forms.Form):
    """A member's or an organization's rating; without ``year`` when editing."""

    year = forms.IntegerField(label=capfirst(_("year")), min_value=1930, max_value=2200)
    grade = forms.ChoiceField(label=capfirst(_("grade")), choices=GRADE_CHOICES)
    score = forms.IntegerField(
        label=capfirst(_("score")),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Out of 100, where the regulation of the year scores."),
    )
    note = forms.CharField(label=capfirst(_("note")), required=False, max_length=255)

    def __init__(
        self, *args: Any, with_year: bool = True, locked: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not with_year:
            del self.fields["year"]
        if locked:
            for field in self.fields.values():
                field.disabled = True
        self._setup_helper()

    @staticmethod
    def initial_for(rating: Rating) -> dict[str, Any]:
        return {"grade": rating.grade, "score": rating.score, "note": rating.note}

    @staticmethod
    def last_year() -> int:
        return timezone.localdate().year - 1


class BulkRatingForm(forms.Form):
    """One row per active member of a cell: a grade and an optional score.

    Rows left without a grade are not rated; existing ratings are prefilled
    and only rows that changed go to the service.
    """

    def __init__(
        self,
        *args: Any,
        rows: list[tuple[Member, Rating | None]],
        locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = [member for member, _rating in rows]
        self.existing = {member.pk: rating for member, rating in rows}
        for member, rating in rows:
            grade = forms.ChoiceField(
                label=member.full_name, choices=GRADE_CHOICES, required=False
            )
            score = forms.IntegerField(
                label=capfirst(_("score")), required=False, min_value=0, max_value=100
            )
            if rating is not None:
                grade.initial = rating.grade
                score.initial = rating.score
            grade.disabled = score.disabled = locked
            grade.widget.attrs.update(
                {"class": "form-select form-select-sm", "data-testid": "bulk-grade"}
            )
            score.widget.attrs.update(
                {"class": "form-control form-control-sm", "style": "width: 6rem"}
            )
            self.fields[f"grade_{member.pk}"] = grade
            self.fields[f"score_{member.pk}"] = score

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for member in self.members:
            grade = data.get(f"grade_{member.pk}")
            score = data.get(f"score_{member.pk}")
            if not grade and score is not None:
                self.add_error(
                    f"grade_{member.pk}", _("Choose a grade for this score.")
                )
        return data

    def rows(self) -> list[dict[str, Any]]:
        """What the template lays out: member, bound fields, errors, rating."""
        return [
            {
                "member": member,
                "rating": self.existing[member.pk],
                "grade": self[f"grade_{member.pk}"],
                "score": self[f"score_{member.pk}"],
                "errors": [
                    *self.errors.get(f"grade_{member.pk}", []),
                    *self.errors.get(f"score_{member.pk}", []),
                ],
            }
            for member in self.members
        ]

    def changed_grades(self) -> dict[Member, tuple[str, int | None]]:
        """Rows with a grade that differ from the rating already recorded."""
        grades = {}
        for member in self.members:
            grade = self.cleaned_data.get(f"grade_{member.pk}")
            score = self.cleaned_data.get(f"score_{member.pk}")
            if not grade:
                continue
            rating = self.existing[member.pk]
            if rating is not None and (rating.grade, rating.score) == (grade, score):
                continue
            grades[member] = (grade, score)
        return grades

    def add_row_errors(self, by_member: dict[int, list[str]]) -> None:
        for member_id, messages in by_member.items():
            self.add_error(f"grade_{member_id}", messages)
