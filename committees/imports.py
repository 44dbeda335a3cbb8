"""Import of party members from .xlsx and .csv files (a service module).

The steps, each a function the pages (``import_views.py``) and the jobs
call:

1. ``store_upload`` keeps the uploaded file under MEDIA_ROOT/imports/<id>/
   with a small manifest (owner, headers, column mapping). A file that is
   not a spreadsheet, not UTF-8, empty or too large is refused here, before
   anything else, with a message that says why.
2. ``save_mapping`` records which column fills which field, for files whose
   headers are not those of the template (``member_columns``).
3. ``check_upload`` reads every row and checks it: required cells, dates
   (dd/mm/yyyy), words of the gender and status columns, formulas, then the
   same rules as the member form (``services.clean_member``: the model's
   validators and ``check_member_rules``), organization codes inside the
   importer's scope, duplicates inside the file and against the database.
   It writes the report (counts, and every problem with its row, column and
   reason) beside the file.
4. ``import_members`` checks again and writes, inside ONE transaction:
   nothing unless every row is good, or only the good rows when the user
   chose so after seeing the report; members already recorded (same card
   number) are updated only when the user chose so. Writes are set-based
   (``bulk_create``/``bulk_update`` in batches) and each member created or
   updated gets its history row (``simple_history.utils``).

Uniqueness and the organization's existence are checked for all rows at
once (a few queries per batch of card numbers), not one query per row.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
import shutil
import time
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal import bulk_copy, xlsx_rows
from portal.access import scope_path

from . import badge_clock, timeline
from . import member_columns as mc
from .models import Member, MemberStatus, Organization
from .services import clean_member
from .text import fold

logger = logging.getLogger(__name__)

#: A progress callback: (rows done, rows in all, step).
Progress = Callable[[int, int, str], Any]

ALLOWED_SUFFIXES = (".xlsx", ".csv")
#: Bytes read to recognise a file and its encoding before trusting it.
SNIFF_BYTES = 64 * 1024
#: Card numbers looked up per query (well under SQLite's variable limit).
LOOKUP_BATCH = 5_000
#: Problems shown per page of the report.
REPORT_PAGE_SIZE = 50

MANIFEST = "upload.json"
SUMMARY = "report.json"
PROBLEMS = "problems.csv"


def _no_progress(done: int, total: int, phase: str) -> None:
    return None


class UploadNotFound(LookupError):
    """No such upload for this user (the page answers 404)."""


# ---------------------------------------------------------------- uploads


@dataclass
class Upload:
    """An uploaded file between the steps of an import, kept on disk."""

    id: str
    owner_id: int
    filename: str
    format: str  # "csv" or "xlsx"
    size: int
    created_at: str
    headers: list[str]
    mapping: list[str]
    mapping_confirmed: bool
    estimated_rows: int
    delimiter: str = ","
    samples: list[list[str]] = field(default_factory=list)

    @property
    def directory(self) -> Path:
        return upload_root() / self.id

    @property
    def data_path(self) -> Path:
        return self.directory / f"data.{self.format}"

    @property
    def needs_mapping(self) -> bool:
        return not self.mapping_confirmed

    @property
    def is_large(self) -> bool:
        """Checked and imported by a worker rather than in the request."""
        return self.estimated_rows > settings.IMPORT_SYNC_MAX_ROWS

    def save(self) -> None:
        path = self.directory / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False))
        tmp.replace(path)

    def columns(self) -> list[tuple[int, str]]:
        """(cell index, field) of the columns the import reads."""
        return [
            (index, name)
            for index, name in enumerate(self.mapping)
            if name and mc.BY_FIELD[name].imported
        ]

    def header_of(self, name: str) -> str:
        """The file's header of a field (or the field's label)."""
        for index, mapped in enumerate(self.mapping):
            if mapped == name:
                return self.headers[index]
        return mc.column_label(name)


def upload_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def get_upload(user: Any, upload_id: Any) -> Upload:
    """The user's own upload, or ``UploadNotFound``."""
    try:
        name = str(uuid.UUID(str(upload_id)))
    except ValueError:
        raise UploadNotFound(upload_id) from None
    try:
        data = json.loads((upload_root() / name / MANIFEST).read_text())
    except (OSError, ValueError):
        raise UploadNotFound(upload_id) from None
    upload = Upload(**data)
    if user is None or upload.owner_id != user.pk:
        raise UploadNotFound(upload_id)
    return upload


def discard_upload(upload: Upload) -> None:
    shutil.rmtree(upload.directory, ignore_errors=True)


