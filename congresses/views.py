"""Staff pages of the congress schedule.

Views that name an object look it up inside the user's scope first (404
outside it), then check the method, so that an outsider learns nothing even
from a 405. Changes go through ``services``; reads through ``selectors``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from committees.forms import add_service_errors
from portal import pagination
from portal.access import staff_required

from . import ical, problems, selectors, services
from .forms import (
    CancelForm,
    CongressDetailsForm,
    CongressForm,
    RescheduleForm,
    ResultsForm,
    ScheduleFilterForm,
    StatusForm,
)
from .models import Congress, CongressStatus, Milestone
from .reminders import notices_for_congress

CHANGE_CONGRESS = "congresses.change_congress"


def _congress_or_404(request: HttpRequest, congress_id: int) -> Congress:
    try:
        return selectors.congress_for_page(request.user, congress_id)
    except Congress.DoesNotExist:
        raise Http404 from None


def _milestone_or_404(request: HttpRequest, milestone_id: int) -> Milestone:
    try:
        return selectors.milestone_for_user(request.user, milestone_id)
    except Milestone.DoesNotExist:
        raise Http404 from None


def _only(request: HttpRequest, *methods: str) -> HttpResponse | None:
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


def _plan_or_empty(request: HttpRequest, template: str) -> Any:
    plan = selectors.current_plan()
    if plan is None:
        return None, render(request, template, {"plan": None})
    return plan, None


def _service_error_message(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# ---------------------------------------------------------------- lists


@require_safe
@staff_required()
def schedule(request: HttpRequest) -> HttpResponse:
    plan, empty = _plan_or_empty(request, "congresses/schedule.html")
    if empty:
        return empty
    term = plan.term
    form = ScheduleFilterForm(
        request.GET or None, months=selectors.schedule_months(request.user, term)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("sort", "date")
    congresses = selectors.congress_list(
        request.user,
        term=term,
        level=filters.get("level", ""),
        status=filters.get("status", ""),
        month=filters.get("month", ""),
        overdue=filters.get("overdue", False),
        sort=sort,
    )
    page = Paginator(congresses, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "congresses/schedule.html",
        {
            "plan": plan,
            "form": form,
            "page_obj": page,
            "sort": sort,
            "today": timezone.localdate(),
        },
    )


@require_safe
@staff_required()
def timeline(request: HttpRequest) -> HttpResponse:
    plan, empty = _plan_or_empty(request, "congresses/timeline.html")
    if empty:
        return empty
    return render(
        request,
        "congresses/timeline.html",
        {
            "plan": plan,
            "timeline": selectors.timeline(request.user, term=plan.term),
            "windows": sorted(plan.windows.all(), key=lambda w: w.deadline),
        },
    )


@require_safe
@staff_required()
def rules_report(request: HttpRequest) -> HttpResponse:
    plan, empty = _plan_or_empty(request, "congresses/rules.html")
    if empty:
        return empty
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1
    # A large scope reads the stored findings (congresses/problems.py).
    report = problems.report_page(
        request.user, plan.term, page=number, per_page=settings.PAGE_SIZE
    )
    page = pagination.known_page(
        report.problems,
        total=report.total,
        number=report.number,
        per_page=settings.PAGE_SIZE,
    )
    counts = report.counts
    return render(
        request,
        "congresses/rules.html",
        {"plan": plan, "page_obj": page, "counts": counts},
    )


# ---------------------------------------------------------------- congresses


@staff_required("congresses.add_congress")
def congress_create(request: HttpRequest) -> HttpResponse:
    plan = selectors.current_plan()
    if plan is None:
        messages.error(request, _("There is no congress plan yet."))
        return redirect("congresses:schedule")
    form = CongressForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            congress = services.schedule_congress(
                acting_user=request.user, term=plan.term, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Congress scheduled: %(c)s.") % {"c": congress})
            return redirect(congress)
    return render(
        request, "congresses/congress_form.html", {"form": form, "plan": plan}
    )


@staff_required()
def congress_detail(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress_or_404(request, congress_id)
    if not_allowed := _only(request, "GET", "HEAD"):
        return not_allowed
    today = timezone.localdate()
    milestones = list(congress.milestones.all())
    for m in milestones:
        m.overdue = m.is_overdue(today)
    problems = []
    if not congress.is_cancelled:
        problems = selectors.schedule_problems(term=congress.term, candidate=congress)
    return render(
        request,
        "congresses/congress_detail.html",
        {
            "congress": congress,
            "milestones": milestones,
            "problems": problems,
            "notices": _notices(congress, milestones),
            "history": selectors.congress_history(congress),
            "committee": list(selectors.new_committee(congress)),
            "status_steps": services.STATUS_STEPS[congress.status],
            "status_labels": dict(CongressStatus.choices),
            "can_change": request.user.has_perm(CHANGE_CONGRESS),
            "can_mark": request.user.has_perm("congresses.change_milestone"),
            "can_record": _can_record_results(request.user),
            "today": today,
        },
    )


def _notices(congress: Congress, milestones: list[Milestone]) -> list[Any]:
    """The reminders sent for the congress's milestones, each with its item."""
    titles = {m.pk: m for m in milestones}
    notices = list(notices_for_congress(congress))
    for n in notices:
        n.milestone = titles.get(n.object_id)
    return notices


