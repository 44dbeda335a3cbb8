"""Exports (.xlsx), certificates (PDF) and the public verification page.

Exports take the GET parameters of the page they come from (eligibility,
badges, register) or the decision they annex. Up to
``EXPORT_SYNC_MAX_ROWS`` rows the file is written at once and sent; a
longer list becomes a background job (``portal.jobs``) and the user is sent
to its progress page, which offers the download when it is ready. Every
export and every certificate downloaded is recorded (``ExportRecord``).

Views that name an object look it up inside the user's scope first (404
outside it), then check the method.

The verification page is public (its URL name ends in ``_public``): a
visitor types the code printed on a certificate and learns only whether it
is valid or revoked, with the recipient's name, the award and the decision.
Guesses are limited per address: at most ``VERIFY_RATE_LIMIT`` lookups in
``VERIFY_RATE_WINDOW_SECONDS``, counted in Django's cache (a fixed window).
With the default per-process memory cache the limit holds per server
process; set a shared cache (Redis) in ``CACHES`` to hold it across them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from io import BytesIO
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.access import staff_required
from portal.jobs.services import record_export, start_job
from portal.spreadsheets import XLSX_CONTENT_TYPE

from . import certificates, exports, selectors
from .models import Award, Decision

READ = ("GET", "HEAD")


def _refuse(request: HttpRequest) -> HttpResponse | None:
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    return None


def _send(request: HttpRequest, export: exports.Export) -> HttpResponse:
    """The file now, or a background job for a long list."""
    if export.count > settings.EXPORT_SYNC_MAX_ROWS:
        job = start_job(
            acting_user=request.user,
            kind=exports.EXPORT_JOB,
            params=export.params,
            total=export.count,
        )
        messages.info(
            request,
            _(
                "This list has %(count)s rows: it is written in the background. "
                "Download it from this page when it is ready."
            )
            % {"count": export.count},
        )
        return redirect(job)
    buffer = BytesIO()
    rows = exports.write(export, buffer)
    exports.record(request.user, export, rows)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=export.filename,
        content_type=XLSX_CONTENT_TYPE,
    )


def _export_from_page(
    request: HttpRequest,
    build: Callable[[Any, Mapping[str, Any]], exports.Export],
    page: str,
    data: Mapping[str, Any],
) -> HttpResponse:
    try:
        export = build(request.user, data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        query = request.GET.urlencode()
        return redirect(reverse(page) + (f"?{query}" if query else ""))
    return _send(request, export)


@require_safe
@staff_required()
def eligibility_export(request: HttpRequest) -> HttpResponse:
    """The eligibility list shown by the eligibility page, as .xlsx."""
    return _export_from_page(
        request, exports.eligibility_export, "awards:eligibility", request.GET
    )


@require_safe
@staff_required()
def badges_export(request: HttpRequest) -> HttpResponse:
    """The members due a badge on an occasion (the badges page), as .xlsx;
    without an occasion, the next one, as on the page."""
    data = request.GET.copy()
    if not data.get("year") or not data.get("occasion"):
        today = timezone.localdate()
        upcoming = next(
            (d for d in selectors.occasion_dates(today.year) if d >= today),
            selectors.occasion_dates(today.year + 1)[0],
        )
        data.setdefault("year", str(upcoming.year))
        data.setdefault("occasion", upcoming.strftime("%m-%d"))
    return _export_from_page(request, exports.badges_export, "awards:badges", data)


@require_safe
@staff_required()
def register_export(request: HttpRequest) -> HttpResponse:
    """The register with the register page's filters and sort, as .xlsx."""
    return _export_from_page(
        request, exports.register_export, "awards:register", request.GET
    )


@staff_required()
def decision_annex_export(request: HttpRequest, decision_id: int) -> HttpResponse:
    """The recipients conferred by a decision (its annex), as .xlsx."""
    try:
        export = exports.annex_export(request.user, decision_id)
    except Decision.DoesNotExist:
        raise Http404 from None
    if refused := _refuse(request):
        return refused
    return _send(request, export)


@staff_required()
def award_certificate(request: HttpRequest, award_id: int) -> HttpResponse:
    """The printable certificate (PDF) of an award in the user's scope;
    a revoked award's certificate is marked revoked."""
    try:
        award = selectors.award_for_page(request.user, award_id)
    except Award.DoesNotExist:
        raise Http404 from None
    if refused := _refuse(request):
        return refused
    pdf = certificates.render_certificate(award)
    record_export(
        acting_user=request.user,
        kind="award_certificate",
        format="pdf",
        filters={"award_id": award.pk, "decision": award.decision.document_number},
        row_count=1,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = certificates.certificate_filename(award)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# ---------------------------------------------------------------- public


def _too_many_attempts(request: HttpRequest) -> bool:
    """Count this lookup against the visitor's address; True past the limit."""
    window = max(1, settings.VERIFY_RATE_WINDOW_SECONDS)
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    key = f"awards:verify:{address}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.VERIFY_RATE_LIMIT


@never_cache
@require_safe
def verify_public(request: HttpRequest) -> HttpResponse:
    """Anybody may check a certificate's code: valid, revoked or not found.

    Not found answers 404 with the same page; too many lookups from one
    address answer 429 without looking the code up.
    """
    code = certificates.normalize_code(request.GET.get("code", ""))
    context: dict[str, Any] = {"code": code, "result": None, "looked_up": False}
    status = 200
    if code:
        if _too_many_attempts(request):
            context["throttled"] = True
            status = 429
        else:
            context["looked_up"] = True
            context["result"] = certificates.verify_code(code)
            if context["result"] is None:
                status = 404
    response = render(request, "awards/verify.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