def purge_stale_uploads(*, now: datetime | None = None) -> int:
    """Delete uploads left behind for longer than IMPORT_KEEP_HOURS."""
    root = upload_root()
    if not root.is_dir():
        return 0
    limit = (now or timezone.now()).timestamp() - settings.IMPORT_KEEP_HOURS * 3600
    purged = 0
    for directory in root.iterdir():
        try:
            stale = directory.is_dir() and directory.stat().st_mtime < limit
        except OSError:
            continue
        if stale:
            shutil.rmtree(directory, ignore_errors=True)
            purged += 1
    return purged


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_MB * 1024 * 1024


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB. Split it into smaller files.") % {
        "mb": settings.IMPORT_MAX_MB
    }


def store_upload(*, acting_user: Any, uploaded_file: Any) -> Upload:
    """Keep an uploaded file for the next steps, or refuse it with a reason.

    The file is copied to disk in chunks and recognised by its first bytes
    (never read whole into memory): an .xlsx is a zip archive, a .csv must
    be UTF-8 text (with or without BOM).
    """
    if not acting_user.has_perm("committees.add_member"):
        raise PermissionDenied
    name = Path(uploaded_file.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(
            _("Choose an Excel workbook (.xlsx) or a CSV file (.csv)."),
            code="file_type",
        )
    if uploaded_file.size > max_upload_bytes():
        raise ValidationError(too_large_message(), code="too_large")
    if uploaded_file.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    purge_stale_uploads()
    upload_id = str(uuid.uuid4())
    directory = upload_root() / upload_id
    directory.mkdir(parents=True)
    try:
        head = _copy(uploaded_file, directory / "incoming")
        fmt = _recognise(head, suffix)
        (directory / "incoming").rename(directory / f"data.{fmt}")
        upload = Upload(
            id=upload_id,
            owner_id=acting_user.pk,
            filename=get_valid_filename(name) or f"members{suffix}",
            format=fmt,
            size=uploaded_file.size,
            created_at=timezone.now().isoformat(),
            headers=[],
            mapping=[],
            mapping_confirmed=False,
            estimated_rows=0,
        )
        if fmt == "csv":
            upload.delimiter = _sniff_delimiter(head)
        _read_head(upload)
        upload.save()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return upload


def _copy(uploaded_file: Any, path: Path) -> bytes:
    head = b""
    with path.open("wb") as out:
        for chunk in uploaded_file.chunks():
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            out.write(chunk)
    return head


_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"\x1f\x8b",
    b"BM",
    b"Rar!",
    b"7z\xbc\xaf",
)


def _recognise(head: bytes, suffix: str) -> str:
    not_spreadsheet = ValidationError(
        _(
            "This file is not a spreadsheet. Save it from your spreadsheet "
            "program as an Excel workbook (.xlsx) or as CSV UTF-8 (.csv)."
        ),
        code="not_spreadsheet",
    )
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(
            _(
                "This is an old Excel file (.xls). Open it in your spreadsheet "
                "program and save it as an Excel workbook (.xlsx)."
            ),
            code="xls",
        )
    if suffix == ".xlsx" or head.startswith(_BINARY_SIGNATURES) or b"\x00" in head:
        raise not_spreadsheet
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        decoder.decode(head, final=False)  # a character cut at the end is fine
    except UnicodeDecodeError:
        raise _not_utf8(1) from None
    return "csv"


def _not_utf8(row: int) -> ValidationError:
    return ValidationError(
        _(
            "The file is not UTF-8 text (first wrong character on row "
            "%(row)s). In your spreadsheet program choose “CSV UTF-8” when "
            "you save it, or save it as an Excel workbook (.xlsx)."
        )
        % {"row": row},
        code="encoding",
    )


