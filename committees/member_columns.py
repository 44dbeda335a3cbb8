"""The columns of member spreadsheets: one mapping for the import template,
the import's column matching and the export.

The headers are Vietnamese by design: they are data that offices exchange
with the national party-member database, not text of the interface (the
``label`` of each column is, and is translated). The words of the gender
and status columns are data too: exports write the Vietnamese word, imports
accept it, its form without diacritics, and the English code or label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Gender, MemberStatus
from .text import fold


@dataclass(frozen=True)
class Column:
    #: a Member field, or ``organization_code`` / ``organization_name``
    field: str
    #: the header of the template and of exports
    header: str
    #: other headers that mean the same (folded before comparing)
    aliases: tuple[str, ...]
    label: Any
    required: bool = False
    #: read by the import (the organization's name is only for people)
    imported: bool = True
    kind: str = "text"  # text, date, gender, status, flag, code, name, note


COLUMNS: tuple[Column, ...] = (
    Column(
        "full_name",
        "Họ và tên",
        (
            "Họ tên",
            "Tên",
            "Họ và tên khai sinh",
            "Họ và tên đảng viên",
            "Tên đảng viên",
            "full name",
            "name",
        ),
        _("full name"),
        required=True,
        kind="name",
    ),
    Column(
        "birth_date",
        "Ngày sinh",
        (
            "Ngày tháng năm sinh",
            "Ngày, tháng, năm sinh",
            "Sinh ngày",
            "date of birth",
            "born",
        ),
        _("date of birth"),
        required=True,
        kind="date",
    ),
    Column(
        "gender",
        "Giới tính",
        ("Nam/Nữ", "Nam, nữ", "Phái", "gender", "sex"),
        _("gender"),
        required=True,
        kind="gender",
    ),
    Column(
        "card_number",
        "Số thẻ đảng viên",
        ("Số thẻ Đảng", "Số thẻ", "Số thẻ ĐV", "party card number", "card number"),
        _("party card number"),
        required=True,
        kind="code",
    ),
    Column(
        "citizen_id",
        "Số CCCD",
        (
            "CCCD",
            "Số căn cước công dân",
            "Số căn cước",
            "Số định danh cá nhân",
            "citizen ID number",
            "citizen ID",
        ),
        _("citizen ID number"),
        kind="code",
    ),
    Column(
        "admitted_on",
        "Ngày vào Đảng",
        ("Ngày kết nạp", "Ngày kết nạp Đảng", "admission date", "admitted on"),
        _("admission date"),
        required=True,
        kind="date",
    ),
    Column(
        "official_on",
        "Ngày chính thức",
        (
            "Ngày công nhận chính thức",
            "Ngày được công nhận chính thức",
            "official date",
            "official on",
        ),
        _("official date"),
        kind="date",
    ),
    Column(
        "status",
        "Trạng thái",
        ("Tình trạng", "Trạng thái đảng viên", "status"),
        _("status"),
        kind="status",
    ),
    Column(
        "status_changed_on",
        "Ngày thay đổi trạng thái",
        ("Ngày chuyển trạng thái", "status since", "status changed on"),
        _("status since"),
        kind="date",
    ),
    Column(
        "organization_code",
        "Mã tổ chức",
        (
            "Mã chi bộ",
            "Mã tổ chức đảng",
            "Mã đơn vị",
            "organization code",
            "org code",
        ),
        _("organization code"),
        required=True,
        kind="code",
    ),
    Column(
        "organization_name",
        "Tên tổ chức",
        ("Chi bộ", "Tổ chức đảng", "Tên chi bộ", "organization"),
        _("organization name (not imported)"),
        imported=False,
    ),
    Column(
        "seriously_ill",
        "Ốm đau nặng",
        ("Bệnh nặng", "Ốm nặng", "seriously ill"),
        _("seriously ill"),
        kind="flag",
    ),
    Column("note", "Ghi chú", ("note", "notes"), _("note"), kind="note"),
)

BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}
IMPORTED_FIELDS = tuple(c.field for c in COLUMNS if c.imported)
REQUIRED_FIELDS = tuple(c.field for c in COLUMNS if c.required)
TEMPLATE_HEADERS = tuple(c.header for c in COLUMNS)


def column_label(field: str) -> str:
    column = BY_FIELD.get(field)
    return capfirst(str(column.label)) if column else field


# ---------------------------------------------------------------- words

GENDER_WORDS: dict[str, str] = {Gender.MALE: "Nam", Gender.FEMALE: "Nữ"}
STATUS_WORDS: dict[str, str] = {
    MemberStatus.PROBATIONARY: "Dự bị",
    MemberStatus.OFFICIAL: "Chính thức",
    MemberStatus.TRANSFERRED_OUT: "Chuyển đi",
    MemberStatus.DECEASED: "Từ trần",
    MemberStatus.EXPELLED: "Khai trừ",
    MemberStatus.REMOVED: "Xóa tên",
}
YES, NO = "Có", "Không"


def _vocabulary(words: dict[str, str], codes: list[str], extra: dict[str, str]) -> dict:
    """Folded word -> code: the Vietnamese word, the English code (with
    spaces or underscores) and a few other ways offices write it."""
    vocabulary = {fold(word): code for code, word in words.items()}
    for code in codes:
        vocabulary[fold(code)] = code
        vocabulary[fold(code.replace("_", " "))] = code
    vocabulary.update({fold(k): v for k, v in extra.items()})
    return vocabulary


def _gender_vocabulary() -> dict[str, str]:
    return _vocabulary(
        GENDER_WORDS,
        Gender.values,
        {"m": Gender.MALE, "f": Gender.FEMALE, "nu gioi": Gender.FEMALE},
    )


def _status_vocabulary() -> dict[str, str]:
    return _vocabulary(
        STATUS_WORDS,
        MemberStatus.values,
        {
            "dang vien du bi": MemberStatus.PROBATIONARY,
            "dang vien chinh thuc": MemberStatus.OFFICIAL,
            "chuyen sinh hoat di": MemberStatus.TRANSFERRED_OUT,
            "da chuyen di": MemberStatus.TRANSFERRED_OUT,
            "transferred out": MemberStatus.TRANSFERRED_OUT,
            "da tu tran": MemberStatus.DECEASED,
            "da mat": MemberStatus.DECEASED,
            "deceased": MemberStatus.DECEASED,
            "bi khai tru": MemberStatus.EXPELLED,
            "expelled": MemberStatus.EXPELLED,
            "bi xoa ten": MemberStatus.REMOVED,
            "xoa ten khoi danh sach": MemberStatus.REMOVED,
            "removed from the rolls": MemberStatus.REMOVED,
        },
    )


GENDERS = _gender_vocabulary()
STATUSES = _status_vocabulary()
FLAGS: dict[str, bool] = {
    **{fold(w): True for w in (YES, "x", "1", "yes", "true", "đúng")},
    **{fold(w): False for w in (NO, "0", "no", "false", "sai")},
}


# ---------------------------------------------------------------- cells

#: Cells that a spreadsheet program would run as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def neutralise(value: str) -> str:
    """Exported text that a spreadsheet would run as a formula gets a quote."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """Undo ``neutralise`` on import (the quote is ours, not the member's)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def looks_like_formula(value: str, *, strict: bool) -> bool:
    """True for text a spreadsheet would evaluate. ``strict`` (names, codes)
    also refuses a leading minus, which a note may start with."""
    starts = ("=", "+", "@", "-") if strict else ("=", "+", "@")
    return value.startswith(starts)


def has_control_characters(value: str) -> bool:
    return bool(_CONTROL.search(value))


def cell_text(value: Any, *, digits: int = 0) -> str:
    """A cell as text: numbers without a trailing ``.0``; NFC Unicode.

    ``digits`` restores leading zeros a spreadsheet dropped from a number
    typed in a numeric cell (a 12-digit citizen ID starting with 0).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(digits) if digits else text
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_date(value: Any) -> date | None:
    """A cell as a date: a date cell, dd/mm/yyyy (also - or .) or ISO.

    Returns None for an empty cell; raises ValueError otherwise.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if match := _DATE_DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DATE_ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    if year < 1900:
        raise ValueError(text)
    return date(year, month, day)


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


# ---------------------------------------------------------------- headers


def header_key(header: Any) -> str:
    """A header folded for comparison: no diacritics, case, punctuation."""
    text = fold(cell_text(header))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_KNOWN: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.field.replace("_", " "), *_column.aliases):
        _KNOWN.setdefault(header_key(_name), _column.field)


