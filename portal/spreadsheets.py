"""Writing ``.xlsx`` files: one place for the safety and the look of exports.

Every spreadsheet the portal hands out goes through ``write_xlsx``:

- **Formula injection**: a text cell that starts with ``=``, ``+``, ``-`` or
  ``@`` (or a tab or carriage return, which some spreadsheet programs skip
  before reading a formula) is written with a leading apostrophe
  (``safe_cell``), so that a member named ``=HYPERLINK(…)`` opens as text,
  never as a formula (OWASP "CSV injection"). Characters that XML cannot
  hold (control characters) are dropped instead of failing the export.
- **Dates** are real date cells shown ``DD/MM/YYYY``, so that they sort and
  filter as dates.
- **The header row** is bold, frozen (it stays on screen while scrolling)
  and repeated on every printed page; columns get their widths.
- **Memory**: the workbook is written in openpyxl's write-only mode, row by
  row, so a 160,000-row export does not hold the sheet in memory.

Headers are data (Vietnamese, what offices exchange), not text of the
interface: each export keeps its columns in one tuple of ``Column``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

#: The first characters that make a spreadsheet program read a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMAT = "DD/MM/YYYY"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="F2DCDB")
_HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)


def safe_cell(value: Any) -> Any:
    """The value as it may go into a cell: formulas neutralised, illegal
    characters dropped; anything that is not text is returned unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One column of an export: the row key it reads, its header, its width
    (in characters) and how its cells are written."""

    key: str
    header: str
    width: float = 20
    #: ``text``, ``date`` (a date cell, DD/MM/YYYY) or ``number``
    kind: str = "text"


def _cell(sheet: Any, column: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    if column.kind == "date" and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, datetime | date):  # a date in a text column
        return value.strftime("%d/%m/%Y")
    return safe_cell(value)


def write_xlsx(
    target: str | IO[bytes],
    *,
    title: str,
    columns: tuple[Column, ...] | list[Column],
    rows: Iterable[Mapping[str, Any]],
    progress: Callable[[int], Any] | None = None,
    progress_every: int = 500,
) -> int:
    """Write one sheet: the header row, then a row per mapping of ``rows``
    (values read by each column's key). Returns the number of data rows.

    ``progress(done)`` is called every ``progress_every`` rows (background
    jobs report it to their progress bar).
    """
    workbook = Workbook(write_only=True)
    # Sheet names: at most 31 characters, none of []:*?/\
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet1"
    sheet = workbook.create_sheet(title=name)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(column.header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, c, row.get(c.key)) for c in columns])
        count += 1
        if progress is not None and count % progress_every == 0:
            progress(count)
    workbook.save(target)
    if progress is not None:
        progress(count)
    return count