def _sniff_delimiter(head: bytes) -> str:
    """``;`` or ``,`` (or a tab): whichever the header line holds most of."""
    text = head.decode("utf-8-sig", errors="ignore")
    line = text.splitlines()[0] if text else ""
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_head(upload: Upload) -> None:
    """Headers, a few sample rows, the estimated row count, the mapping."""
    rows = read_rows(upload, with_header=True)
    try:
        header_row = next(rows, None)
        samples = []
        for _number, cells in rows:
            samples.append([mc.cell_text(c)[:60] for c in cells])
            if len(samples) == 3:
                break
    finally:
        rows.close()
    headers = [mc.cell_text(c) for c in (header_row[1] if header_row else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ValidationError(
            _("The file is empty: its first row must hold the column headers."),
            code="empty",
        )
    if not samples:
        raise ValidationError(
            _("The file has no rows below its column headers."), code="no_rows"
        )
    upload.headers = headers
    upload.samples = [s[: len(headers)] for s in samples]
    upload.estimated_rows = max(_estimate_rows(upload), len(samples))
    if upload.estimated_rows > settings.IMPORT_MAX_ROWS:
        raise _too_many_rows()
    exact = [mc.exact_field(h) for h in headers]
    if all(exact) and len(set(exact)) == len(exact) and _has_required(exact):
        upload.mapping = [f or "" for f in exact]
        upload.mapping_confirmed = True
    else:
        upload.mapping = mc.guess_mapping(headers)
        upload.mapping_confirmed = False


def _has_required(fields: list[str | None]) -> bool:
    return set(mc.REQUIRED_FIELDS) <= set(fields)


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _("The file has more than %(max)s rows: split it into smaller files.")
        % {"max": f"{settings.IMPORT_MAX_ROWS:,}"},
        code="too_many_rows",
    )


def _estimate_rows(upload: Upload) -> int:
    """Rows below the headers, counted cheaply: lines of a CSV, <row>
    elements of the sheet's XML (streamed, never parsed)."""
    if upload.format == "csv":
        with upload.data_path.open("rb") as handle:
            count = _count_in_stream(handle, (b"\n",))
            handle.seek(-1, io.SEEK_END)
            count += handle.read(1) != b"\n"
    else:
        sheet = _first_sheet_path(upload.data_path).lstrip("/")
        with zipfile.ZipFile(upload.data_path) as archive, archive.open(sheet) as xml:
            count = _count_in_stream(xml, (b"<row ", b"<row>", b":row ", b":row>"))
    return max(0, count - 1)


def _count_in_stream(stream: Any, needles: tuple[bytes, ...]) -> int:
    count = 0
    keep = b""
    overlap = max(len(n) for n in needles) - 1
    while chunk := stream.read(1 << 20):
        block = keep + chunk
        count += sum(block.count(n) for n in needles)
        # Bytes too few to hold a whole needle: one cut by the border is
        # counted with the next chunk, none is counted twice.
        keep = block[-overlap:] if overlap else b""
    return count


def _first_sheet_path(path: Path) -> str:
    """The archive member holding the first worksheet."""
    with xlsx_rows.Workbook(path) as workbook:
        return workbook.sheet_path


# ---------------------------------------------------------------- mapping


def save_mapping(upload: Upload, mapping: list[str]) -> Upload:
    """Record which column fills which field; refuse a mapping that leaves
    a required field out or fills one field twice."""
    if len(mapping) != len(upload.headers):
        raise ValueError("one choice per header")
    known = set(mc.BY_FIELD)
    errors = []
    for name in mapping:
        if name and name not in known:
            raise ValueError(f"unknown field {name!r}")
    chosen = [m for m in mapping if m]
    twice = sorted({m for m in chosen if chosen.count(m) > 1})
    for name in twice:
        errors.append(
            _("“%(field)s” is chosen for more than one column.")
            % {"field": mc.column_label(name)}
        )
    for name in mc.REQUIRED_FIELDS:
        if name not in chosen:
            errors.append(
                _("Choose the column that holds “%(field)s”.")
                % {"field": mc.column_label(name)}
            )
    if errors:
        raise ValidationError(errors)
    upload.mapping = list(mapping)
    upload.mapping_confirmed = True
    upload.save()
    for stale in (SUMMARY, PROBLEMS):
        (upload.directory / stale).unlink(missing_ok=True)
    return upload


# ---------------------------------------------------------------- reading


def read_rows(
    upload: Upload, *, with_header: bool = False
) -> Iterator[tuple[int, tuple | list]]:
    """(row number as the spreadsheet shows it, cells) of each non-empty row.

    File-level problems (encoding, a broken archive, too many rows) raise
    ValidationError: the import stops before writing anything.
    """
    reader = _read_csv if upload.format == "csv" else _read_xlsx
    seen = 0
    header = True
    for number, cells in reader(upload):
        if header:  # the first row the file holds
            header = False
            if with_header:
                yield number, cells
            continue
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue
        seen += 1
        if seen > settings.IMPORT_MAX_ROWS:
            raise _too_many_rows()
        yield number, cells


def _read_csv(upload: Upload) -> Iterator[tuple[int, list]]:
    number = 0
    with upload.data_path.open("rb") as raw:
        reader = csv.reader(_utf8_lines(raw), delimiter=upload.delimiter)
        try:
            for number, row in enumerate(reader, start=1):  # noqa: B007
                yield number, row
        except csv.Error as error:
            raise ValidationError(
                _("The CSV file cannot be read near row %(row)s (%(error)s).")
                % {"row": number + 1, "error": error},
                code="csv",
            ) from None


def _utf8_lines(raw: Any) -> Iterator[str]:
    """Lines decoded one by one, so that a wrong byte is found on its line."""
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            raise _not_utf8(number) from None


def _read_xlsx(upload: Upload) -> Iterator[tuple[int, list]]:
    # A formula cell reads as its formula ("=…"), which the check refuses,
    # rather than as a harmless-looking cached value.
    unreadable = ValidationError(
        _(
            "This file is not a spreadsheet that can be read. Save it from "
            "your spreadsheet program as an Excel workbook (.xlsx)."
        ),
        code="not_spreadsheet",
    )
    try:
        workbook = xlsx_rows.Workbook(upload.data_path)
    except xlsx_rows.NotAWorkbook:
        raise unreadable from None
    number = 0
    try:
        for number, row in workbook.rows():  # noqa: B007
            yield number, row
    except xlsx_rows.NotAWorkbook:
        logger.info("Unreadable workbook %s near row %s", upload.id, number + 1)
        raise ValidationError(
            _("The workbook cannot be read near row %(row)s.") % {"row": number + 1},
            code="not_spreadsheet",
        ) from None
    finally:
        workbook.close()


# ---------------------------------------------------------------- checking


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    member: Member | None = None
    existing: Member | None = None
    changed: list[str] = field(default_factory=list)


@dataclass
class Checked:
    """The outcome of checking every row of a file."""

    rows: list[ParsedRow]
    total: int = 0
    new: int = 0
    existing: int = 0
    unchanged: int = 0
    bad: int = 0
    problems: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "total": self.total,
            "new": self.new,
            "existing": self.existing,
            "unchanged": self.unchanged,
            "bad": self.bad,
            "problems": self.problems,
        }


