"""Forms of the member import: the upload, the column mapping, the choices
before importing. They collect input; ``imports.py`` holds the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import member_columns as mc
from .imports import Upload

GOOD_ROWS_ONLY = "good"
ALL_OR_NOTHING = "all"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file (.csv, UTF-8)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class MappingForm(forms.Form):
    """One select per column of the file: which field it fills."""

    def __init__(self, *args: Any, upload: Upload, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload = upload
        choices = [("", _("— not imported —"))] + [
            (
                c.field,
                f"{capfirst(str(c.label))}{' *' if c.required else ''}",
            )
            for c in mc.COLUMNS
            if c.imported
        ]
        for index, header in enumerate(upload.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("(column %(n)s without a header)") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=upload.mapping[index] if index < len(upload.mapping) else "",
            )

    def mapping(self) -> list[str]:
        return [
            self.cleaned_data.get(f"col_{i}", "")
            for i in range(len(self.upload.headers))
        ]

    def rows(self) -> list[tuple[forms.BoundField, list[str]]]:
        """Each column's select with a few of its values, for the page."""
        rows = []
        for index in range(len(self.upload.headers)):
            samples = [s[index] for s in self.upload.samples if index < len(s)]
            rows.append((self[f"col_{index}"], [s for s in samples if s]))
        return rows


class ConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Rows with problems"),
        choices=[
            (ALL_OR_NOTHING, _("Import nothing unless every row is good")),
            (GOOD_ROWS_ONLY, _("Import the good rows and leave out the bad ones")),
        ],
        initial=ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    update_existing = forms.BooleanField(
        label=_("Update the members already recorded (same party card number)"),
        required=False,
        help_text=_(
            "Each update is kept in the member's history. Without this, those "
            "rows are left out and the members stay as they are."
        ),
    )

    @property
    def good_rows_only(self) -> bool:
        return self.cleaned_data.get("mode") == GOOD_ROWS_ONLY
