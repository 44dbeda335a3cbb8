"""Checking and importing rows: every kind of bad row, all or nothing, the
good rows only, updates of members already recorded, the scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from committees import imports, tallies
from committees.models import Gender, Member, MemberPlacement, MemberStatus
from tests.committees.imports_support import (
    csv_bytes,
    english,
    good_row,
    media,
    problems,
    store,
    xlsx_bytes,
)
from tests.factories import MemberFactory

__all__ = ["english", "media"]

pytestmark = pytest.mark.usefixtures("media", "english")


def check(user, rows, name="members.csv", **kwargs):
    content = (
        xlsx_bytes(rows, **kwargs)
        if name.endswith("xlsx")
        else csv_bytes(rows, **kwargs)
    )
    upload = store(user, name, content)
    checked = imports.check_upload(upload, user)
    return upload, checked


def reasons(upload) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in problems(upload)]


# ---------------------------------------------------------------- good rows


def test_a_clean_file_imports_every_member_with_its_history(city_staff, tree):
    rows = [
        good_row(tree.city_cell, full_name="Nguyễn  Văn   Gấu", gender="Nam"),
        good_row(tree.city_cell_2, status="Dự bị", official_on=""),
    ]
    upload, checked = check(city_staff, rows)
    assert checked.summary() | {} == {
        "total": 2,
        "new": 2,
        "existing": 0,
        "unchanged": 0,
        "bad": 0,
        "problems": 0,
    }
    result = imports.import_members(acting_user=city_staff, upload=upload)
    assert result.created == 2
    gau = Member.objects.get(card_number=rows[0]["Số thẻ đảng viên"])
    assert gau.full_name == "Nguyễn Văn Gấu"
    assert gau.search_key == "nguyen van gau"
    assert gau.gender == Gender.MALE
    assert gau.birth_date == date(1980, 5, 17)
    assert gau.organization == tree.city_cell
    assert gau.status == MemberStatus.OFFICIAL
    second = Member.objects.get(card_number=rows[1]["Số thẻ đảng viên"])
    assert second.status == MemberStatus.PROBATIONARY
    assert second.official_on is None
    history = gau.history.get()
    assert history.history_type == "+"
    assert history.history_user == city_staff
    assert "members.csv" in history.history_change_reason
    assert (history.full_name, history.organization_id) == (
        "Nguyễn Văn Gấu",
        tree.city_cell.pk,
    )
    assert abs(gau.created_at - history.history_date) < timedelta(minutes=1)
    assert tallies.differences() == []  # the counts kept by triggers followed
    # Placed since admission, as a member added by the form is (dated tree).
    [placement] = gau.placements.all()
    assert (placement.organization, placement.valid_from, placement.valid_to) == (
        tree.city_cell,
        gau.admitted_on,
        None,
    )


def test_words_in_english_and_without_diacritics_are_understood(city_staff, tree):
    rows = [
        good_row(tree.city_cell, gender="female", status="official"),
        good_row(tree.city_cell, gender="nu", status="chinh thuc"),
        good_row(tree.city_cell, gender="NAM", status="Đảng viên chính thức"),
        good_row(
            tree.city_cell,
            status="Từ trần",
            status_changed_on="2024-01-05",
            seriously_ill="x",
        ),
    ]
    upload, checked = check(city_staff, rows)
    assert checked.bad == 0, reasons(upload)
    imports.import_members(acting_user=city_staff, upload=upload)
    members = {m.card_number: m for m in Member.objects.all()}
    cards = [r["Số thẻ đảng viên"] for r in rows]
    assert members[cards[0]].gender == Gender.FEMALE
    assert members[cards[1]].gender == Gender.FEMALE
    assert members[cards[2]].gender == Gender.MALE
    assert members[cards[3]].status == MemberStatus.DECEASED
    assert members[cards[3]].status_changed_on == date(2024, 1, 5)
    assert members[cards[3]].seriously_ill is True


def test_an_xlsx_with_date_and_number_cells_imports(city_staff, tree):
    row = good_row(tree.city_cell)
    row["Ngày sinh"] = date(1979, 12, 31)
    row["Số thẻ đảng viên"] = 70123456
    row["Số CCCD"] = 12345678901  # a numeric cell lost the leading zero
    upload, checked = check(city_staff, [row], name="m.xlsx")
    assert checked.bad == 0, reasons(upload)
    imports.import_members(acting_user=city_staff, upload=upload)
    member = Member.objects.get(card_number="70123456")
    assert member.birth_date == date(1979, 12, 31)
    assert member.citizen_id == "012345678901"


# ---------------------------------------------------------------- bad rows


@pytest.mark.parametrize(
    ("field", "value", "column", "reason"),
    [
        ("full_name", "", "Họ và tên", "This cell is required."),
        (
            "birth_date",
            "1980-13-45",
            "Ngày sinh",
            "Not a date: write it as dd/mm/yyyy.",
        ),
        (
            "birth_date",
            "31/02/1980",
            "Ngày sinh",
            "Not a date: write it as dd/mm/yyyy.",
        ),
        ("admitted_on", "2010", "Ngày vào Đảng", "Not a date: write it as dd/mm/yyyy."),
        ("gender", "X", "Giới tính", "Write Nam or Nữ (or male, female)."),
        ("status", "active", "Trạng thái", "Unknown status"),
        (
            "card_number",
            "12-AB",
            "Số thẻ đảng viên",
            "A party card number has 6 to 16 digits (dots allowed).",
        ),
        (
            "citizen_id",
            "12345",
            "Số CCCD",
            "A citizen ID number has exactly 12 digits.",
        ),
        (
            "organization_code",
            "NO-SUCH",
            "Mã tổ chức",
            "No organization with this code",
        ),
        (
            "full_name",
            '=HYPERLINK("http://evil.example/","Bấm vào đây")',
            "Họ và tên",
            "spreadsheet formula",
        ),
        ("full_name", "@SUM(A1:A9)", "Họ và tên", "spreadsheet formula"),
        ("full_name", "-2+3", "Họ và tên", "spreadsheet formula"),
        ("note", "+cmd|' /C calc'!A0", "Ghi chú", "spreadsheet formula"),
        ("full_name", "Nguyễn\x07Văn", "Họ và tên", "control characters"),
        ("full_name", "Nguyễn\u202eVăn", "Họ và tên", "control characters"),
        ("full_name", "A" * 151, "Họ và tên", "at most 150 characters"),
        ("seriously_ill", "maybe", "Ốm đau nặng", "Write Có or Không"),
    ],
)
def test_each_bad_cell_is_reported_with_its_column_and_reason(
    city_staff, tree, field, value, column, reason
):
    rows = [good_row(tree.city_cell), good_row(tree.city_cell, **{field: value})]
    upload, checked = check(city_staff, rows)
    assert (checked.bad, checked.new) == (1, 1)
    found = reasons(upload)
    assert any(
        row == 3 and col == column and reason in message for row, col, message in found
    ), found


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (
            {"birth_date": "01/01/2000", "admitted_on": "01/01/2010"},
            "Ngày vào Đảng",
            "admitted at 18 or older",
        ),
        ({"admitted_on": "01/01/2099"}, "Ngày vào Đảng", "cannot be in the future"),
        (
            {"official_on": "01/06/2010"},
            "Ngày chính thức",
            "at least 12 months after admission",
        ),
        (
            {"status": "Chính thức", "official_on": ""},
            "Ngày chính thức",
            "needs an official date",
        ),
        (
            {"status": "Khai trừ", "status_changed_on": ""},
            "Ngày thay đổi trạng thái",
            "Give the date of this status.",
        ),
    ],
)
def test_the_membership_rules_of_the_form_apply_to_each_row(
    city_staff, tree, cells, column, reason
):
    upload, checked = check(city_staff, [good_row(tree.city_cell, **cells)])
    assert checked.bad == 1
    assert any(col == column and reason in msg for _r, col, msg in reasons(upload)), (
        reasons(upload)
    )


def test_an_organization_that_holds_no_members_is_refused(city_staff, tree):
    rows = [good_row(tree.city_grassroots)]  # a grassroots committee, not a cell
    upload, checked = check(city_staff, rows)
    assert checked.bad == 1
    assert "party cell" in reasons(upload)[0][2]


def test_an_organization_code_outside_the_scope_is_a_bad_row(city_staff, tree):
    rows = [good_row(tree.city_cell), good_row(tree.district_cell)]
    upload, checked = check(city_staff, rows)
    assert checked.bad == 1
    assert reasons(upload) == [
        (3, "Mã tổ chức", "No organization with this code in your scope.")
    ]


def test_duplicates_inside_the_file_are_bad_on_every_row(city_staff, tree):
    first = good_row(tree.city_cell)
    twin = good_row(tree.city_cell, card_number=first["Số thẻ đảng viên"])
    same_id = good_row(tree.city_cell, citizen_id=first["Số CCCD"])
    upload, checked = check(city_staff, [first, twin, same_id])
    assert checked.bad == 3
    messages = reasons(upload)
    assert (
        2,
        "Số thẻ đảng viên",
        "The same party card number is also on row(s) 3.",
    ) in messages
    assert (4, "Số CCCD", "The same citizen ID number is also on row(s) 2.") in messages


def test_a_citizen_id_of_another_member_in_the_database_is_a_bad_row(city_staff, tree):
    MemberFactory(organization=tree.city_cell, citizen_id="001200000999")
    upload, checked = check(
        city_staff, [good_row(tree.city_cell, citizen_id="001200000999")]
    )
    assert checked.bad == 1
    assert "already recorded for another member" in reasons(upload)[0][2]


def test_a_card_number_recorded_outside_the_scope_is_a_bad_row(city_staff, tree):
    MemberFactory(organization=tree.district_cell, card_number="88888888")
    upload, checked = check(
        city_staff, [good_row(tree.city_cell, card_number="88888888")]
    )
    assert checked.bad == 1
    assert "outside your scope" in reasons(upload)[0][2]


# ---------------------------------------------------------------- all or nothing


def test_one_bad_row_means_nothing_is_written(city_staff, tree):
    rows = [good_row(tree.city_cell) for _ in range(5)] + [
        good_row(tree.city_cell, birth_date="not a date")
    ]
    upload = store(city_staff, "m.csv", csv_bytes(rows))
    with pytest.raises(imports.RowsRefused) as refused:
        imports.import_members(acting_user=city_staff, upload=upload)
    assert refused.value.checked.bad == 1
    assert Member.objects.count() == 0
    assert imports.read_summary(upload)["bad"] == 1  # the report is fresh


def test_the_good_rows_only_when_the_user_chose_so(city_staff, tree):
    rows = [good_row(tree.city_cell) for _ in range(3)] + [
        good_row(tree.city_cell, gender="?")
    ]
    upload = store(city_staff, "m.csv", csv_bytes(rows))
    result = imports.import_members(
        acting_user=city_staff, upload=upload, good_rows_only=True
    )
    assert (result.created, result.skipped_bad) == (3, 1)
    assert Member.objects.count() == 3


def test_a_failure_while_writing_leaves_nothing_written(city_staff, tree, monkeypatch):
    rows = [good_row(tree.city_cell) for _ in range(5)]
    upload = store(city_staff, "m.csv", csv_bytes(rows))
    calls = []

    def boom(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    # A failure after the first batch was written: the transaction undoes it.
    # (Each batch of members is written, then placed: fail in the placing of
    # the second batch, whichever way the database writes the members.)
    monkeypatch.setattr("django.conf.settings.IMPORT_BATCH_SIZE", 2)
    from committees import timeline

    real = timeline.place_new_members

    def failing(members):
        boom()
        return real(members)

    monkeypatch.setattr(timeline, "place_new_members", failing)
    with pytest.raises(RuntimeError):
        imports.import_members(acting_user=city_staff, upload=upload)
    assert len(calls) == 2
    assert Member.objects.count() == 0
    assert Member.history.count() == 0
    assert MemberPlacement.objects.count() == 0


# ---------------------------------------------------------------- existing members


def test_members_already_recorded_are_left_alone_unless_chosen(city_staff, tree):
    member = MemberFactory(organization=tree.city_cell, full_name="Lê Văn Cũ")
    row = good_row(
        tree.city_cell_2, card_number=member.card_number, full_name="Lê Văn Mới"
    )
    upload, checked = check(city_staff, [row, good_row(tree.city_cell)])
    assert (checked.new, checked.existing, checked.unchanged) == (1, 1, 0)
    result = imports.import_members(acting_user=city_staff, upload=upload)
    assert (result.created, result.updated, result.skipped_existing) == (1, 0, 1)
    member.refresh_from_db()
    assert member.full_name == "Lê Văn Cũ"


def test_members_already_recorded_are_updated_when_chosen_with_history(
    city_staff, tree
):
    member = MemberFactory(
        organization=tree.city_cell, full_name="Lê Văn Cũ", note="kept?"
    )
    before = member.history.count()
    row = good_row(
        tree.city_cell_2,
        card_number=member.card_number,
        full_name="Lê Văn Mới",
        note="",
    )
    upload = store(city_staff, "m.csv", csv_bytes([row]))
    result = imports.import_members(
        acting_user=city_staff, upload=upload, update_existing=True
    )
    assert (result.created, result.updated) == (0, 1)
    member.refresh_from_db()
    assert member.full_name == "Lê Văn Mới"
    assert member.search_key == "le van moi"
    assert member.organization == tree.city_cell_2
    assert member.note == ""  # a mapped column left empty empties the field
    assert member.history.count() == before + 1
    latest = member.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == city_staff
    assert latest.full_name == "Lê Văn Mới"
    # The move to another cell is recorded in the placements (dated tree).
    current = member.placements.get(valid_to__isnull=True)
    assert current.organization == tree.city_cell_2
    assert member.placements.filter(organization=tree.city_cell).exists()


def test_an_unchanged_member_gets_no_history_row(city_staff, tree):
    member = MemberFactory(organization=tree.city_cell, citizen_id="001299999999")
    row = good_row(
        tree.city_cell,
        full_name=member.full_name,
        card_number=member.card_number,
        citizen_id="001299999999",
        birth_date="17/05/1980",
        gender="Nam",
        admitted_on="02/03/2010",
        official_on="02/03/2011",
    )
    upload = store(city_staff, "m.csv", csv_bytes([row]))
    before = member.history.count()
    result = imports.import_members(
        acting_user=city_staff, upload=upload, update_existing=True
    )
    assert (result.updated, result.unchanged) == (0, 1)
    assert member.history.count() == before


def test_updating_needs_the_change_permission(city_staff, tree):
    from django.contrib.auth.models import Permission

    city_staff.user_permissions.clear()
    for group in city_staff.groups.all():
        group.permissions.remove(Permission.objects.get(codename="change_member"))
    city_staff = type(city_staff).objects.get(pk=city_staff.pk)
    upload = store(city_staff, "m.csv", csv_bytes([good_row(tree.city_cell)]))
    with pytest.raises(PermissionDenied):
        imports.import_members(
            acting_user=city_staff, upload=upload, update_existing=True
        )


def test_a_viewer_cannot_upload(city_viewer, tree):
    with pytest.raises(PermissionDenied):
        store(city_viewer, "m.csv", csv_bytes([good_row(tree.city_cell)]))
