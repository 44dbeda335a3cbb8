"""Helpers of the member import and export tests: rows, files, uploads.

Import the fixtures by name in a test module (``from … import media``) so
that pytest finds them there.
"""

from __future__ import annotations

import csv
import io
import itertools
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from committees import imports
from committees import member_columns as mc

_cards = itertools.count(70_000_001)
_ids = itertools.count(1)

HEADERS = list(mc.TEMPLATE_HEADERS)


@pytest.fixture
def media(settings, tmp_path):
    """Uploads and job files go to a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def eager_celery(settings):
    """Tasks run in the test's process (CELERY_TASK_ALWAYS_EAGER)."""
    from portal.celery import app

    # Read (and so load Celery's configuration) before changing anything.
    before = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    try:
        yield app
    finally:
        app.conf.task_always_eager = before


def good_row(organization: Any = None, **cells: Any) -> dict[str, Any]:
    """A row that imports cleanly, by template header; override by field."""
    card = str(next(_cards))
    values = {
        "full_name": "Nguyễn Thị Lan",
        "birth_date": "17/05/1980",
        "gender": "Nữ",
        "card_number": card,
        "citizen_id": f"0012{next(_ids):08d}",
        "admitted_on": "02/03/2010",
        "official_on": "02/03/2011",
        "status": "Chính thức",
        "status_changed_on": "",
        "organization_code": organization.code if organization is not None else "",
        "organization_name": organization.name if organization is not None else "",
        "seriously_ill": "Không",
        "note": "",
    }
    values.update(cells)
    return {mc.BY_FIELD[name].header: value for name, value in values.items()}


def csv_bytes(
    rows: list[dict[str, Any]],
    headers: list[str] | None = None,
    *,
    delimiter: str = ",",
    bom: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    headers = headers or HEADERS
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    text = ("\ufeff" if bom else "") + out.getvalue()
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


def to_cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: letters with a hat or horn are
    one byte, the tone marks combining bytes after them."""
    import unicodedata

    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        rest = []
        for mark in marks:
            joined = unicodedata.normalize("NFC", base + mark)
            try:
                joined.encode("cp1258")
            except UnicodeEncodeError:
                rest.append(mark)
            else:
                base = joined
        out += (base + "".join(rest)).encode("cp1258")
    return bytes(out)


def xlsx_bytes(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def uploaded(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def store(user: Any, name: str, content: bytes) -> imports.Upload:
    return imports.store_upload(acting_user=user, uploaded_file=uploaded(name, content))


def problems(upload: imports.Upload) -> list[imports.Problem]:
    summary = imports.read_summary(upload)
    return list(imports.ProblemList(upload, summary["problems"])[:])
