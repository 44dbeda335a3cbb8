"""Objects of the jobs and the member import for the URL walk
(tests/portal/test_url_walk.py): a job and an uploaded file of a branch."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from committees import imports
from portal.jobs.models import Job, JobStatus
from tests.factories import user


def jobs_kwargs(*, top: Any, cell: Any, suffix: str, job_owner: Any = None) -> dict:
    """A finished export job (owned by ``job_owner``, or by an importer of
    the branch) and an upload of the branch's importer."""
    importer = user(f"{suffix}-importer", top)
    job = Job.objects.create(
        owner=job_owner or importer,
        kind="member_export",
        status=JobStatus.DONE,
        params={"filters": {}},
        result={"rows": 0},
    )
    content = (
        "Họ và tên,Ngày sinh,Giới tính,Số thẻ đảng viên,Ngày vào Đảng,Mã tổ chức\n"
        f"Nguyễn Văn A,01/01/1980,Nam,79000001,01/01/2010,{cell.code}\n"
    ).encode()
    upload = imports.store_upload(
        acting_user=importer,
        uploaded_file=SimpleUploadedFile("walk.csv", content),
    )
    return {"job_id": job.pk, "upload_id": upload.id}


def walk_upload(*, owner: Any, cell: Any) -> str:
    """A checked upload of ``owner`` (for tests/committees/test_views_access)."""
    content = (
        "Họ và tên,Ngày sinh,Giới tính,Số thẻ đảng viên,Ngày vào Đảng,Mã tổ chức\n"
        f"Nguyễn Văn A,01/01/1980,Nam,79000002,01/01/2010,{cell.code}\n"
        f"Nguyễn Văn B,01/01/1980,X,79000003,01/01/2010,{cell.code}\n"
    ).encode()
    upload = imports.store_upload(
        acting_user=owner, uploaded_file=SimpleUploadedFile("walk.csv", content)
    )
    imports.check_upload(upload, owner)
    return upload.id