@staff_required(CHANGE_CONGRESS)
def congress_update(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress_or_404(request, congress_id)
    form = CongressDetailsForm(request.POST or None, instance=congress)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.update_congress(
                acting_user=request.user, congress=congress, **changes
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(congress)
    return render(
        request,
        "congresses/congress_edit.html",
        {"form": form, "congress": congress, "title": _("Edit congress")},
    )


@staff_required(CHANGE_CONGRESS)
def congress_reschedule(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress_or_404(request, congress_id)
    initial = {"starts_on": congress.starts_on, "ends_on": congress.ends_on}
    form = RescheduleForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_congress(
                acting_user=request.user, congress=congress, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The congress was moved."))
            return redirect(congress)
    return render(
        request,
        "congresses/congress_edit.html",
        {"form": form, "congress": congress, "title": _("Move the congress")},
    )


@staff_required(CHANGE_CONGRESS)
def congress_cancel(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress_or_404(request, congress_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_congress(
                acting_user=request.user,
                congress=congress,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The congress was cancelled."))
            return redirect(congress)
    return render(
        request, "congresses/congress_cancel.html", {"form": form, "congress": congress}
    )


@staff_required(CHANGE_CONGRESS)
def congress_status(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress_or_404(request, congress_id)
    if not_allowed := _only(request, "POST"):
        return not_allowed
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_congress_status(
                acting_user=request.user,
                congress=congress,
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            _service_error_message(request, error)
        else:
            messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect(congress)


def _can_record_results(user: Any) -> bool:
    # The office keeps the congress; the organization board keeps positions.
    return user.has_perm(CHANGE_CONGRESS) or user.has_perm("committees.add_position")


@staff_required()
def congress_results(request: HttpRequest, congress_id: int) -> HttpResponse:
    if not _can_record_results(request.user):
        raise PermissionDenied
    congress = _congress_or_404(request, congress_id)
    initial = {
        "delegates_to_superior": congress.delegates_to_superior,
        "results_note": congress.results_note,
    }
    form = ResultsForm(request.POST or None, initial=initial, congress=congress)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_results(
                acting_user=request.user, congress=congress, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Results recorded."))
            return redirect(congress)
    return render(
        request,
        "congresses/congress_results.html",
        {
            "form": form,
            "congress": congress,
            "committee": list(selectors.new_committee(congress)),
        },
    )


# ---------------------------------------------------------------- milestones


def _milestone_response(
    request: HttpRequest, milestone: Milestone, error: ValidationError | None = None
) -> HttpResponse:
    if request.htmx:
        milestone = selectors.milestone_for_user(request.user, milestone.pk)
        milestone.overdue = milestone.is_overdue(timezone.localdate())
        return render(
            request,
            "congresses/_milestone_row.html",
            {
                "m": milestone,
                "can_mark": True,
                "row_error": " ".join(error.messages) if error else "",
            },
        )
    if error is not None:
        _service_error_message(request, error)
    return redirect("congresses:congress_detail", congress_id=milestone.congress_id)


@staff_required("congresses.change_milestone")
def milestone_done(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = _milestone_or_404(request, milestone_id)
    if not_allowed := _only(request, "POST"):
        return not_allowed
    try:
        milestone = services.mark_milestone_done(
            acting_user=request.user, milestone=milestone
        )
    except ValidationError as error:
        return _milestone_response(request, milestone, error)
    if not request.htmx:
        messages.success(request, _("Marked done: %(m)s.") % {"m": milestone.title})
    return _milestone_response(request, milestone)


@staff_required("congresses.change_milestone")
def milestone_reopen(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = _milestone_or_404(request, milestone_id)
    if not_allowed := _only(request, "POST"):
        return not_allowed
    try:
        milestone = services.reopen_milestone(
            acting_user=request.user, milestone=milestone
        )
    except ValidationError as error:
        return _milestone_response(request, milestone, error)
    return _milestone_response(request, milestone)


# ---------------------------------------------------------------- calendar


@require_safe
@staff_required()
def calendar_page(request: HttpRequest) -> HttpResponse:
    feed = services.calendar_feed_for(user=request.user)
    url = request.build_absolute_uri(
        reverse("congresses:calendar_feed_public") + f"?token={feed.token}"
    )
    return render(request, "congresses/calendar.html", {"feed": feed, "url": url})


@staff_required()
@require_POST
def calendar_renew(request: HttpRequest) -> HttpResponse:
    services.renew_calendar_feed(user=request.user)
    messages.success(
        request, _("Your calendar has a new address; the old one no longer works.")
    )
    return redirect("congresses:calendar")


@require_safe
def calendar_feed_public(request: HttpRequest) -> HttpResponse:
    """The iCalendar feed: public, authenticated by its secret token alone."""
    feed = selectors.feed_for_token(request.GET.get("token", ""))
    if feed is None:
        raise Http404
    body = ical.render(feed.user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="congresses.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
