"""Reading the rows of an ``.xlsx`` fast, as a stream.

openpyxl's read-only mode reads a 200,000-row sheet in about a minute on
this machine (and first scans the whole sheet when the file carries no
size, as files written by openpyxl's own write-only mode do). Imports need
the cell values only, so this reader walks the sheet's XML with lxml's
``iterparse`` (C speed, constant memory: each row is cleared once read):
about 8 seconds for the same sheet.

It reads the first worksheet and gives, for each row, its number as the
spreadsheet shows it and its cells' values: text (shared or inline
strings), numbers (int when whole), booleans, dates (numbers in a date
format, as ``datetime``), error codes as their text, and a formula as its
text starting with ``=`` (never its cached result), so that a caller can
refuse formulas. XML entities are not resolved and nothing is fetched from
the network.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class NotAWorkbook(Exception):
    """The file is not an .xlsx workbook that can be read."""


def _parse(source: IO[bytes]) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )
    return etree.parse(source, parser).getroot()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Any, name: str) -> Iterator[Any]:
    return (child for child in element if _local(child.tag) == name)


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, absolute path inside the archive) of a part's rels."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
    try:
        root = _parse(archive.open(rels_path))
    except KeyError:
        return {}
    found = {}
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id")] = (rel.get("Type", ""), path)
    return found


class Workbook:
    """The parts of a workbook the rows need: the first sheet, the shared
    strings, which styles are dates, and the date system."""

    def __init__(self, path: str | Path) -> None:
        try:
            self.archive = zipfile.ZipFile(path)
            package = _relationships(self.archive, "")
            book = next(p for t, p in package.values() if t.endswith("/officeDocument"))
            root = _parse(self.archive.open(book))
        except (zipfile.BadZipFile, KeyError, StopIteration, etree.XMLSyntaxError):
            raise NotAWorkbook from None
        rels = _relationships(self.archive, book)
        sheets = [
            s
            for container in _children(root, "sheets")
            for s in _children(container, "sheet")
        ]
        if not sheets:
            raise NotAWorkbook
        first = sheets[0].get(f"{{{REL_NS}}}id")
        if first not in rels:
            raise NotAWorkbook
        self.sheet_path = rels[first][1]
        pr = next(_children(root, "workbookPr"), None)
        date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        by_type = {t.rsplit("/", 1)[-1]: p for t, p in rels.values()}
        self._shared_path = by_type.get("sharedStrings")
        self.shared: list[str] = []
        self.date_styles = self._date_styles(by_type.get("styles"))

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _shared_strings(self, path: str | None) -> list[str]:
        if not path or path not in self.archive.namelist():
            return []
        strings = []
        for _event, item in etree.iterparse(
            self.archive.open(path),
            tag="{*}si",
            resolve_entities=False,
            no_network=True,
        ):
            # Text runs, leaving out phonetic guides (<rPh>).
            strings.append(
                "".join(
                    t.text or ""
                    for t in item.iter("{*}t")
                    if _local(t.getparent().tag) != "rPh"
                )
            )
            item.clear()
        return strings

    def _date_styles(self, path: str | None) -> frozenset[int]:
        if not path or path not in self.archive.namelist():
            return frozenset()
        root = _parse(self.archive.open(path))
        custom = {
            int(f.get("numFmtId", -1)): f.get("formatCode", "")
            for container in _children(root, "numFmts")
            for f in _children(container, "numFmt")
        }
        dates = set()
        for container in _children(root, "cellXfs"):
            for index, xf in enumerate(_children(container, "xf")):
                number_format = int(xf.get("numFmtId", 0))
                code = custom.get(number_format) or BUILTIN_FORMATS.get(number_format)
                if code and is_date_format(code):
                    dates.add(index)
        return frozenset(dates)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cell values) of the first sheet, in order; rows the
        file leaves out are left out here too (the numbers show the gap)."""
        # Read only now: opening a workbook for its sheet's name stays cheap.
        self.shared = self._shared_strings(self._shared_path)
        columns: dict[str, int] = {}
        number = 0
        tags: tuple[str, ...] = ()
        try:
            source = self.archive.open(self.sheet_path)
        except KeyError:
            raise NotAWorkbook from None
        with source:
            events = etree.iterparse(
                source,
                tag="{*}row",
                resolve_entities=False,
                no_network=True,
                huge_tree=False,
            )
            try:
                for _event, row in events:
                    if not tags:  # the sheet's namespace, once
                        ns = row.tag[: -len("row")]
                        tags = (ns + "c", ns + "v", ns + "f", ns + "is", ns + "t")
                    number = int(row.get("r") or number + 1)
                    yield number, self._cells(row, columns, tags)
                    row.clear()
                    # Drop the rows read so far: memory stays flat.
                    while row.getprevious() is not None:
                        del row.getparent()[0]
            except etree.XMLSyntaxError:
                raise NotAWorkbook from None

    def _cells(
        self, row: Any, columns: dict[str, int], tags: tuple[str, ...]
    ) -> list[Any]:
        values: list[Any] = []
        c_tag = tags[0]
        for cell in row:
            if cell.tag != c_tag:
                continue
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                index = columns.get(letters)
                if index is None:
                    index = columns[letters] = column_index_from_string(letters) - 1
            else:
                index = len(values)
            if index > len(values):
                values.extend([None] * (index - len(values)))
            value = self._value(cell, tags)
            if index == len(values):
                values.append(value)
            else:
                values[index] = value
        return values

    def _value(self, cell: Any, tags: tuple[str, ...]) -> Any:
        _c, v_tag, f_tag, is_tag, t_tag = tags
        kind = cell.get("t", "n")
        text = formula = inline = None
        for child in cell:
            tag = child.tag
            if tag == v_tag:
                text = child.text
            elif tag == f_tag:
                formula = child.text or ""
            elif tag == is_tag:
                inline = child
        if formula is not None:
            return "=" + formula
        if kind == "inlineStr":
            if inline is None:
                return None
            return "".join(
                t.text or ""
                for t in inline.iter(t_tag)
                if _local(t.getparent().tag) != "rPh"
            )
        if text is None:
            return None
        if kind == "s":
            try:
                return self.shared[int(text)]
            except (ValueError, IndexError):
                raise NotAWorkbook from None
        if kind in ("str", "e", "d"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        try:
            number: Any = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            return text
        style = cell.get("s")
        if style is not None and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number
