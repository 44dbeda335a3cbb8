"""Export of the member list, with its filters, to .csv and .xlsx.

The rows come from ``selectors.member_list`` (the list page's own selector,
so the export holds exactly what the page lists, inside the user's scope)
and are read in chunks (``QuerySet.iterator``), never all at once. CSV is
streamed as it is read; an .xlsx is written by openpyxl's write-only
workbook to a temporary file, in a worker when it is large. Headers are
those of the import template (``member_columns``), dates dd/mm/yyyy, and
text a spreadsheet would run as a formula is neutralised. Every export is
recorded (``portal.jobs.services.record_export``).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from portal import spreadsheets

from . import member_columns as mc
from . import selectors
from .forms import MemberFilterForm
from .models import Organization

EXPORT_KIND = "members"
FORMATS = ("csv", "xlsx")

#: What each column reads from the database, in the order of ``COLUMNS``.
SOURCES: dict[str, str] = {
    "full_name": "full_name",
    "birth_date": "birth_date",
    "gender": "gender",
    "card_number": "card_number",
    "citizen_id": "citizen_id",
    "admitted_on": "admitted_on",
    "official_on": "official_on",
    "status": "status",
    "status_changed_on": "status_changed_on",
    "organization_code": "organization__code",
    "organization_name": "organization__name",
    "seriously_ill": "seriously_ill",
    "note": "note",
}


class Filters:
    """The member list's filters, read from its query string."""

    KEYS = ("q", "status", "org", "admission_year", "sort")

    def __init__(self, user: Any, params: Any) -> None:
        form = MemberFilterForm(params)
        form.is_valid()  # as on the list page: invalid filters are left out
        self.data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        self.organization: Organization | None = None
        if self.data.get("org"):
            # Outside the scope: DoesNotExist, which the page answers with 404.
            self.organization = Organization.objects.visible_to(user).get(
                pk=self.data["org"]
            )

    def queryset(self, user: Any) -> QuerySet:
        return selectors.member_list(
            user,
            q=self.data.get("q", ""),
            status=self.data.get("status", ""),
            organization=self.organization,
            admission_year=self.data.get("admission_year"),
            sort=self.data.get("sort") or "name",
        )

    def as_params(self) -> dict[str, Any]:
        """For a job (JSON) and the export record."""
        return {k: self.data[k] for k in self.KEYS if k in self.data}

    def described(self) -> dict[str, Any]:
        described = self.as_params()
        if self.organization is not None:
            described["org_code"] = self.organization.code
        return described


def values(queryset: QuerySet, chunk_size: int | None = None) -> Iterator[tuple]:
    """The rows of the export, read from the database in chunks."""
    fields = [SOURCES[c.field] for c in mc.COLUMNS]
    chunk_size = chunk_size or settings.EXPORT_CHUNK_SIZE
    return queryset.values_list(*fields).iterator(chunk_size=chunk_size)


def _text(column: mc.Column, value: Any) -> Any:
    """A database value as the cell shows it (dates stay dates here)."""
    if value is None:
        return ""
    if column.kind == "gender":
        return mc.GENDER_WORDS.get(value, value)
    if column.kind == "status":
        return mc.STATUS_WORDS.get(value, value)
    if column.kind == "flag":
        return mc.YES if value else mc.NO
    if isinstance(value, date):
        return value
    # Neutralised here for the CSV; the workbook writer does it again, and
    # a quote is not added twice (the text then starts with the quote).
    return mc.neutralise(str(value))


def csv_row(row: tuple) -> list[str]:
    cells = []
    for column, value in zip(mc.COLUMNS, row, strict=True):
        cell = _text(column, value)
        cells.append(mc.format_date(cell) if isinstance(cell, date) else cell)
    return cells


class _Echo:
    """A file whose write returns what it was given (csv.writer -> str)."""

    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterator[tuple], *, rows_per_chunk: int = 200) -> Iterator[str]:
    """The CSV text piece by piece: UTF-8 with BOM (Excel reads Vietnamese
    right then), the template's headers first."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(mc.TEMPLATE_HEADERS)
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow(csv_row(row)))
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


XLSX_COLUMNS = tuple(
    spreadsheets.Column(
        key=c.field,
        header=c.header,
        width=36
        if c.field == "organization_name"
        else {"name": 28, "note": 30, "date": 13}.get(c.kind, 16),
        kind="date" if c.kind == "date" else "text",
    )
    for c in mc.COLUMNS
)


def write_xlsx(
    rows: Iterator[tuple], out: IO[bytes], *, progress: Any = None, total: int = 0
) -> int:
    """Write the rows as a workbook (``portal.spreadsheets``: write-only,
    frozen bold header, date cells, formulas neutralised); returns the
    number of rows."""
    fields = [c.field for c in mc.COLUMNS]

    def cells() -> Iterator[dict[str, Any]]:
        for row in rows:
            yield {
                name: _text(column, value)
                for name, column, value in zip(fields, mc.COLUMNS, row, strict=True)
            }

    report = None
    if progress is not None:
        report = lambda done: progress(done, total, "exporting")  # noqa: E731
    return spreadsheets.write_xlsx(
        out,
        title="Đảng viên",
        columns=XLSX_COLUMNS,
        rows=cells(),
        progress=report,
        progress_every=1000,
    )


def build_xlsx(user: Any, filters: Filters, *, progress: Any = None) -> tuple[IO, int]:
    """The workbook in a temporary file (deleted when closed), and its rows."""
    queryset = filters.queryset(user)
    total = queryset.count() if progress is not None else 0
    handle = tempfile.TemporaryFile()
    count = write_xlsx(values(queryset), handle, progress=progress, total=total)
    handle.seek(0)
    return handle, count


def filename(fmt: str) -> str:
    return f"dang-vien-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
