"""The fast .xlsx row reader gives what openpyxl would, without its cost."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook

from portal.xlsx_rows import NotAWorkbook, Workbook


def save(workbook, path):
    workbook.save(path)
    return path


def rows(path) -> list[tuple[int, list]]:
    with Workbook(path) as workbook:
        return list(workbook.rows())


def test_values_match_openpyxl_for_an_ordinary_workbook(tmp_path):
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Ngày sinh", "Số", "Có?"])
    sheet.append(["Nguyễn Văn Gấu", date(1980, 5, 17), 12345678901, True])
    sheet.append(["x & <y>", datetime(2024, 1, 2, 3, 4), 1.5, False])
    sheet["A5"] = '=HYPERLINK("http://x")'
    book.create_sheet("second")["A1"] = "not read"
    path = save(book, tmp_path / "a.xlsx")
    mine = [(n, cells + [None] * (4 - len(cells))) for n, cells in rows(path)]
    theirs = [
        list(r)
        for r in load_workbook(path, read_only=True).active.iter_rows(values_only=True)
    ]
    assert [cells for _n, cells in mine] == [r for r in theirs if any(r)]
    assert [n for n, _cells in mine] == [1, 2, 3, 5]  # the gap shows


def test_shared_strings_and_the_1904_date_system(tmp_path):
    book = OpenpyxlWorkbook()
    book.epoch = datetime(1904, 1, 1)  # a Mac workbook
    sheet = book.active
    sheet.append(["Lan", date(2000, 1, 1)])
    path = save(book, tmp_path / "mac.xlsx")
    assert rows(path) == [(1, ["Lan", datetime(2000, 1, 1)])]


def test_a_write_only_workbook_without_a_size_is_read_whole(tmp_path):
    book = OpenpyxlWorkbook(write_only=True)
    sheet = book.create_sheet()
    for i in range(1000):
        sheet.append([f"r{i}", i])
    path = save(book, tmp_path / "w.xlsx")
    found = rows(path)
    assert len(found) == 1000 and found[-1] == (1000, ["r999", 999])


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    (tmp_path / "png.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(NotAWorkbook):
        Workbook(tmp_path / "png.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    (tmp_path / "zip.xlsx").write_bytes(out.getvalue())
    with pytest.raises(NotAWorkbook):
        Workbook(tmp_path / "zip.xlsx")


def _with_sheet_xml(tmp_path, xml: bytes):
    book = OpenpyxlWorkbook()
    book.active["A1"] = "x"
    path = save(book, tmp_path / "base.xlsx")
    target = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml
            out.writestr(item, data)
    return target


def test_broken_sheet_xml_is_refused_while_reading(tmp_path):
    path = _with_sheet_xml(
        tmp_path,
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c></row>'
        b"<row r=2><c>",
    )
    with Workbook(path) as workbook, pytest.raises(NotAWorkbook):
        list(workbook.rows())


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    path = _with_sheet_xml(
        tmp_path,
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://'
        + str(secret).encode()
        + b'">]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
        b"</sheetData></worksheet>",
    )
    with Workbook(path) as workbook:
        try:
            found = list(workbook.rows())
        except NotAWorkbook:
            found = []
    assert "TOP SECRET" not in repr(found)