FORMULA_MESSAGE = gettext_lazy(
    "This cell starts like a spreadsheet formula (=, +, -, @); the row is "
    "refused so that no formula reaches the register."
)


class _RowParser:
    """Turns the cells of one row into member field values, or problems."""

    def __init__(self, upload: Upload, organizations: dict[str, Organization]):
        self.upload = upload
        self.columns = upload.columns()
        self.plan = [(i, name, mc.BY_FIELD[name]) for i, name in self.columns]
        self.headers = {name: upload.header_of(name) for _i, name in self.columns}
        self.organizations = organizations
        self.memo: dict[tuple[str, Any], tuple[bool, Any]] = {}
        self.messages = {
            "required": _("This cell is required."),
            "date": _("Not a date: write it as dd/mm/yyyy."),
            "gender": _("Write Nam or Nữ (or male, female)."),
            "status": _(
                "Unknown status: write Dự bị, Chính thức, Chuyển đi, Từ trần, "
                "Khai trừ or Xóa tên (or the English code)."
            ),
            "flag": _("Write Có or Không (or yes, no)."),
            "organization": _("No organization with this code in your scope."),
            "formula": str(FORMULA_MESSAGE),
            "control": _("This cell holds control characters."),
        }

    def parse(self, number: int, cells: tuple | list) -> ParsedRow:
        row = ParsedRow(number, {})
        width = len(cells)
        for index, name, column in self.plan:
            self._cell(row, name, column, cells[index] if index < width else None)
        return row

    def problem(self, row: ParsedRow, name: str, raw: Any, message: str) -> None:
        value = mc.cell_text(raw)[:80] if raw is not None else ""
        row.problems.append(Problem(row.number, self.headers[name], value, message))

    def _cell(self, row: ParsedRow, name: str, column: mc.Column, raw: Any) -> None:
        kind = column.kind
        if isinstance(raw, str):
            text = mc.restore(unicodedata.normalize("NFC", raw).strip())
            if mc.looks_like_formula(text, strict=kind != "note"):
                return self.problem(row, name, raw, self.messages["formula"])
            if (
                mc.has_control_characters(text)
                or (kind != "note" and "\n" in text)
                or (kind == "name" and _FORMAT_CHARACTERS.search(text))
            ):
                return self.problem(row, name, raw, self.messages["control"])
            raw = text
        if raw is None or raw == "":
            if column.required:
                self.problem(row, name, raw, self.messages["required"])
            else:
                row.values[name] = None
            return
        if kind in _LOOKED_UP or name == "organization_code":
            # Few distinct values (words, codes, dates): each is read once.
            key = (name, raw)
            found = self.memo.get(key)
            if found is None:
                found = self.memo[key] = self._look_up(name, kind, raw)
            ok, value = found
            if ok:
                row.values["organization" if name == "organization_code" else name] = (
                    value
                )
            else:
                self.problem(row, name, raw, self.messages[value])
        elif name == "citizen_id":
            row.values[name] = mc.cell_text(raw, digits=12)
        else:
            row.values[name] = mc.cell_text(raw)

    def _look_up(self, name: str, kind: str, raw: Any) -> tuple[bool, Any]:
        if kind == "date":
            try:
                return True, mc.parse_date(raw)
            except (ValueError, TypeError):
                return False, "date"
        if name == "organization_code":
            organization = self.organizations.get(mc.cell_text(raw).upper())
            return (True, organization) if organization else (False, "organization")
        vocabulary = {"gender": mc.GENDERS, "status": mc.STATUSES}.get(kind, mc.FLAGS)
        key = fold(mc.cell_text(raw))
        if key not in vocabulary:
            return False, kind
        value = vocabulary[key]
        return True, value if kind == "flag" else str(value)


