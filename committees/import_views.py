"""Pages of the member import and the member export.

Import: upload -> (column mapping, when the headers are not the template's)
-> check report -> confirm -> the job page with the result. Small files are
checked and imported inside the request; large ones by a worker, the job
page showing the progress. Every page of an upload looks it up first: an
upload of someone else answers 404, whatever the method.

Export: the member list's filters to .csv (streamed) or .xlsx (built here,
or by a worker when large); every export is recorded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from portal.access import staff_required
from portal.jobs.models import Job
from portal.jobs.services import record_export, start_job

from . import exports, imports
from .import_forms import ALL_OR_NOTHING, ConfirmForm, MappingForm, UploadForm
from .models import Organization

READ = ("GET", "HEAD")
FORM = ("GET", "HEAD", "POST")
POST = ("POST",)
#: Room for the multipart envelope around the file.
MULTIPART_SLACK = 64 * 1024


def _refuse(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    return None


def _upload(request: HttpRequest, upload_id: Any) -> imports.Upload:
    try:
        return imports.get_upload(request.user, upload_id)
    except imports.UploadNotFound as exc:
        raise Http404 from exc


def _recent_imports(user: Any) -> Any:
    return Job.objects.filter(
        owner=user, kind__in=("member_import", "member_import_check")
    ).order_by("-created_at")[:5]


# ---------------------------------------------------------------- upload


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload once it passes the size limit: the rest of
    the body is read and dropped, never kept in memory or on disk."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.refused = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _upload_page(
    request: HttpRequest, form: UploadForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "max_mb": settings.IMPORT_MAX_MB,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "recent": _recent_imports(request.user),
    }
    return render(request, "committees/import/upload.html", context, status=status)


@csrf_exempt  # checked by csrf_protect below, after the upload handler is set
@staff_required("committees.add_member")
def member_import(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, FORM):
        return refused
    if request.method == "POST":
        # Refuse an oversized file before reading a byte of it.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > imports.max_upload_bytes() + MULTIPART_SLACK:
            return _too_large(request)
        request.upload_handlers.insert(
            0, LimitedUploadHandler(request, imports.max_upload_bytes())
        )
    return _member_import(request)


def _too_large(request: HttpRequest) -> HttpResponse:
    return _upload_page(
        request, UploadForm(), error=imports.too_large_message(), status=413
    )


@csrf_protect
def _member_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    limited = request.upload_handlers[0]
    if getattr(limited, "refused", False):
        return _too_large(request)
    if form.is_valid():
        try:
            upload = imports.store_upload(
                acting_user=request.user, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if upload.needs_mapping:
                return redirect("committees:member_import_mapping", upload.id)
            return _check(request, upload)
    return _upload_page(request, form)


def _check(request: HttpRequest, upload: imports.Upload) -> HttpResponse:
    """Check the file: here when small, by a worker when large."""
    if upload.is_large:
        job = start_job(
            acting_user=request.user,
            kind="member_import_check",
            params={"upload_id": upload.id},
            total=upload.estimated_rows,
        )
        return redirect(job)
    try:
        imports.check_upload(upload, request.user)
    except ValidationError as error:  # the file itself cannot be read
        imports.discard_upload(upload)
        for message in error.messages:
            messages.error(request, message)
        return redirect("committees:member_import")
    return redirect("committees:member_import_report", upload.id)


@staff_required("committees.add_member")
@require_safe
def member_import_template(request: HttpRequest) -> HttpResponse:
    content = imports.template_workbook(request.user)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-dang-vien.xlsx"'
    return response


# ---------------------------------------------------------------- mapping


@staff_required("committees.add_member")
def member_import_mapping(request: HttpRequest, upload_id: Any) -> HttpResponse:
    upload = _upload(request, upload_id)
    if refused := _refuse(request, FORM):
        return refused
    form = MappingForm(request.POST or None, upload=upload)
    if request.method == "POST" and form.is_valid():
        try:
            imports.save_mapping(upload, form.mapping())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _check(request, upload)
    return render(
        request,
        "committees/import/mapping.html",
        {"upload": upload, "form": form},
    )


# ---------------------------------------------------------------- report


@staff_required("committees.add_member")
def member_import_check(request: HttpRequest, upload_id: Any) -> HttpResponse:
    upload = _upload(request, upload_id)
    if refused := _refuse(request, POST):
        return refused
    if upload.needs_mapping:
        return redirect("committees:member_import_mapping", upload.id)
    return _check(request, upload)


def _report_page(
    request: HttpRequest,
    upload: imports.Upload,
    form: ConfirmForm,
    *,
    status: int = 200,
) -> HttpResponse:
    summary = imports.read_summary(upload)
    page = None
    if summary and summary["problems"]:
        problems = imports.ProblemList(upload, summary["problems"])
        page = Paginator(problems, imports.REPORT_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    context = {
        "upload": upload,
        "summary": summary,
        "page_obj": page,
        "form": form,
        "can_update": request.user.has_perm("committees.change_member"),
        "sync_max_rows": settings.IMPORT_SYNC_MAX_ROWS,
    }
    return render(request, "committees/import/report.html", context, status=status)


@staff_required("committees.add_member")
def member_import_report(request: HttpRequest, upload_id: Any) -> HttpResponse:
    upload = _upload(request, upload_id)
    if refused := _refuse(request, READ):
        return refused
    return _report_page(request, upload, ConfirmForm())


@staff_required("committees.add_member")
def member_import_problems(request: HttpRequest, upload_id: Any) -> FileResponse:
    """The report's problems as CSV, to fix the file with."""
    upload = _upload(request, upload_id)
    if refused := _refuse(request, READ):
        return refused
    path = imports.problems_file(upload)
    if imports.read_summary(upload) is None or not path.exists():
        raise Http404
    stem = upload.filename.rsplit(".", 1)[0]
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{stem}-problems.csv",
        content_type="text/csv; charset=utf-8",
    )


