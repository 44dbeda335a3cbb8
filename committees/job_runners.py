"""The background jobs of the committees app: member imports and exports.

Registered with ``portal.jobs`` when the app is ready (see ``apps.py``);
each runner loads what its job names and calls the service.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.jobs.models import Job
from portal.jobs.registry import register
from portal.jobs.services import JobFailed, attach_file, report_progress

from . import exports, imports


def _progress(job: Job) -> Any:
    def progress(done: int, total: int, phase: str) -> None:
        report_progress(job, done, total, phase=phase)

    return progress


def _upload(job: Job) -> imports.Upload:
    try:
        return imports.get_upload(job.owner, job.params["upload_id"])
    except imports.UploadNotFound:
        raise ValidationError(
            _("The uploaded file is no longer here: upload it again.")
        ) from None


@register(
    "member_import_check",
    label=gettext_lazy("Check of a member import"),
    perms=("committees.add_member",),
    result_template="committees/import/_check_job_result.html",
)
def run_import_check(job: Job) -> dict[str, Any]:
    upload = _upload(job)
    checked = imports.check_upload(upload, job.owner, progress=_progress(job))
    return {"upload_id": upload.id, "filename": upload.filename, **checked.summary()}


@register(
    "member_import",
    label=gettext_lazy("Import of party members"),
    perms=("committees.add_member",),
    result_template="committees/import/_job_result.html",
)
def run_import(job: Job) -> dict[str, Any]:
    upload = _upload(job)
    try:
        result = imports.import_members(
            acting_user=job.owner,
            upload=upload,
            good_rows_only=bool(job.params.get("good_rows_only")),
            update_existing=bool(job.params.get("update_existing")),
            progress=_progress(job),
        )
    except imports.RowsRefused as refused:
        # Nothing was written; the report beside the file says why.
        raise JobFailed(
            refused.messages[0],
            result={
                "upload_id": upload.id,
                "filename": upload.filename,
                **refused.checked.summary(),
            },
        ) from None
    outcome: dict[str, Any] = {"filename": upload.filename, **result.as_dict()}
    if result.skipped_bad:
        # The rows left out, with their reasons, stay downloadable.
        stem = upload.filename.rsplit(".", 1)[0]
        outcome["download_name"] = f"{stem}-left-out-rows.csv"
        attach_file(job, outcome["download_name"], imports.problems_file(upload))
    imports.discard_upload(upload)
    return outcome


@register(
    "member_export",
    label=gettext_lazy("Export of party members"),
    perms=("committees.view_member",),
)
def run_export(job: Job) -> dict[str, Any]:
    from committees.models import Organization

    try:
        filters = exports.Filters(job.owner, job.params.get("filters", {}))
    except Organization.DoesNotExist:
        raise ValidationError(
            _("The organization of this export is no longer in your scope.")
        ) from None
    handle, count = exports.build_xlsx(job.owner, filters, progress=_progress(job))
    name = job.params.get("download_name") or exports.filename("xlsx")
    with handle:
        attach_file(job, name, handle)
    return {"download_name": name, "rows": count}
