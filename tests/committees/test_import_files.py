"""Bad files get a clear message and change nothing; good files of every
shape (xlsx, CSV with or without BOM, ``;`` or ``,``) are read."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from committees import imports
from committees.models import Member
from tests.committees.imports_support import (
    HEADERS,
    csv_bytes,
    english,
    good_row,
    media,
    store,
    to_cp1258,
    xlsx_bytes,
)

__all__ = ["english", "media"]

pytestmark = pytest.mark.usefixtures("media", "english")

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00"
    b"\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82"
)


def refused(user, name, content) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        store(user, name, content)
    return error.value


def nothing_left(media) -> bool:
    root = media / "imports"
    return not root.exists() or not any(root.iterdir())


@pytest.mark.parametrize("name", ["photo.xlsx", "photo.csv"])
def test_a_picture_renamed_as_a_spreadsheet_is_refused(city_staff, media, name):
    error = refused(city_staff, name, PNG)
    assert "not a spreadsheet" in error.messages[0]
    assert nothing_left(media)


def test_another_kind_of_file_is_refused(city_staff, media):
    error = refused(city_staff, "list.pdf", b"%PDF-1.4 ...")
    assert ".xlsx" in error.messages[0]


def test_an_old_excel_file_is_explained(city_staff, media):
    error = refused(
        city_staff, "old.xls.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    )
    assert "old Excel file" in error.messages[0]


def test_a_zip_that_is_not_a_workbook_is_refused(city_staff, media, tree):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    error = refused(city_staff, "fake.xlsx", out.getvalue())
    assert "not a spreadsheet" in error.messages[0]
    assert nothing_left(media)


def test_a_csv_in_windows_1258_is_refused(city_staff, media, tree):
    rows = [good_row(tree.city_cell, full_name="Nguyễn Văn Gấu")]
    content = csv_bytes(rows, encoding="cp1258")
    assert content.decode("cp1258") != content.decode("utf-8", errors="replace")
    error = refused(city_staff, "members.csv", content)
    assert "not UTF-8" in error.messages[0]
    assert "row 1" in error.messages[0]
    assert nothing_left(media)


def test_a_csv_in_latin_1_is_refused(city_staff, media):
    headers = ["Full name", "Date of birth", "Gender", "Card number"]
    content = csv_bytes([{"Full name": "Renée Müller"}], headers, encoding="latin-1")
    error = refused(city_staff, "members.csv", content)
    assert "not UTF-8" in error.messages[0]
    assert nothing_left(media)


def test_bad_encoding_far_down_the_file_stops_the_check(city_staff, media, tree):
    rows = [good_row(tree.city_cell) for _ in range(800)]
    content = csv_bytes(rows) + to_cp1258("Trần Văn B,01/01/1980\n")
    upload = store(city_staff, "members.csv", content)  # the head is fine
    with pytest.raises(ValidationError) as error:
        imports.check_upload(upload, city_staff)
    assert "not UTF-8" in error.value.messages[0]
    assert "row 802" in error.value.messages[0]
    with pytest.raises(ValidationError):
        imports.import_members(acting_user=city_staff, upload=upload)
    assert Member.objects.count() == 0


def test_an_empty_file_is_refused(city_staff, media):
    assert "empty" in refused(city_staff, "m.csv", b"").messages[0]
    assert "empty" in refused(city_staff, "m.csv", b"\xef\xbb\xbf\n\n").messages[0]


@pytest.mark.parametrize("name", ["m.csv", "m.xlsx"])
def test_a_file_with_headers_and_no_rows_is_refused(city_staff, media, name):
    content = csv_bytes([]) if name.endswith("csv") else xlsx_bytes([])
    error = refused(city_staff, name, content)
    assert "no rows" in error.messages[0]
    assert nothing_left(media)


def test_a_file_over_the_size_limit_is_refused(city_staff, media, settings):
    settings.IMPORT_MAX_MB = 1
    garbage = b"x," * (600 * 1024)  # 1.2 MB
    error = refused(city_staff, "big.csv", garbage)
    assert "larger than 1 MB" in error.messages[0]
    assert nothing_left(media)


def test_a_file_with_too_many_rows_is_refused(city_staff, media, settings, tree):
    settings.IMPORT_MAX_ROWS = 5
    content = csv_bytes([good_row(tree.city_cell) for _ in range(6)])
    assert "more than 5 rows" in refused(city_staff, "m.csv", content).messages[0]


def test_garbage_text_asks_for_the_columns_and_then_fails_every_row(city_staff, media):
    content = b"qwe;rty\nasd;fgh\nzxc;vbn\n"
    upload = store(city_staff, "noise.csv", content)
    assert upload.needs_mapping
    with pytest.raises(ValidationError):
        imports.save_mapping(upload, ["", ""])  # required fields unmapped


def test_a_csv_field_larger_than_the_reader_allows_is_a_clear_error(
    city_staff, media, tree
):
    content = csv_bytes([good_row(tree.city_cell)]) + b'"' + b"a" * 200_000 + b'"\n'
    error = refused(city_staff, "m.csv", content)
    assert "cannot be read near row 3" in error.messages[0]
    assert nothing_left(media)


@pytest.mark.parametrize(
    ("delimiter", "bom"), [(",", False), (";", False), (",", True), (";", True)]
)
def test_csv_with_either_delimiter_and_with_or_without_bom_is_read(
    city_staff, media, tree, delimiter, bom
):
    rows = [good_row(tree.city_cell, full_name="Đỗ Thị Hằng, con")]
    upload = store(city_staff, "m.csv", csv_bytes(rows, delimiter=delimiter, bom=bom))
    assert upload.delimiter == delimiter
    assert upload.headers == HEADERS
    assert not upload.needs_mapping
    result = imports.import_members(acting_user=city_staff, upload=upload)
    assert result.created == 1
    assert Member.objects.get().full_name == "Đỗ Thị Hằng, con"


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(
    city_staff, media, tree
):
    content = csv_bytes(
        [good_row(tree.city_cell), {}, good_row(tree.city_cell, gender="?")]
    )
    upload = store(city_staff, "m.csv", content)
    checked = imports.check_upload(upload, city_staff)
    assert checked.total == 2
    problem = imports.ProblemList(upload, 1)[0:1][0]
    assert problem.row == 4


def test_the_row_count_is_estimated_without_parsing(city_staff, media, tree):
    rows = [good_row(tree.city_cell) for _ in range(40)]
    assert store(city_staff, "m.csv", csv_bytes(rows)).estimated_rows == 40
    assert store(city_staff, "m.xlsx", xlsx_bytes(rows)).estimated_rows == 40


def test_an_upload_belongs_to_its_owner(city_staff, outsider, media, tree):
    upload = store(city_staff, "m.csv", csv_bytes([good_row(tree.city_cell)]))
    assert imports.get_upload(city_staff, upload.id).id == upload.id
    with pytest.raises(imports.UploadNotFound):
        imports.get_upload(outsider, upload.id)
    with pytest.raises(imports.UploadNotFound):
        imports.get_upload(city_staff, "../../etc")


def test_stale_uploads_are_purged(city_staff, media, tree, settings):
    import os
    import time

    upload = store(city_staff, "m.csv", csv_bytes([good_row(tree.city_cell)]))
    old = time.time() - (settings.IMPORT_KEEP_HOURS + 1) * 3600
    os.utime(upload.directory, (old, old))
    fresh = store(city_staff, "n.csv", csv_bytes([good_row(tree.city_cell)]))
    assert not upload.directory.exists()  # purged by the next upload
    assert fresh.directory.exists()


# ---------------------------------------------------------------- mapping


def test_other_headers_are_matched_by_folded_text(city_staff, media, tree):
    headers = [
        "HỌ TÊN",
        "ngay sinh",
        "Giới tính",
        "Số thẻ Đảng",
        "Ngày kết nạp",
        "Mã chi bộ",
        "Quê quán",
    ]
    rows = [
        {
            "HỌ TÊN": "Phạm Văn Đồng",
            "ngay sinh": "01/03/1960",
            "Giới tính": "Nam",
            "Số thẻ Đảng": "71000001",
            "Ngày kết nạp": "01/01/1990",
            "Mã chi bộ": tree.city_cell.code,
            "Quê quán": "Bắc Giang",
        }
    ]
    upload = store(city_staff, "m.csv", csv_bytes(rows, headers))
    assert upload.needs_mapping
    assert upload.mapping == [
        "full_name",
        "birth_date",
        "gender",
        "card_number",
        "admitted_on",
        "organization_code",
        "",
    ]
    imports.save_mapping(upload, upload.mapping)
    again = imports.get_upload(city_staff, upload.id)
    assert not again.needs_mapping
    result = imports.import_members(acting_user=city_staff, upload=again)
    assert result.created == 1
    assert Member.objects.get().full_name == "Phạm Văn Đồng"


def test_a_mapping_must_name_each_required_field_once(city_staff, media, tree):
    upload = store(city_staff, "m.csv", csv_bytes([good_row(tree.city_cell)]))
    mapping = list(upload.mapping)
    mapping[1] = "full_name"  # twice
    with pytest.raises(ValidationError) as error:
        imports.save_mapping(upload, mapping)
    text = " ".join(error.value.messages)
    assert "more than one column" in text
    assert "Date of birth" in text


def test_headers_in_another_word_order_or_wording_are_guessed():
    from committees.member_columns import guess_mapping

    headers = ["Tên", "Sinh ngày", "Phái", "Thẻ đảng", "Kết nạp", "Chi bộ (mã)", "Quê"]
    assert guess_mapping(headers) == [
        "full_name",
        "birth_date",
        "gender",
        "card_number",
        "admitted_on",
        "organization_code",
        "",
    ]
    assert guess_mapping(["qwe", "rty"]) == ["", ""]