def exact_field(header: Any) -> str | None:
    """The column a header names exactly (after folding), or None."""
    return _KNOWN.get(header_key(header))


def _likeness(key: str, known: str) -> float:
    """How alike two folded headers are: as strings, or as sets of words
    (so that "sinh ngay" matches "ngay sinh")."""
    words, known_words = set(key.split()), set(known.split())
    overlap = len(words & known_words) / len(words | known_words)
    return max(SequenceMatcher(None, key, known).ratio(), overlap)


def guess_field(header: Any, *, cutoff: float = 0.72) -> str | None:
    """The column a header most likely means (fuzzy, on folded text)."""
    key = header_key(header)
    if not key:
        return None
    if key in _KNOWN:
        return _KNOWN[key]
    best, best_ratio = None, cutoff
    for known, field in _KNOWN.items():
        ratio = _likeness(key, known)
        if ratio > best_ratio:
            best, best_ratio = field, ratio
    return best


def guess_mapping(headers: list[Any]) -> list[str]:
    """For each header, the field it fills ("" for none); each field once,
    to the header that matches it best."""
    scored: list[tuple[float, int, str]] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        field = guess_field(header)
        if field is None:
            continue
        exact = 1.0 if key in _KNOWN else 0.0
        ratio = max(_likeness(key, known) for known, f in _KNOWN.items() if f == field)
        scored.append((exact + ratio, index, field))
    mapping = [""] * len(headers)
    taken: set[str] = set()
    for _score, index, field in sorted(scored, key=lambda s: (-s[0], s[1])):
        if field not in taken:
            mapping[index] = field
            taken.add(field)
    return mapping
