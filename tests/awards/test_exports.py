"""Spreadsheet exports: the eligibility list, the badges due, a decision's
annex and the register. Each opens with openpyxl and holds the expected
rows under Vietnamese headers, with real date cells, a frozen header row
and formulas neutralised; each is scoped and recorded; a long list runs as
a background job; the query count does not grow with the rows."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from awards import exports, services
from committees import services as committee_services
from portal.jobs.models import ExportRecord, Job, JobStatus
from tests.awards.conftest import excellent, stars
from tests.factories import MemberFactory


def url(name: str, *args, **query) -> str:
    address = reverse(f"awards:{name}", args=args)
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return address


def sheet_of(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    return load_workbook(BytesIO(content)).active


def rows_of(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def column(sheet, header: str) -> list:
    rows = rows_of(sheet)
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def conferred(flow, member_kind, term_period, tree):
    """Three city members conferred by decision 1-QĐ/TU of 10/01/2025."""
    members = stars(tree.city_cell, 3, prefix="Khen thưởng")
    return flow.conferred(member_kind, term_period, members=members)


# ---------------------------------------------------------------- register


def test_the_register_export_holds_the_awards_under_vietnamese_headers(
    client, province_staff, conferred
):
    client.force_login(province_staff)
    sheet = sheet_of(client.get(url("register_export")))
    rows = rows_of(sheet)
    assert rows[0] == [c.header for c in exports.REGISTER_COLUMNS]
    assert rows[0][:4] == [
        "STT",
        "Tập thể, cá nhân được khen thưởng",
        "Đối tượng",
        "Thuộc tổ chức đảng",
    ]
    assert len(rows) == 4
    assert sorted(column(sheet, "Tập thể, cá nhân được khen thưởng")) == [
        "Khen thưởng 0",
        "Khen thưởng 1",
        "Khen thưởng 2",
    ]
    assert set(column(sheet, "Số quyết định")) == {"1-QĐ/TU"}
    assert set(column(sheet, "Tình trạng")) == {"Còn hiệu lực"}
    assert column(sheet, "STT") == [1, 2, 3]


def test_dates_are_date_cells_shown_day_month_year(client, province_staff, conferred):
    client.force_login(province_staff)
    sheet = sheet_of(client.get(url("register_export")))
    header = rows_of(sheet)[0]
    cell = sheet.cell(row=2, column=header.index("Ngày quyết định") + 1)
    assert cell.value == datetime(2025, 1, 10)
    assert cell.is_date
    assert cell.number_format == "DD/MM/YYYY"


def test_the_header_row_is_frozen_bold_and_the_columns_have_widths(
    client, province_staff, conferred
):
    client.force_login(province_staff)
    sheet = sheet_of(client.get(url("register_export")))
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["B"].width == 36


def test_a_formula_in_a_name_is_neutralised(
    client, province_staff, flow, member_kind, term_period, tree
):
    member = MemberFactory(
        full_name='=HYPERLINK("http://evil.example","x")', organization=tree.city_cell
    )
    excellent(member, 2020, 2021, 2022, 2023, 2024)
    flow.conferred(member_kind, term_period, members=[member])
    client.force_login(province_staff)
    sheet = sheet_of(client.get(url("register_export")))
    name = column(sheet, "Tập thể, cá nhân được khen thưởng")[0]
    assert name == '\'=HYPERLINK("http://evil.example","x")'
    assert sheet.cell(row=2, column=2).data_type == "s"


def test_the_register_export_keeps_the_register_filters(
    client, province_staff, conferred
):
    revoked = conferred.awards.order_by("pk").first()
    services.revoke_award(
        acting_user=province_staff,
        award=revoked,
        reason="Vi phạm",
        revoked_at=date(2025, 2, 1),
    )
    client.force_login(province_staff)
    sheet = sheet_of(client.get(url("register_export", revoked="yes")))
    assert column(sheet, "Tập thể, cá nhân được khen thưởng") == [
        revoked.recipient_name
    ]
    assert column(sheet, "Tình trạng") == ["Đã thu hồi ngày 01/02/2025"]
    assert column(sheet, "Lý do thu hồi") == ["Vi phạm"]
    sheet = sheet_of(client.get(url("register_export", q="khen thuong 1")))
    assert column(sheet, "Tập thể, cá nhân được khen thưởng") == ["Khen thưởng 1"]


def test_the_register_export_is_scoped(client, outsider, conferred):
    client.force_login(outsider)
    sheet = sheet_of(client.get(url("register_export")))
    assert rows_of(sheet)[1:] == []


def test_every_export_is_recorded(client, city_staff, conferred):
    client.force_login(city_staff)
    client.get(url("register_export", revoked="no", q="khen"))
    record = ExportRecord.objects.get()
    assert record.user == city_staff
    assert record.username == "city"
    assert record.kind == "awards_register"
    assert record.format == "xlsx"
    assert record.row_count == 3
    assert record.filters["revoked"] == "no"
    assert record.filters["q"] == "khen"
    assert record.job is None


def test_a_post_is_refused_and_nothing_recorded(client, city_staff, conferred):
    client.force_login(city_staff)
    assert client.post(url("register_export")).status_code == 405
    assert not ExportRecord.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, conferred):
    for name, args in (
        ("register_export", ()),
        ("eligibility_export", ()),
        ("badges_export", ()),
        ("decision_annex_export", (conferred.pk,)),
    ):
        response = client.get(url(name, *args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- annex


def test_the_annex_lists_the_recipients_of_the_decision(
    client, province_staff, conferred, flow, org_year_kind, year_period, tree
):
    excellent(tree.city_grassroots, 2024)
    other = flow.conferred(org_year_kind, year_period, orgs=[tree.city_grassroots])
    client.force_login(province_staff)
    sheet = sheet_of(client.get(url("decision_annex_export", conferred.pk)))
    assert rows_of(sheet)[0] == [c.header for c in exports.ANNEX_COLUMNS]
    assert sorted(column(sheet, "Tập thể, cá nhân được khen thưởng")) == [
        "Khen thưởng 0",
        "Khen thưởng 1",
        "Khen thưởng 2",
    ]
    assert set(column(sheet, "Thuộc tổ chức đảng")) == {tree.city_cell.name}
    assert set(column(sheet, "Hình thức khen thưởng")) == {
        "Bằng khen của Tỉnh ủy cho đảng viên"
    }
    assert set(column(sheet, "Kỳ thi đua")) == {"2020–2025"}
    assert set(column(sheet, "Số quyết định")) == {"1-QĐ/TU"}
    assert set(column(sheet, "Ngày quyết định")) == {datetime(2025, 1, 10)}
    sheet = sheet_of(client.get(url("decision_annex_export", other.pk)))
    assert column(sheet, "Tập thể, cá nhân được khen thưởng") == [
        tree.city_grassroots.name
    ]
    record = ExportRecord.objects.filter(kind="awards_decision_annex").first()
    assert record.filters["decision"] == other.document_number


def test_someone_outside_the_scope_gets_404_for_an_annex(
    client, outsider, city_staff, conferred
):
    # The decision is the province's: the district's staff and even the
    # city's (whose members it rewards) do not see it.
    for user in (outsider, city_staff):
        client.force_login(user)
        assert client.get(url("decision_annex_export", conferred.pk)).status_code == 404
        assert (
            client.post(url("decision_annex_export", conferred.pk)).status_code == 404
        )
    assert not ExportRecord.objects.exists()


# ---------------------------------------------------------------- eligibility


def test_the_eligibility_export_lists_the_candidates_with_their_evidence(
    client, city_staff, member_kind, term_period, star, tree
):
    MemberFactory(full_name="Chưa đủ", organization=tree.city_cell)
    excellent(MemberFactory(organization=tree.district_cell), 2020, 2021, 2022)
    client.force_login(city_staff)
    sheet = sheet_of(
        client.get(
            url("eligibility_export", kind=member_kind.pk, period=term_period.pk)
        )
    )
    assert rows_of(sheet)[0] == [c.header for c in exports.ELIGIBILITY_MEMBER_COLUMNS]
    assert column(sheet, "Họ và tên") == [star.full_name]
    assert column(sheet, "Số thẻ đảng viên") == [star.card_number]
    assert column(sheet, "Tổ chức đảng") == [tree.city_cell.name]
    assert column(sheet, "Số năm liên tục HTXS") == [5]
    assert column(sheet, "Căn cứ xét (kết quả xếp loại)") == [
        "2020 HTXS, 2021 HTXS, 2022 HTXS, 2023 HTXS, 2024 HTXS"
    ]
    record = ExportRecord.objects.get()
    assert record.kind == "awards_eligibility"
    assert record.filters == {
        "kind": member_kind.code,
        "period": "2020–2025",
        "organization": "",
    }


def test_the_eligibility_export_of_organizations(
    client, province_staff, org_run_kind, term_period, tree
):
    excellent(tree.city_grassroots, 2022, 2023, 2024)
    client.force_login(province_staff)
    sheet = sheet_of(
        client.get(
            url("eligibility_export", kind=org_run_kind.pk, period=term_period.pk)
        )
    )
    assert rows_of(sheet)[0][1] == "Tên tổ chức đảng"
    assert column(sheet, "Tên tổ chức đảng") == [tree.city_grassroots.name]
    assert column(sheet, "Căn cứ xét (kết quả xếp loại)") == [
        "2022 HTXS, 2023 HTXS, 2024 HTXS"
    ]


def test_the_eligibility_export_is_scoped(
    client, outsider, member_kind, term_period, star
):
    client.force_login(outsider)
    sheet = sheet_of(
        client.get(
            url("eligibility_export", kind=member_kind.pk, period=term_period.pk)
        )
    )
    assert rows_of(sheet)[1:] == []


def test_a_bad_request_goes_back_to_the_page_with_a_message(
    client, city_staff, member_kind, year_period
):
    client.force_login(city_staff)
    response = client.get(
        url("eligibility_export", kind=member_kind.pk, period=year_period.pk)
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("awards:eligibility"))
    assert not ExportRecord.objects.exists()
    response = client.get(response["Location"])
    assert [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------- badges


def test_the_badge_export_shows_admission_interruptions_and_party_age(
    client, city_staff, badge_kinds, tree
):
    member = MemberFactory(
        full_name="Trần Văn Ba",
        organization=tree.city_cell,
        admitted_on=date(1995, 6, 1),
    )
    committee_services.add_interruption(
        acting_user=None,
        member=member,
        started_on=date(2000, 1, 1),
        ended_on=date(2000, 1, 31),
        reason="lost_contact",
    )
    MemberFactory(full_name="Chưa đến", organization=tree.city_cell)
    client.force_login(city_staff)
    sheet = sheet_of(client.get(url("badges_export", year=2025, occasion="09-02")))
    assert rows_of(sheet)[0] == [c.header for c in exports.BADGE_COLUMNS]
    assert column(sheet, "Họ và tên") == ["Trần Văn Ba"]
    assert column(sheet, "Huy hiệu") == ["30 năm"]
    assert column(sheet, "Ngày vào Đảng") == [datetime(1995, 6, 1)]
    assert column(sheet, "Thời gian gián đoạn sinh hoạt đảng") == [
        "01/01/2000–31/01/2000"
    ]
    assert column(sheet, "Tuổi Đảng")[0].startswith("30 năm ")
    assert column(sheet, "Tính đến ngày") == [datetime(2025, 9, 2)]
    header = rows_of(sheet)[0]
    assert sheet.cell(
        row=2, column=header.index("Ngày vào Đảng") + 1
    ).number_format == ("DD/MM/YYYY")
    record = ExportRecord.objects.get()
    assert record.kind == "awards_badges"
    assert record.filters["occasion"] == "2025-09-02"


def test_the_badge_export_notes_a_posthumous_award(
    client, city_staff, badge_kinds, tree
):
    MemberFactory(
        full_name="Đã mất",
        organization=tree.city_cell,
        # 29 years on the day of death, reached after the previous occasion
        admitted_on=date(1996, 5, 25),
        status="deceased",
        status_changed_on=date(2025, 6, 1),
    )
    client.force_login(city_staff)
    sheet = sheet_of(client.get(url("badges_export", year=2025, occasion="09-02")))
    assert column(sheet, "Ghi chú") == ["Truy tặng; Tặng sớm 1 năm (đã từ trần)"]


# ---------------------------------------------------------------- large exports


def test_a_long_list_is_written_by_a_background_job(
    client,
    province_staff,
    conferred,
    settings,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path
    from portal.celery import app

    app.conf.task_always_eager = True
    try:
        client.force_login(province_staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url("register_export"))
    finally:
        app.conf.task_always_eager = False
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.owner == province_staff
    assert job.kind == exports.EXPORT_JOB
    assert job.status == JobStatus.DONE, job.error
    assert job.total == 3
    assert job.result["rows"] == 3
    assert job.result["filename"] == "so-khen-thuong.xlsx"
    with job.result_file.open("rb") as handle:
        sheet = load_workbook(handle).active
        assert len(rows_of(sheet)) == 4
    record = ExportRecord.objects.get()
    assert record.job == job
    assert record.row_count == 3
    assert record.kind == "awards_register"
    # The owner downloads it from the job's page.
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert download.status_code == 200


def test_the_job_prepares_the_export_again_within_the_owners_scope(
    db, outsider, conferred, tmp_path, settings
):
    """A job runs as its owner: the district's staff get no city award even
    if the parameters were forged."""
    from portal.jobs.services import start_job

    settings.MEDIA_ROOT = tmp_path
    job = start_job(
        acting_user=outsider,
        kind=exports.EXPORT_JOB,
        params={"export": "register", "data": {}},
        inline=True,
    )
    assert job.status == JobStatus.DONE
    assert job.result["rows"] == 0
    job = start_job(
        acting_user=outsider,
        kind=exports.EXPORT_JOB,
        params={"export": "annex", "decision_id": conferred.pk},
        inline=True,
    )
    assert job.status == JobStatus.FAILED
    assert not job.result_file


# ---------------------------------------------------------------- query counts


def _queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(context)


def test_the_register_and_annex_exports_cost_the_same_at_two_sizes(
    client,
    province_staff,
    flow,
    member_kind,
    term_period,
    tree,
    org_year_kind,
    year_period,
):
    small = flow.conferred(member_kind, term_period, members=stars(tree.city_cell, 2))
    client.force_login(province_staff)
    register_small = _queries(client, url("register_export"))
    annex_small = _queries(client, url("decision_annex_export", small.pk))
    orgs = [tree.city_grassroots, tree.city_cell, tree.city_cell_2]
    for organization in orgs:
        excellent(organization, 2024)
    large = flow.conferred(
        member_kind,
        term_period,
        members=stars(tree.city_cell_2, 12, prefix="Lớn"),
        signed_on=date(2025, 1, 12),
    )
    flow.conferred(org_year_kind, year_period, orgs=orgs, signed_on=date(2025, 1, 13))
    assert _queries(client, url("register_export")) == register_small
    assert _queries(client, url("decision_annex_export", large.pk)) == annex_small


def test_the_eligibility_export_costs_the_same_at_two_sizes(
    client, province_staff, member_kind, term_period, tree
):
    stars(tree.city_cell, 1)
    client.force_login(province_staff)
    address = url("eligibility_export", kind=member_kind.pk, period=term_period.pk)
    few = _queries(client, address)
    stars(tree.district_cell, 15, prefix="Nhiều")
    assert _queries(client, address) == few


# ---------------------------------------------------------------- the pages


def test_the_pages_offer_their_exports(
    client, province_staff, conferred, member_kind, term_period, tree
):
    stars(tree.city_cell, 1, prefix="Ứng viên")
    client.force_login(province_staff)
    page = client.get(url("register", revoked="no")).content.decode()
    assert f'href="{url("register_export")}?revoked=no"' in page
    page = client.get(url("decision_detail", conferred.pk)).content.decode()
    assert f'href="{url("decision_annex_export", conferred.pk)}"' in page
    page = client.get(
        url("eligibility", kind=member_kind.pk, period=term_period.pk)
    ).content.decode()
    assert 'data-testid="eligibility-export"' in page
    assert url("eligibility_export") in page


def test_the_badges_page_offers_its_export(client, city_staff, badge_kinds, tree):
    MemberFactory(organization=tree.city_cell, admitted_on=date(1995, 7, 1))
    client.force_login(city_staff)
    page = client.get(url("badges", year=2025, occasion="09-02")).content.decode()
    assert (
        f'href="{url("badges_export")}?year=2025&amp;occasion=09-02&amp;org="' in page
    )