@staff_required("committees.add_member")
def member_import_confirm(request: HttpRequest, upload_id: Any) -> HttpResponse:
    upload = _upload(request, upload_id)
    if refused := _refuse(request, POST):
        return refused
    summary = imports.read_summary(upload)
    if summary is None:
        return redirect("committees:member_import_report", upload.id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _report_page(request, upload, form, status=400)
    update = form.cleaned_data["update_existing"]
    if update and not request.user.has_perm("committees.change_member"):
        raise PermissionDenied
    if summary["bad"] and form.cleaned_data["mode"] == ALL_OR_NOTHING:
        form.add_error(
            "mode",
            ngettext(
                "%(bad)s row is bad, so nothing can be imported with this "
                "choice: leave the bad rows out, or correct the file and "
                "upload it again.",
                "%(bad)s rows are bad, so nothing can be imported with this "
                "choice: leave the bad rows out, or correct the file and "
                "upload it again.",
                summary["bad"],
            )
            % {"bad": summary["bad"]},
        )
        return _report_page(request, upload, form, status=400)
    job = start_job(
        acting_user=request.user,
        kind="member_import",
        params={
            "upload_id": upload.id,
            "good_rows_only": form.good_rows_only,
            "update_existing": update,
        },
        total=summary["total"],
        inline=not upload.is_large,
    )
    return redirect(job)


@staff_required("committees.add_member")
def member_import_cancel(request: HttpRequest, upload_id: Any) -> HttpResponse:
    upload = _upload(request, upload_id)
    if refused := _refuse(request, POST):
        return refused
    imports.discard_upload(upload)
    messages.info(request, _("The uploaded file was deleted; nothing was imported."))
    return redirect("committees:member_list")


# ---------------------------------------------------------------- export


@staff_required("committees.view_member")
@require_safe
def member_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        raise Http404
    try:
        filters = exports.Filters(user, request.GET)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc
    queryset = filters.queryset(user)
    count = queryset.count()
    name = exports.filename(fmt)
    record = {
        "acting_user": user,
        "kind": exports.EXPORT_KIND,
        "format": fmt,
        "filters": filters.described(),
        "row_count": count,
    }
    if fmt == "csv":
        record_export(**record)
        response = StreamingHttpResponse(
            exports.stream_csv(exports.values(queryset)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if count > settings.EXPORT_SYNC_MAX_ROWS:
        job = start_job(
            acting_user=user,
            kind="member_export",
            params={"filters": filters.as_params(), "download_name": name},
            total=count,
        )
        record_export(**record, job=job)
        return redirect(job)
    handle, _rows = exports.build_xlsx(user, filters)
    record_export(**record)
    return FileResponse(handle, as_attachment=True, filename=name)