#: Kinds of cells whose few distinct values are parsed once and remembered.
_LOOKED_UP = frozenset({"date", "gender", "status", "flag"})
#: Invisible formatting characters (bidi overrides, zero-width…): refused in
#: names, where they only ever hide what a name really says.
_FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000e0001\U000e0020-\U000e007f]"
)


def _scope_organizations(user: Any) -> dict[str, Organization]:
    """Organization codes the importer may use: those of their scope."""
    return {
        o.code: o
        for o in Organization.objects.visible_to(user).only(
            "pk", "code", "name", "kind", "status", "path", "depth"
        )
    }


def _build_member(row: ParsedRow, mapped: set[str]) -> Member:
    """A new member from the row, or the existing one with the row's values
    (a mapped column left empty empties an optional field)."""
    values = dict(row.values)
    if ("status" in mapped or row.existing is None) and not values.get("status"):
        values["status"] = (
            MemberStatus.OFFICIAL
            if values.get("official_on")
            else MemberStatus.PROBATIONARY
        )
    if "seriously_ill" in values and values["seriously_ill"] is None:
        values["seriously_ill"] = False
    if "note" in values and values["note"] is None:
        values["note"] = ""
    if row.existing is None:
        return Member(**values)
    member = Member(
        **{
            f.attname: getattr(row.existing, f.attname)
            for f in Member._meta.concrete_fields
        }
    )
    member._state.adding = False
    member._state.db = row.existing._state.db
    for name, value in values.items():
        setattr(member, name, value)
    return member


def check_upload(
    upload: Upload,
    user: Any,
    *,
    progress: Progress = _no_progress,
    keep_rows: bool = False,
) -> Checked:
    """Check every row (no writes) and keep the report beside the file."""
    checked = _check(upload, user, progress=progress)
    write_report(upload, checked)
    if not keep_rows:
        checked.rows = []
    return checked


def _check(upload: Upload, user: Any, *, progress: Progress) -> Checked:
    organizations = _scope_organizations(user)
    parser = _RowParser(upload, organizations)
    total = upload.estimated_rows
    rows: list[ParsedRow] = []
    progress(0, total, "reading")
    for number, cells in read_rows(upload):
        rows.append(parser.parse(number, cells))
        if len(rows) % 1000 == 0:
            progress(len(rows), max(total, len(rows)), "reading")
    total = len(rows)
    progress(total, total, "reading")

    _mark_duplicates_in_file(rows, parser)
    _match_database(rows, parser, user)

    mapped = {name for _i, name in upload.columns()}
    field_columns = {
        "organization": parser.headers.get("organization_code", "")
    } | parser.headers
    progress(0, total, "checking")
    for done, row in enumerate(rows, start=1):
        if not row.problems:
            _validate(row, mapped, field_columns)
        if done % 1000 == 0:
            progress(done, total, "checking")
    progress(total, total, "checking")

    checked = Checked(rows=rows, total=total)
    for row in rows:
        if row.problems:
            checked.bad += 1
            checked.problems += len(row.problems)
        elif row.existing is not None:
            checked.existing += 1
            checked.unchanged += not row.changed
        else:
            checked.new += 1
    return checked


