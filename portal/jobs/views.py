"""Pages of the background jobs: the list of one's jobs, a job's progress
(an htmx partial polled every second until the job ends) and its file."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import render
from django.views.decorators.http import require_safe

from portal.access import get_visible_or_404, staff_required

from . import selectors
from .models import Job
from .registry import kind_label, result_template
from .services import waits_for_broker

READ = ("GET", "HEAD")


@staff_required()
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.jobs_of(request.user)
    page = Paginator(jobs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "jobs/job_list.html", {"page_obj": page})


@staff_required()
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_visible_or_404(
        Job.objects.select_related("owner"), request.user, pk=job_id
    )
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    context = {
        "job": job,
        "label": kind_label(job.kind),
        "result_template": result_template(job.kind),
        "waits_for_broker": waits_for_broker(job),
        "can_download": bool(job.result_file) and job.owner_id == request.user.pk,
    }
    # htmx polls the partial; it stops polling once the job has ended.
    template = "jobs/_progress.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, context)


@staff_required()
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    # Only the owner downloads: the file holds member data of their scope.
    job = get_visible_or_404(Job, request.user, pk=job_id, owner=request.user)
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    if not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.download_name)
