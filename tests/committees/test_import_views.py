"""The import pages: upload, columns, report, confirm, result; the large
file path through background jobs; who may reach what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from committees import imports
from committees.models import Member
from portal.jobs.models import Job, JobStatus
from tests.committees.imports_support import (
    csv_bytes,
    eager_celery,
    good_row,
    media,
    uploaded,
)
from tests.factories import MemberFactory

__all__ = ["eager_celery", "media"]

pytestmark = pytest.mark.usefixtures("media")


def url(name, *args):
    return reverse(f"committees:{name}", args=args)


@pytest.fixture
def board(city_staff):
    city_staff.language = "en"
    city_staff.save()
    return city_staff


def upload(client, content, name="members.csv"):
    return client.post(url("member_import"), {"file": uploaded(name, content)})


def upload_id_of(response) -> str:
    return response["Location"].rstrip("/").split("/")[-1]


# ---------------------------------------------------------------- the flow


def test_a_small_clean_file_goes_from_upload_to_result(client, board, tree):
    client.force_login(board)
    assert client.get(url("member_list")).content.decode().count("member-import") == 1
    page = client.get(url("member_import"))
    assert page.status_code == 200
    assert 'data-testid="import-upload"' in page.content.decode()

    rows = [good_row(tree.city_cell) for _ in range(3)]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 302
    report_url = response["Location"]
    upload_id = upload_id_of(response)
    assert report_url == url("member_import_report", upload_id)
    assert Member.objects.count() == 0  # nothing before the confirmation

    report = client.get(report_url)
    html = report.content.decode()
    assert report.context["summary"]["new"] == 3
    assert 'data-testid="report-clean"' in html

    done = client.post(url("member_import_confirm", upload_id), {"mode": "all"})
    assert done.status_code == 302
    job = Job.objects.get(kind="member_import")
    assert done["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE
    assert job.result["created"] == 3
    assert Member.objects.count() == 3
    result = client.get(done["Location"]).content.decode()
    assert 'data-testid="result-created">3<' in result
    # the uploaded file is gone once imported
    assert client.get(report_url).status_code == 404


def test_bad_rows_are_listed_and_block_an_all_or_nothing_import(client, board, tree):
    client.force_login(board)
    rows = [good_row(tree.city_cell), good_row(tree.city_cell, birth_date="32/01/1980")]
    response = upload(client, csv_bytes(rows))
    upload_id = upload_id_of(response)
    report = client.get(response["Location"])
    html = report.content.decode()
    assert report.context["summary"]["bad"] == 1
    assert html.count('data-testid="report-problem"') == 1
    assert "Not a date" in html
    refused = client.post(url("member_import_confirm", upload_id), {"mode": "all"})
    assert refused.status_code == 400
    assert "1 row is bad" in refused.content.decode()
    assert Member.objects.count() == 0
    assert not Job.objects.exists()

    problems = client.get(url("member_import_problems", upload_id))
    assert problems.status_code == 200
    text = b"".join(problems.streaming_content).decode("utf-8-sig")
    assert "32/01/1980" in text and "Not a date" in text


def test_the_good_rows_only_when_chosen_and_the_left_out_rows_to_download(
    client, board, tree
):
    client.force_login(board)
    rows = [good_row(tree.city_cell) for _ in range(2)] + [
        good_row(tree.city_cell, full_name='=HYPERLINK("http://x")')
    ]
    upload_id = upload_id_of(upload(client, csv_bytes(rows)))
    done = client.post(url("member_import_confirm", upload_id), {"mode": "good"})
    job = Job.objects.get(kind="member_import")
    assert (job.result["created"], job.result["skipped_bad"]) == (2, 1)
    assert Member.objects.count() == 2
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="result-skipped">1<' in page
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    # the formula comes back neutralised, with the reason
    assert "'=HYPERLINK" in text and "spreadsheet formula" in text


def test_members_already_recorded_are_updated_only_when_ticked(client, board, tree):
    member = MemberFactory(organization=tree.city_cell, full_name="Lê Văn Cũ")
    client.force_login(board)
    row = good_row(tree.city_cell, card_number=member.card_number, full_name="Lê Mới")
    upload_id = upload_id_of(upload(client, csv_bytes([row])))
    report = client.get(url("member_import_report", upload_id))
    assert report.context["summary"]["existing"] == 1
    assert "update_existing" in report.content.decode()
    client.post(
        url("member_import_confirm", upload_id),
        {"mode": "all", "update_existing": "on"},
    )
    member.refresh_from_db()
    assert member.full_name == "Lê Mới"
    assert member.history.first().history_user == board


def test_other_headers_go_through_the_column_page(client, board, tree):
    client.force_login(board)
    headers = ["Tên", "Sinh ngày", "Phái", "Thẻ đảng", "Kết nạp", "Chi bộ (mã)"]
    row = dict(
        zip(
            headers,
            [
                "Hà Văn Bình",
                "01/01/1970",
                "Nam",
                "72000001",
                "01/01/2000",
                tree.city_cell.code,
            ],
            strict=True,
        )
    )
    response = upload(client, csv_bytes([row], headers))
    upload_id = response["Location"].split("/")[-3]
    assert response["Location"] == url("member_import_mapping", upload_id)
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    assert page.content.decode().count('data-testid="mapping-row"') == 6
    # Leaving the card number out is refused next to the form.
    data = {"col_0": "full_name", "col_1": "birth_date", "col_2": "gender"}
    refused = client.post(mapping_url, data)
    assert refused.status_code == 200
    assert "Choose the column that holds" in refused.content.decode()
    data |= {
        "col_3": "card_number",
        "col_4": "admitted_on",
        "col_5": "organization_code",
    }
    checked = client.post(mapping_url, data)
    assert checked.status_code == 302
    assert checked["Location"] == url("member_import_report", upload_id)
    assert client.get(checked["Location"]).context["summary"]["new"] == 1


def test_a_bad_file_is_refused_with_a_message_and_leaves_nothing(client, board, media):
    client.force_login(board)
    response = upload(client, b"\x89PNG\r\n\x1a\nnot really", name="photo.xlsx")
    assert response.status_code == 200
    assert "not a spreadsheet" in response.content.decode()
    assert not (media / "imports").exists() or not any((media / "imports").iterdir())


def test_an_oversized_upload_is_refused_before_it_is_read(
    client, board, media, settings
):
    settings.IMPORT_MAX_MB = 1
    client.force_login(board)
    response = upload(client, b"a," * (1024 * 1024))  # 2 MB
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    assert not (media / "imports").exists()


def test_an_upload_just_over_the_limit_is_stopped_while_read(
    client, board, media, settings
):
    settings.IMPORT_MAX_MB = 1
    client.force_login(board)
    # Within the multipart allowance, so the handler stops it mid-stream.
    response = upload(client, b"a" * (1024 * 1024 + 1000))
    assert response.status_code == 413
    assert not (media / "imports").exists()


def test_cancel_deletes_the_upload(client, board, tree):
    client.force_login(board)
    upload_id = upload_id_of(upload(client, csv_bytes([good_row(tree.city_cell)])))
    response = client.post(url("member_import_cancel", upload_id))
    assert response.status_code == 302
    assert client.get(url("member_import_report", upload_id)).status_code == 404


def test_the_template_has_the_headers_and_the_codes_of_the_scope(client, board, tree):
    from io import BytesIO

    from openpyxl import load_workbook

    from committees import member_columns as mc

    client.force_login(board)
    response = client.get(url("member_import_template"))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == list(mc.TEMPLATE_HEADERS)
    assert sheet.freeze_panes == "A2"
    codes = [
        row[0] for row in workbook["Mã tổ chức"].iter_rows(min_row=2, values_only=True)
    ]
    assert tree.city_cell.code in codes
    assert tree.district_cell.code not in codes  # outside the scope


# ---------------------------------------------------------------- access


def test_someone_else_gets_404_for_an_upload(client, board, outsider, tree):
    client.force_login(board)
    upload_id = upload_id_of(upload(client, csv_bytes([good_row(tree.city_cell)])))
    client.force_login(outsider)
    for name in (
        "member_import_report",
        "member_import_mapping",
        "member_import_problems",
    ):
        assert client.get(url(name, upload_id)).status_code == 404, name
    for name in (
        "member_import_confirm",
        "member_import_check",
        "member_import_cancel",
    ):
        assert client.post(url(name, upload_id), {"mode": "all"}).status_code == 404
    assert imports.get_upload(board, upload_id)  # still there


def test_a_viewer_gets_403_on_the_import_pages(client, city_viewer):
    client.force_login(city_viewer)
    assert client.get(url("member_import")).status_code == 403
    assert client.get(url("member_import_template")).status_code == 403
    assert "member-import" not in client.get(url("member_list")).content.decode()


def test_updating_without_the_right_is_refused(client, board, tree):
    from django.contrib.auth.models import Permission

    member = MemberFactory(organization=tree.city_cell)
    for group in board.groups.all():
        group.permissions.remove(Permission.objects.get(codename="change_member"))
    client.force_login(board)
    row = good_row(tree.city_cell, card_number=member.card_number)
    upload_id = upload_id_of(upload(client, csv_bytes([row])))
    report = client.get(url("member_import_report", upload_id)).content.decode()
    assert 'name="update_existing"' not in report
    response = client.post(
        url("member_import_confirm", upload_id),
        {"mode": "all", "update_existing": "on"},
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- large files


def test_a_large_file_is_checked_and_imported_by_background_jobs(
    client, board, tree, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 3
    client.force_login(board)
    rows = [good_row(tree.city_cell) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(rows))
    check = Job.objects.get(kind="member_import_check")
    assert response["Location"] == check.get_absolute_url()
    assert check.status == JobStatus.DONE and check.result["new"] == 5
    page = client.get(check.get_absolute_url()).content.decode()
    assert 'data-testid="job-next"' in page
    report = client.get(url("member_import_report", check.result["upload_id"]))
    assert report.context["summary"]["total"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url("member_import_confirm", check.result["upload_id"]), {"mode": "all"}
        )
    job = Job.objects.get(kind="member_import")
    assert done["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.enqueued_at is not None  # handed to Celery, not run inline
    assert Member.objects.count() == 5


def test_a_large_import_whose_rows_went_bad_fails_and_writes_nothing(
    client, board, tree, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 1
    client.force_login(board)
    rows = [good_row(tree.city_cell) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes(rows))
    check = Job.objects.get(kind="member_import_check")
    # Someone records one of these members meanwhile.
    MemberFactory(
        organization=tree.district_cell, card_number=rows[0]["Số thẻ đảng viên"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("member_import_confirm", check.result["upload_id"]), {"mode": "all"}
        )
    job = Job.objects.get(kind="member_import")
    assert job.status == JobStatus.FAILED
    assert "nothing was imported" in job.error
    assert job.result["bad"] == 1
    assert Member.objects.count() == 1
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="job-error"' in page and 'data-testid="job-next"' in page


def test_the_upload_still_checks_the_csrf_token(board, tree, media):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(board)
    response = upload(client, csv_bytes([good_row(tree.city_cell)]))
    assert response.status_code == 403
    assert not (media / "imports").exists()


def test_the_export_links_carry_the_filters_of_the_list(client, board, tree):
    client.force_login(board)
    html = client.get(url("member_list"), {"q": "lan", "page": 2}).content.decode()
    assert f"{url('member_export')}?q=lan&amp;format=xlsx" in html
    assert f"{url('member_export')}?q=lan&amp;format=csv" in html