def _validate(row: ParsedRow, mapped: set[str], columns: dict[str, str]) -> None:
    member = _build_member(row, mapped)
    try:
        # The same rules as the member form, without per-row queries.
        clean_member(member, bulk=True)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = "" if name == NON_FIELD_ERRORS else columns.get(name)
            if column is None:
                column = mc.column_label(name)
            value = row.values.get(name)
            shown = mc.format_date(value) if hasattr(value, "year") else value
            for message in messages:
                row.problems.append(
                    Problem(row.number, column, mc.cell_text(shown)[:80], message)
                )
        return
    member.search_key = fold(member.full_name)
    row.member = member
    if row.existing is not None:
        row.changed = [
            name
            for name in MEMBER_WRITE_FIELDS
            if getattr(member, name) != getattr(row.existing, name)
        ]


#: Fields an import writes (``organization`` through its code).
MEMBER_WRITE_FIELDS = (
    "full_name",
    "birth_date",
    "gender",
    "card_number",
    "citizen_id",
    "admitted_on",
    "official_on",
    "status",
    "status_changed_on",
    "organization_id",
    "seriously_ill",
    "note",
)


def _mark_duplicates_in_file(rows: list[ParsedRow], parser: _RowParser) -> None:
    for name in ("card_number", "citizen_id"):
        if name not in parser.headers:
            continue
        where: dict[str, list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            value = (row.values.get(name) or "").strip()
            if value:
                where[value].append(index)
        for value, indexes in where.items():
            if len(indexes) < 2:
                continue
            numbers = [rows[i].number for i in indexes]
            for i in indexes:
                others = [n for n in numbers if n != rows[i].number][:5]
                message = (
                    _("The same party card number is also on row(s) %(rows)s.")
                    if name == "card_number"
                    else _("The same citizen ID number is also on row(s) %(rows)s.")
                ) % {"rows": ", ".join(str(n) for n in others)}
                rows[i].problems.append(
                    Problem(rows[i].number, parser.headers[name], value, message)
                )


def _batches(values: list[str], size: int = LOOKUP_BATCH) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _match_database(rows: list[ParsedRow], parser: _RowParser, user: Any) -> None:
    """Find members already recorded: by card number (an update, when in the
    scope), and citizen IDs that belong to someone else."""
    prefix = scope_path(user) or ""
    cards = sorted({c for r in rows if (c := (r.values.get("card_number") or ""))})
    existing: dict[str, Member] = {}
    for batch in _batches(cards):
        for member in Member.objects.filter(card_number__in=batch).select_related(
            "organization"
        ):
            existing[member.card_number] = member
    ids = sorted({c for r in rows if (c := (r.values.get("citizen_id") or ""))})
    holders: dict[str, str] = {}
    for batch in _batches(ids):
        holders.update(
            Member.objects.filter(citizen_id__in=batch).values_list(
                "citizen_id", "card_number"
            )
        )
    outside = _(
        "A member with this party card number is already recorded outside your scope."
    )
    taken = _("This citizen ID number is already recorded for another member.")
    for row in rows:
        card = row.values.get("card_number") or ""
        member = existing.get(card)
        if member is not None:
            if member.organization.path.startswith(prefix):
                row.existing = member
            else:
                parser.problem(row, "card_number", card, outside)
        citizen_id = row.values.get("citizen_id") or ""
        holder = holders.get(citizen_id)
        if holder is not None and holder != card:
            parser.problem(row, "citizen_id", citizen_id, taken)


# ---------------------------------------------------------------- report


def write_report(upload: Upload, checked: Checked) -> None:
    """The summary (JSON) and every problem (CSV, also offered for
    download) beside the uploaded file."""
    problems_path = upload.directory / PROBLEMS
    with problems_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("Row"), _("Column"), _("Value"), _("Problem")])
        for row in checked.rows:
            for p in row.problems:
                writer.writerow(
                    [p.row, mc.neutralise(p.column), mc.neutralise(p.value), p.message]
                )
    summary = {
        **checked.summary(),
        "checked_at": timezone.now().isoformat(),
        "mapping": upload.mapping,
    }
    (upload.directory / SUMMARY).write_text(json.dumps(summary))


def read_summary(upload: Upload) -> dict[str, Any] | None:
    """The summary of the last check, or None when the file is unchecked
    (or its mapping changed since)."""
    try:
        summary = json.loads((upload.directory / SUMMARY).read_text())
    except (OSError, ValueError):
        return None
    if summary.get("mapping") != upload.mapping:
        return None
    return summary


