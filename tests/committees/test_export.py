"""Exports of the member list: filters and scope, formats, neutralised
formulas, streaming in chunks, the record of every export, large .xlsx
through a job, and the round trip export -> import."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db.models.query import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from committees import exports, imports
from committees import member_columns as mc
from committees.models import Gender, Member, MemberStatus
from portal.jobs.models import ExportRecord, Job, JobStatus
from tests.committees.imports_support import eager_celery, media, store, uploaded
from tests.factories import MemberFactory

__all__ = ["eager_celery", "media"]

pytestmark = pytest.mark.usefixtures("media")


def export_url(**params) -> str:
    from urllib.parse import urlencode

    return reverse("committees:member_export") + "?" + urlencode(params)


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def members(tree):
    return [
        MemberFactory(
            full_name="Nguyễn Văn Gấu",
            organization=tree.city_cell,
            citizen_id="001080000001",
            note='=HYPERLINK("http://evil.example")',
        ),
        MemberFactory(
            full_name="Trần Thị Hoa",
            gender=Gender.FEMALE,
            organization=tree.city_cell_2,
            status=MemberStatus.PROBATIONARY,
            official_on=None,
            admitted_on=date(2024, 6, 1),
            birth_date=date(1990, 1, 31),
        ),
        MemberFactory(full_name="Lê Văn Xa", organization=tree.district_cell),
    ]


def test_the_csv_holds_the_scope_with_template_headers(client, city_staff, members):
    client.force_login(city_staff)
    response = client.get(export_url(format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == list(mc.TEMPLATE_HEADERS)
    names = [r[0] for r in rows[1:]]
    assert sorted(names) == ["Nguyễn Văn Gấu", "Trần Thị Hoa"]  # not Lê Văn Xa
    hoa = next(r for r in rows if r[0] == "Trần Thị Hoa")
    assert hoa[1] == "31/01/1990"
    assert hoa[2] == "Nữ"
    assert hoa[7] == "Dự bị"
    assert hoa[6] == ""


def test_the_export_follows_the_filters_of_the_list(client, city_staff, members, tree):
    client.force_login(city_staff)
    rows = csv_rows(client.get(export_url(format="csv", q="tran thi", status="active")))
    assert [r[0] for r in rows[1:]] == ["Trần Thị Hoa"]
    rows = csv_rows(client.get(export_url(format="csv", org=tree.city_cell.pk)))
    assert [r[0] for r in rows[1:]] == ["Nguyễn Văn Gấu"]
    rows = csv_rows(client.get(export_url(format="csv", admission_year=2024)))
    assert [r[0] for r in rows[1:]] == ["Trần Thị Hoa"]


def test_an_organization_outside_the_scope_answers_404(
    client, city_staff, members, tree
):
    client.force_login(city_staff)
    assert (
        client.get(export_url(format="csv", org=tree.district_cell.pk)).status_code
        == 404
    )
    assert client.get(export_url(format="pdf")).status_code == 404
    assert not ExportRecord.objects.exists()


def test_formulas_are_neutralised_in_both_formats(client, city_staff, members):
    client.force_login(city_staff)
    rows = csv_rows(client.get(export_url(format="csv")))
    gau = next(r for r in rows if r[0] == "Nguyễn Văn Gấu")
    assert gau[-1] == '\'=HYPERLINK("http://evil.example")'
    response = client.get(export_url(format="xlsx"))
    cells = xlsx_rows(b"".join(response.streaming_content))
    gau = next(r for r in cells if r[0] == "Nguyễn Văn Gấu")
    assert gau[-1] == '\'=HYPERLINK("http://evil.example")'


def test_every_column_of_the_template_is_exported():
    assert list(exports.SOURCES) == [c.field for c in mc.COLUMNS]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_every_formula_start_is_neutralised(start):
    assert mc.neutralise(f"{start}1+1") == f"'{start}1+1"
    assert mc.neutralise("Nguyễn") == "Nguyễn"


def test_the_xlsx_has_a_frozen_header_and_date_cells(client, city_staff, members):
    client.force_login(city_staff)
    response = client.get(export_url(format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(mc.TEMPLATE_HEADERS)
    assert sheet["B2"].number_format == "DD/MM/YYYY"
    assert sheet.max_row == 3


def test_every_export_is_recorded(client, city_staff, members, tree):
    client.force_login(city_staff)
    client.get(export_url(format="csv", q="hoa"))
    client.get(export_url(format="xlsx", org=tree.city_cell_2.pk))
    records = list(ExportRecord.objects.order_by("created_at", "id"))
    assert [(r.format, r.row_count, r.kind) for r in records] == [
        ("csv", 1, "members"),
        ("xlsx", 1, "members"),
    ]
    assert records[0].user == city_staff and records[0].filters == {"q": "hoa"}
    assert records[1].filters["org_code"] == tree.city_cell_2.code
    assert records[0].scope == str(tree.city)


def test_a_viewer_may_export_and_is_recorded(client, city_viewer, members):
    client.force_login(city_viewer)
    assert client.get(export_url(format="csv")).status_code == 200
    assert ExportRecord.objects.get().user == city_viewer


def test_the_csv_is_streamed_from_chunked_reads(
    client, city_staff, tree, monkeypatch, settings
):
    from tests.committees.pages import bulk_members

    bulk_members([tree.city_cell], 25)
    settings.EXPORT_CHUNK_SIZE = 7
    seen = []
    real = QuerySet.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return real(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    client.force_login(city_staff)
    response = client.get(export_url(format="csv"))
    assert response.streaming
    assert not response.has_header("Content-Length")
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"\xef\xbb\xbf")  # the headers, then the rows
    rows = b"".join(chunks).decode().splitlines()
    assert len(rows) == 25
    assert seen == [7]


def test_the_export_makes_the_same_queries_for_few_and_many_members(
    client, city_staff, tree
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.committees.pages import bulk_members

    client.force_login(city_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(export_url(format="csv"))
            b"".join(response.streaming_content)
        return len(captured)

    bulk_members([tree.city_cell], 3)
    few = queries()
    bulk_members([tree.city_cell, tree.city_cell_2], 60)
    assert queries() == few


def test_a_large_xlsx_is_built_by_a_job_and_downloaded_by_its_owner(
    client,
    city_staff,
    province_staff,
    tree,
    settings,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    from tests.committees.pages import bulk_members

    bulk_members([tree.city_cell], 12)
    settings.EXPORT_SYNC_MAX_ROWS = 10
    client.force_login(city_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url(format="xlsx"))
    job = Job.objects.get(kind="member_export")
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["rows"] == 12
    assert ExportRecord.objects.get().job == job
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="job-download"' in page
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert len(xlsx_rows(b"".join(download.streaming_content))) == 13
    # Nobody else downloads it, not even staff above.
    client.force_login(province_staff)
    assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404


# ---------------------------------------------------------------- round trip


FIELDS = [
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
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_members(client, city_staff, tree, fmt):
    MemberFactory(
        full_name="Nguyễn Văn Gấu",
        organization=tree.city_cell,
        citizen_id="001080000001",
        note="- ghi chú, có dấu phẩy\n=và công thức",
        seriously_ill=True,
    )
    MemberFactory(
        full_name="Trần Thị Hoa",
        gender=Gender.FEMALE,
        organization=tree.city_cell_2,
        status=MemberStatus.PROBATIONARY,
        official_on=None,
        admitted_on=date(2024, 6, 1),
        card_number="12.345.678",
    )
    MemberFactory(
        full_name="Đỗ Văn Mất",
        organization=tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2023, 4, 5),
    )
    before = sorted(Member.objects.values_list(*FIELDS))
    client.force_login(city_staff)
    response = client.get(export_url(format=fmt))
    content = b"".join(response.streaming_content)
    Member.objects.all().delete()

    upload = store(city_staff, f"export.{fmt}", content)
    assert not upload.needs_mapping  # the export's headers are the template's
    result = imports.import_members(acting_user=city_staff, upload=upload)
    assert result.created == 3
    assert sorted(Member.objects.values_list(*FIELDS)) == before


def test_importing_an_export_over_the_same_members_changes_nothing(
    client, city_staff, members
):
    """Except that a note holding a formula is refused on the way back in."""
    client.force_login(city_staff)
    content = b"".join(client.get(export_url(format="xlsx")).streaming_content)
    histories = Member.history.count()
    upload = imports.store_upload(
        acting_user=city_staff, uploaded_file=uploaded("again.xlsx", content)
    )
    result = imports.import_members(
        acting_user=city_staff, upload=upload, update_existing=True, good_rows_only=True
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert result.skipped_bad == 1
    assert Member.history.count() == histories
