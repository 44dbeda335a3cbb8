"""Random rows never cause a 500 and never half-import.

Hypothesis writes CSV files of rows mixing good values with text carrying
diacritics, control characters and formulas, impossible and oddly written
dates, unknown words and codes outside the scope; the file goes through the
real pages (upload, report, confirm). Whatever the rows, every page answers
(the test client raises on a 500), and the members written are exactly the
good new rows, or none at all.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from committees import imports
from committees import member_columns as mc
from committees.models import Member
from tests.committees.imports_support import media, uploaded

__all__ = ["media"]

FORMULAS = [
    '=HYPERLINK("http://evil.example","Bấm")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "'=1+1",
    "\t=1",
]
noise = st.one_of(
    # NUL bytes make the whole file refused: they come from the list below
    # (rarely), not from every other piece of random text.
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",), blacklist_characters="\x00"
        ),
        max_size=25,
    ),
    st.sampled_from(FORMULAS),
    st.sampled_from(["", " ", "Ñ\x00", "Nguyễn\x1bVăn", "a\u202eb", "\r\n"]),
)


def _date_text(day: date, style: int) -> str:
    return [
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.isoformat(),
        day.strftime("%d-%m-%Y"),
        day.strftime("%m/%d/%Y"),
    ][style]


dates = st.one_of(
    st.builds(
        _date_text,
        st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
        st.integers(0, 4),
    ),
    st.sampled_from(["31/02/2000", "00/00/0000", "1/1/1899"]),
    noise,
)


def good_cells(codes: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """A row that passes: random name and numbers, sensible dates."""
    return st.fixed_dictionaries(
        {
            "full_name": st.sampled_from(["Nguyễn Văn Gấu", "Trần Thị Hoa", "Đỗ Hằng"]),
            "birth_date": st.dates(date(1940, 1, 1), date(1990, 12, 31)).map(
                lambda d: d.strftime("%d/%m/%Y")
            ),
            "gender": st.sampled_from(["Nam", "Nữ", "female", "NAM"]),
            "card_number": st.from_regex(r"[1-9][0-9]{6,9}", fullmatch=True),
            "citizen_id": st.one_of(
                st.from_regex(r"0[0-9]{11}", fullmatch=True), st.just("")
            ),
            "admitted_on": st.just("02/03/2010"),
            "official_on": st.just("02/03/2011"),
            "status": st.sampled_from(["Chính thức", "official", ""]),
            "status_changed_on": st.just(""),
            "organization_code": st.sampled_from(codes[:2]),
            "organization_name": noise,
            "seriously_ill": st.sampled_from(["Có", "Không", ""]),
            "note": st.text(max_size=10)
            .filter(lambda t: "\x00" not in t)
            .map(lambda t: "n" + t),
        }
    )


def cells(codes: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {
            "full_name": st.one_of(
                st.sampled_from(["Nguyễn Văn Gấu", "Trần Thị Hoa", "Đỗ Hằng"]), noise
            ),
            "birth_date": st.one_of(st.just("17/05/1980"), dates),
            "gender": st.one_of(st.sampled_from(["Nam", "Nữ", "female", "x"]), noise),
            "card_number": st.one_of(
                st.from_regex(r"[1-9][0-9]{6,9}", fullmatch=True),
                st.sampled_from(["12.345.678", "1"]),
                noise,
            ),
            "citizen_id": st.one_of(
                st.from_regex(r"0[0-9]{11}", fullmatch=True), st.just(""), noise
            ),
            "admitted_on": st.one_of(st.just("02/03/2010"), dates),
            "official_on": st.one_of(st.just("02/03/2011"), st.just(""), dates),
            "status": st.one_of(
                st.sampled_from(["Chính thức", "Dự bị", "Từ trần", "", "official"]),
                noise,
            ),
            "status_changed_on": st.one_of(st.just(""), dates),
            "organization_code": st.one_of(st.sampled_from(codes), noise),
            "organization_name": noise,
            "seriously_ill": st.one_of(st.sampled_from(["Có", "Không", ""]), noise),
            "note": noise,
        }
    )


def to_csv(rows: list[dict[str, str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(mc.TEMPLATE_HEADERS)
    for row in rows:
        writer.writerow([row[c.field] for c in mc.COLUMNS])
    return out.getvalue().encode()


@pytest.mark.usefixtures("media")
def test_random_rows_never_cause_a_500_and_never_half_import(client, city_staff, tree):
    codes = [
        tree.city_cell.code,
        tree.city_cell_2.code,
        tree.district_cell.code,  # outside the scope
        tree.city_grassroots.code,  # holds no members
        "NO-SUCH",
    ]
    client.force_login(city_staff)
    seen = {"clean": 0, "bad": 0}

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )
    @given(
        rows=st.lists(
            st.one_of(good_cells(codes), cells(codes)), min_size=1, max_size=6
        ),
        delimiter=st.sampled_from([",", ";"]),
        good_rows_only=st.booleans(),
    )
    def attempt(rows, delimiter, good_rows_only):
        before = set(Member.objects.values_list("pk", flat=True))
        response = client.post(
            reverse("committees:member_import"),
            {"file": uploaded("random.csv", to_csv(rows, delimiter))},
        )
        assert response.status_code in (200, 302), response.status_code
        try:
            if response.status_code == 200:  # refused as a whole file
                assert set(Member.objects.values_list("pk", flat=True)) == before
                return
            location = response["Location"]
            if "/columns/" in location:  # headers garbled by the delimiter
                assert client.get(location).status_code == 200
                return
            report = client.get(location)
            assert report.status_code == 200
            summary = report.context["summary"]
            upload_id = location.rstrip("/").split("/")[-1]
            if summary["bad"] and not good_rows_only:
                seen["bad"] += 1
                # The service itself refuses, not just the page.
                upload = imports.get_upload(city_staff, upload_id)
                with pytest.raises(imports.RowsRefused):
                    imports.import_members(acting_user=city_staff, upload=upload)
            confirm = client.post(
                reverse("committees:member_import_confirm", args=[upload_id]),
                {"mode": "good" if good_rows_only else "all"},
            )
            assert confirm.status_code in (302, 400)
            created = set(Member.objects.values_list("pk", flat=True)) - before
            if summary["bad"] and not good_rows_only:
                assert confirm.status_code == 400
                assert created == set()
            else:
                seen["clean"] += 1
                assert confirm.status_code == 302
                assert client.get(confirm["Location"]).status_code == 200
                assert len(created) == summary["new"]
        finally:
            Member.objects.exclude(pk__in=before).delete()

    attempt()
    assert seen["bad"] and seen["clean"]  # both outcomes were exercised