class ProblemList:
    """The report's problems, read from disk a page at a time (a Paginator
    takes it like a list)."""

    def __init__(self, upload: Upload, count: int) -> None:
        self.path = upload.directory / PROBLEMS
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, item: slice) -> list[Problem]:
        if not isinstance(item, slice):
            raise TypeError("slices only")
        start, stop = item.start or 0, item.stop or self.count
        found = []
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                next(reader, None)
                for index, line in enumerate(reader):
                    if index >= stop:
                        break
                    if index >= start:
                        row, column, value, message = line
                        found.append(
                            Problem(int(row), column, mc.restore(value), message)
                        )
        except OSError:
            return []
        return found


def problems_file(upload: Upload) -> Path:
    return upload.directory / PROBLEMS


# ---------------------------------------------------------------- importing


@dataclass
class ImportResult:
    total: int
    created: int
    updated: int
    unchanged: int
    skipped_existing: int
    skipped_bad: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class RowsRefused(ValidationError):
    """Bad rows in "all or nothing" mode: nothing was written."""

    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        super().__init__(
            ngettext(
                "%(bad)s row is bad: nothing was imported.",
                "%(bad)s rows are bad: nothing was imported.",
                checked.bad,
            )
            % {"bad": f"{checked.bad:,}"},
            code="bad_rows",
        )


def import_members(
    *,
    acting_user: Any,
    upload: Upload,
    good_rows_only: bool = False,
    update_existing: bool = False,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Check the file again and write it in one transaction.

    Nothing is written when a row is bad, unless ``good_rows_only``; a
    member already recorded (same card number) is updated only with
    ``update_existing``, and only when something changed. Raises
    ``RowsRefused`` (a ValidationError) when rows are bad and not all may
    be left out; the report beside the file is refreshed either way.
    """
    if not acting_user.has_perm("committees.add_member"):
        raise PermissionDenied
    if update_existing and not acting_user.has_perm("committees.change_member"):
        raise PermissionDenied
    reason = _("import of %(file)s") % {"file": upload.filename}
    try:
        with transaction.atomic():
            checked = _check(upload, acting_user, progress=progress)
            write_report(upload, checked)
            if checked.bad and not good_rows_only:
                raise RowsRefused(checked)
            result = _write(
                checked,
                acting_user=acting_user,
                update_existing=update_existing,
                reason=reason[:100],
                progress=progress,
            )
    except IntegrityError as error:
        # A member written meanwhile by someone else (same card or citizen
        # ID): the whole import was rolled back.
        logger.info("Import %s conflicted: %s", upload.id, error)
        raise ValidationError(
            _(
                "Someone recorded some of these members while the import ran: "
                "nothing was imported. Check the file again and retry."
            ),
            code="conflict",
        ) from None
    return result


def _record_moves(updates: list[ParsedRow], *, on: date) -> None:
    """Members the file put in another organization: their placements, as a
    member edit records them (one batch per receiving organization)."""
    by_target: dict[int, list[tuple[int, int, date]]] = {}
    for row in updates:
        old, new = row.existing.organization_id, row.member.organization_id
        if old != new:
            by_target.setdefault(new, []).append(
                (row.member.pk, old, row.member.admitted_on)
            )
    for target, moves in by_target.items():
        timeline.move_members(moves, to=target, on=on)


def _write(
    checked: Checked,
    *,
    acting_user: Any,
    update_existing: bool,
    reason: str,
    progress: Progress,
) -> ImportResult:
    batch_size = settings.IMPORT_BATCH_SIZE
    now = timezone.now()
    creates = [r.member for r in checked.rows if r.member and r.existing is None]
    updates = [
        r for r in checked.rows if r.member and r.existing is not None and r.changed
    ]
    to_write = len(creates) + (len(updates) if update_existing else 0)
    done = 0
    progress(0, to_write, "writing")
    history_user = acting_user if getattr(acting_user, "pk", None) else None
    for start in range(0, len(creates), batch_size):
        batch = creates[start : start + batch_size]
        if connection.vendor == "postgresql":  # COPY: the same rows, faster
            bulk_copy.create_with_history(
                batch,
                history_user=history_user,
                change_reason=reason,
                history_date=now,
            )
        else:
            bulk_create_with_history(
                batch,
                Member,
                batch_size=batch_size,
                default_user=history_user,
                default_change_reason=reason,
                default_date=now,
            )
        timeline.place_new_members(batch)
        done += len(batch)
        progress(done, to_write, "writing")
    updated = 0
    if update_existing and updates:
        fields = sorted({name for r in updates for name in r.changed})
        fields = ["organization" if f == "organization_id" else f for f in fields] + [
            "search_key",
            "updated_at",
        ]
        members = []
        for row in updates:
            row.member.updated_at = now
            members.append(row.member)
        for start in range(0, len(members), batch_size):
            batch = members[start : start + batch_size]
            bulk_update_with_history(
                batch,
                Member,
                fields,
                batch_size=batch_size,
                default_user=history_user,
                default_change_reason=reason,
                default_date=now,
            )
            done += len(batch)
            updated += len(batch)
            progress(done, to_write, "writing")
        _record_moves(updates, on=now.date())
        # Interrupted days count from admission (members with none: no write).
        badge_clock.refresh(
            row.member.pk
            for row in updates
            if row.member.admitted_on != row.existing.admitted_on
        )
    existing_rows = checked.existing
    return ImportResult(
        total=checked.total,
        created=len(creates),
        updated=updated,
        unchanged=checked.unchanged,
        skipped_existing=0 if update_existing else existing_rows - checked.unchanged,
        skipped_bad=checked.bad,
    )


# ---------------------------------------------------------------- timing


class Stopwatch:
    """Seconds per step, for the benchmark and the logs."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.steps: dict[str, float] = {}
        self._last = self.started
        self._phase = ""

    def __call__(self, done: int, total: int, phase: str) -> None:
        if phase != self._phase:
            now = time.perf_counter()
            if self._phase:
                self.steps[self._phase] = now - self._last
            self._phase, self._last = phase, now

    def stop(self) -> float:
        now = time.perf_counter()
        if self._phase:
            self.steps[self._phase] = now - self._last
        return now - self.started


# ---------------------------------------------------------------- template


def template_workbook(user: Any) -> bytes:
    """The .xlsx to fill in: the headers, lists of the allowed words, the
    organization codes of the user's scope, and short instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from .models import MEMBER_HOLDING_KINDS

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Đảng viên"
    sheet.append(list(mc.TEMPLATE_HEADERS))
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    lists = {
        "gender": list(mc.GENDER_WORDS.values()),
        "status": list(mc.STATUS_WORDS.values()),
        "flag": [mc.YES, mc.NO],
    }
    codes = list(
        Organization.objects.visible_to(user)
        .active()
        .filter(kind__in=MEMBER_HOLDING_KINDS)
        .order_by("path")
        .values_list("code", "name")
    )
    for index, column in enumerate(mc.COLUMNS, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = {"name": 28, "note": 30, "date": 14}.get(column.kind, 18)
        if column.kind in ("code", "date"):
            # Typed as text: card and ID numbers keep their leading zeros,
            # dates stay dd/mm/yyyy whatever the computer's settings.
            dimension.number_format = "@"
        words = lists.get(column.kind)
        if words:
            validation = DataValidation(
                type="list", formula1=f'"{",".join(words)}"', allow_blank=True
            )
            validation.add(f"{letter}2:{letter}{settings.IMPORT_MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    code_sheet = workbook.create_sheet("Mã tổ chức")
    code_sheet.append(["Mã tổ chức", "Tên tổ chức"])
    for cell in code_sheet[1]:
        cell.font = Font(bold=True)
    for code, name in codes:
        code_sheet.append([code, mc.neutralise(name)])
    code_sheet.column_dimensions["A"].width = 18
    code_sheet.column_dimensions["B"].width = 50
    help_sheet = workbook.create_sheet(_("Instructions")[:31])
    help_sheet.column_dimensions["A"].width = 110
    for line in _instructions():
        help_sheet.append([line])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _instructions() -> list[str]:
    required = ", ".join(mc.BY_FIELD[f].header for f in mc.REQUIRED_FIELDS)
    return [
        _("One party member per row of the first sheet; keep its headers."),
        _("Required columns: %(columns)s.") % {"columns": required},
        _("Dates are written dd/mm/yyyy, e.g. 02/09/1985."),
        _(
            "Giới tính: Nam or Nữ. Trạng thái: %(words)s (empty: Dự bị, or Chính "
            "thức when an official date is given)."
        )
        % {"words": ", ".join(mc.STATUS_WORDS.values())},
        _(
            "Mã tổ chức: the code of the party cell, listed on the sheet “Mã tổ "
            "chức” (only those of your scope)."
        ),
        _(
            "A member whose party card number is already recorded is updated "
            "only if you choose so after the check; a cell must not start with "
            "=, +, - or @."
        ),
        _(
            "Save as .xlsx, or as CSV UTF-8; at most %(rows)s rows and %(mb)s MB "
            "per file."
        )
        % {"rows": f"{settings.IMPORT_MAX_ROWS:,}", "mb": settings.IMPORT_MAX_MB},
    ]
