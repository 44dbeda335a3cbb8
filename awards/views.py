"""Staff pages of emulation and awards: eligibility, nominations, decisions,
the register, membership badges.

Each view checks the role (``staff_required``), looks its object up inside
the user's scope (404 outside it) before looking at the method (a read page
answers 405 to a POST), then calls one selector or service. A service's
``ValidationError`` goes back to the form or into an error message, and
``NotAllowed`` (a step the user's role or place does not allow) into an
error message too: nothing is half-saved, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from committees import selectors as committee_selectors
from committees.forms import add_service_errors
from committees.models import Member, Organization
from portal import pagination
from portal.access import is_in_scope, staff_required

from . import selectors, services
from .forms import (
    BadgeForm,
    BadgeNominateForm,
    DecisionForm,
    EligibilityForm,
    ManualCandidateForm,
    NominateForm,
    NominationFilterForm,
    NominationForm,
    ReasonForm,
    RegisterFilterForm,
    RevokeForm,
    TransitionForm,
    candidate_ids,
)
from .models import Award, Decision, Nomination, NominationItem

CHANGE_NOMINATION = "awards.change_nomination"
ADD_NOMINATION = "awards.add_nomination"
ADD_DECISION = "awards.add_decision"
CHANGE_AWARD = "awards.change_award"
READ = ("GET", "HEAD")
POST = ("POST",)
FORM = ("GET", "HEAD", "POST")

#: Transitions that ask for a comment (or reason) on a confirmation page.
NEEDS_COMMENT = {"return", "reject"}


def _refuse(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    return None


def _paginate(request: HttpRequest, rows: Any) -> Page:
    return Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _error(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error) or _("You may not do this."))


def _nomination_or_404(request: HttpRequest, nomination_id: int) -> Nomination:
    try:
        return selectors.nomination_for_page(request.user, nomination_id)
    except Nomination.DoesNotExist:
        raise Http404 from None


def _item_or_404(
    request: HttpRequest, nomination: Nomination, item_id: int
) -> NominationItem:
    try:
        return selectors.item_for_user(request.user, nomination, item_id)
    except NominationItem.DoesNotExist:
        raise Http404 from None


def _decision_or_404(request: HttpRequest, decision_id: int) -> Decision:
    try:
        return selectors.decision_for_page(request.user, decision_id)
    except Decision.DoesNotExist:
        raise Http404 from None


def _award_or_404(request: HttpRequest, award_id: int) -> Award:
    try:
        return selectors.award_for_page(request.user, award_id)
    except Award.DoesNotExist:
        raise Http404 from None


def _proposer_context(user: Any, chosen: Any) -> dict[str, Any]:
    """What a list that nominates needs: the organizations to filter by or
    propose from, the one chosen, and whether the user may nominate."""
    return {
        "organizations": _organization_options(user, chosen),
        "chosen_org_id": chosen.pk if chosen else None,
        "proposer_id": chosen.pk if chosen else user.scope_id,
        "can_nominate": user.has_perm(ADD_NOMINATION),
    }


def _organization_options(user: Any, *chosen: Any) -> list[tuple[int, str]]:
    """The organizations a select offers (filter and proposer alike), read
    once and rendered without a form field per option: the levels from the
    top of the scope that fit in the select (a nation has 100,000
    organizations), and the chosen ones."""
    options = committee_selectors.organization_options(
        selectors.proposer_choices(user).only("pk", "name", "code", "depth", "path")
    )
    shown = {o.pk for o in options}
    options += [o for o in chosen if o is not None and o.pk not in shown]
    return [(o.pk, f"{o.name} ({o.code})") for o in options]


# ---------------------------------------------------------------- eligibility


@require_safe
@staff_required()
def eligibility(request: HttpRequest) -> HttpResponse:
    """Choose a kind and a period: the candidates with their evidence, to
    tick and nominate in one click."""
    form = EligibilityForm(request.GET or None, user=request.user)
    candidates = None
    kind = period = None
    if form.is_valid():
        kind, period = form.cleaned_data["kind"], form.cleaned_data["period"]
        candidates = selectors.eligible_candidates(
            request.user, kind=kind, period=period, within=form.cleaned_data["org"]
        )
    chosen = form.cleaned_data.get("org") if form.is_valid() else None
    return render(
        request,
        "awards/eligibility.html",
        {
            "form": form,
            "kind": kind,
            "period": period,
            "candidates": candidates,
            "nominate_form": NominateForm(user=request.user),
            **_proposer_context(request.user, chosen),
            "tab": "eligibility",
        },
    )


@staff_required(ADD_NOMINATION, CHANGE_NOMINATION)
@require_POST
def nominate_selected(request: HttpRequest) -> HttpResponse:
    form = NominateForm(request.POST, user=request.user)
    member_ids, organization_ids = candidate_ids(request.POST.getlist("candidate"))
    back = reverse("awards:eligibility")
    if form.is_valid():
        data = form.cleaned_data
        back += f"?kind={data['kind'].pk}&period={data['period'].pk}"
        try:
            nomination = services.nominate(
                acting_user=request.user,
                kind=data["kind"],
                period=data["period"],
                proposer=data["proposer"],
                member_ids=member_ids,
                organization_ids=organization_ids,
            )
        except (ValidationError, PermissionDenied) as error:
            _error(request, error)
        else:
            count = len(member_ids) + len(organization_ids)
            messages.success(
                request,
                ngettext(
                    "Draft nomination made with %(n)s candidate: check it, then "
                    "submit it.",
                    "Draft nomination made with %(n)s candidates: check it, then "
                    "submit it.",
                    count,
                )
                % {"n": count},
            )
            return redirect(nomination)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(back)


# ---------------------------------------------------------------- nominations


@require_safe
@staff_required()
def nomination_list(request: HttpRequest) -> HttpResponse:
    form = NominationFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("sort", "-created")
    nominations = selectors.nomination_list(
        request.user,
        status=filters.get("status", ""),
        kind=filters.get("kind"),
        period=filters.get("period"),
        awaiting_me=filters.get("awaiting", False),
        sort=sort,
    )
    return render(
        request,
        "awards/nomination_list.html",
        {
            "form": form,
            "page_obj": _paginate(request, nominations),
            "sort": sort,
            "filtered": any(filters.values()),
            "tab": "nominations",
        },
    )


@staff_required(ADD_NOMINATION)
def nomination_create(request: HttpRequest) -> HttpResponse:
    form = NominationForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            nomination = services.create_nomination(
                acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Draft nomination made: add its candidates."))
            return redirect(nomination)
    return render(
        request,
        "awards/form.html",
        {
            "form": form,
            "title": _("New nomination"),
            "subtitle": _(
                "For candidates added by hand with a justification; to choose "
                "from a computed list, start from the eligibility page."
            ),
            "cancel_url": reverse("awards:nomination_list"),
            "tab": "nominations",
        },
    )


@staff_required()
def nomination_detail(request: HttpRequest, nomination_id: int) -> HttpResponse:
    nomination = _nomination_or_404(request, nomination_id)
    if refused := _refuse(request, READ):
        return refused
    return _detail_page(request, nomination)


def _detail_page(
    request: HttpRequest, nomination: Nomination, manual_form: Any = None
) -> HttpResponse:
    actions = services.available_actions(request.user, nomination)
    items = list(nomination.items.all())
    if manual_form is None and nomination.is_editable and "submit" in actions:
        manual_form = ManualCandidateForm(user=request.user, nomination=nomination)
    chain = selectors.review_chain(nomination.kind, nomination.proposer)
    return render(
        request,
        "awards/nomination_detail.html",
        {
            "nomination": nomination,
            "items": items,
            "events": list(nomination.events.all()),
            "actions": actions,
            "chain": chain,
            "manual_form": manual_form,
            "pending": sum(1 for i in items if i.status == "pending"),
            "tab": "nominations",
        },
    )


@staff_required(CHANGE_NOMINATION)
def nomination_transition(request: HttpRequest, nomination_id: int) -> HttpResponse:
    """A step of the way: POST ``action`` (and ``comment``); GET with
    ``?action=return|reject|delete`` shows the confirmation page first."""
    nomination = _nomination_or_404(request, nomination_id)
    if refused := _refuse(request, FORM):
        return refused
    form = TransitionForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect(nomination)
    action = form.cleaned_data["action"]
    comment = form.cleaned_data["comment"].strip()
    if request.method != "POST" or (action in NEEDS_COMMENT and not comment):
        if request.method == "POST":
            form.add_error("comment", _("This field is required."))
        return render(
            request,
            "awards/confirm_transition.html",
            {"nomination": nomination, "action": action, "form": form},
        )
    try:
        if action == "delete":
            services.delete_nomination(acting_user=request.user, nomination=nomination)
            messages.success(request, _("The draft nomination is deleted."))
            return redirect("awards:nomination_list")
        service = services.TRANSITIONS[action]
        extra: dict[str, str] = {}
        if action in ("forward", "approve", "return"):
            extra["comment"] = comment
        if action == "reject":
            extra["reason"] = comment
        service(acting_user=request.user, nomination=nomination, **extra)
    except (ValidationError, PermissionDenied) as error:
        _error(request, error)
    else:
        messages.success(request, TRANSITION_DONE[action])
    return redirect(nomination)


TRANSITION_DONE = {
    "submit": _("The nomination is submitted."),
    "forward": _("The nomination is forwarded to the next level."),
    "return": _("The nomination is returned with your comments."),
    "approve": _("The nomination is approved."),
    "reject": _("The nomination is rejected."),
}


@staff_required(CHANGE_NOMINATION)
def item_add(request: HttpRequest, nomination_id: int) -> HttpResponse:
    nomination = _nomination_or_404(request, nomination_id)
    if refused := _refuse(request, POST):
        return refused
    form = ManualCandidateForm(request.POST, user=request.user, nomination=nomination)
    if form.is_valid():
        subject = form.cleaned_data["identifier"]
        key = "member" if isinstance(subject, Member) else "organization"
        try:
            services.add_manual_candidate(
                acting_user=request.user,
                nomination=nomination,
                justification=form.cleaned_data["justification"],
                **{key: subject},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s is added.") % {"name": subject})
            return redirect(nomination)
    nomination = _nomination_or_404(request, nomination_id)
    return _detail_page(request, nomination, manual_form=form)


@staff_required(CHANGE_NOMINATION)
def item_remove(request: HttpRequest, nomination_id: int, item_id: int) -> HttpResponse:
    nomination = _nomination_or_404(request, nomination_id)
    item = _item_or_404(request, nomination, item_id)
    if refused := _refuse(request, POST):
        return refused
    try:
        services.remove_candidate(acting_user=request.user, item=item)
    except (ValidationError, PermissionDenied) as error:
        _error(request, error)
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": item})
    return redirect(nomination)


@staff_required(CHANGE_NOMINATION)
def item_reject(request: HttpRequest, nomination_id: int, item_id: int) -> HttpResponse:
    """Leave one candidate out, with a reason (confirmation page first)."""
    nomination = _nomination_or_404(request, nomination_id)
    item = _item_or_404(request, nomination, item_id)
    if refused := _refuse(request, FORM):
        return refused
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_candidate(
                acting_user=request.user, item=item, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            _error(request, error)
            return redirect(nomination)
        else:
            messages.success(request, _("%(name)s is rejected.") % {"name": item})
            return redirect(nomination)
    return render(
        request,
        "awards/form.html",
        {
            "form": form,
            "title": _("Reject %(name)s") % {"name": item},
            "subtitle": str(nomination),
            "cancel_url": nomination.get_absolute_url(),
            "submit_label": _("Reject this candidate"),
            "danger": True,
            "tab": "nominations",
        },
    )


@staff_required(CHANGE_NOMINATION)
def item_restore(
    request: HttpRequest, nomination_id: int, item_id: int
) -> HttpResponse:
    nomination = _nomination_or_404(request, nomination_id)
    item = _item_or_404(request, nomination, item_id)
    if refused := _refuse(request, POST):
        return refused
    try:
        services.restore_candidate(acting_user=request.user, item=item)
    except (ValidationError, PermissionDenied) as error:
        _error(request, error)
    return redirect(nomination)


# ---------------------------------------------------------------- decisions


@require_safe
@staff_required()
def decision_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "awards/decision_list.html",
        {
            "page_obj": _paginate(request, selectors.decision_list(request.user)),
            "waiting": selectors.issuable_nominations(request.user).count(),
            "tab": "decisions",
        },
    )


@staff_required(ADD_DECISION)
def decision_create(request: HttpRequest) -> HttpResponse:
    """Issue a decision conferring approved nominations of one issuer."""
    issuable = selectors.issuable_nominations(request.user)
    issuers = list(
        Organization.objects.filter(
            pk__in=issuable.values("kind__granting_organization")
        ).order_by("path")
    )
    issuer = _chosen_issuer(request, issuers)
    if issuer is None:
        return render(
            request,
            "awards/decision_form.html",
            {"issuer": None, "issuers": [], "tab": "decisions"},
        )
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        issuer=issuer,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.issue_decision(
                acting_user=request.user,
                issuer=issuer,
                nominations=data["nominations"],
                signer=data["signer"],
                signed_on=data["signed_on"],
                number=data["number"],
                title=data["title"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Decision %(number)s is issued: %(n)s awards.")
                % {"number": decision, "n": decision.awards.count()},
            )
            return redirect(decision)
    return render(
        request,
        "awards/decision_form.html",
        {
            "form": form,
            "issuer": issuer,
            "issuers": issuers,
            "next_number": selectors.decision_number_preview(
                issuer, timezone.localdate()
            ),
            "tab": "decisions",
        },
    )


def _chosen_issuer(request: HttpRequest, issuers: list) -> Organization | None:
    wanted = request.GET.get("issuer") or request.POST.get("issuer")
    for issuer in issuers:
        if str(issuer.pk) == wanted:
            return issuer
    for issuer in issuers:  # the user's own organization first
        if issuer.pk == request.user.scope_id:
            return issuer
    return issuers[0] if issuers else None


@staff_required()
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = _decision_or_404(request, decision_id)
    if refused := _refuse(request, READ):
        return refused
    return render(
        request,
        "awards/decision_detail.html",
        {
            "decision": decision,
            "page_obj": _paginate(request, selectors.decision_annex(decision)),
            "history": selectors.history_rows(decision),
            "tab": "decisions",
        },
    )


# ---------------------------------------------------------------- register


@require_safe
@staff_required()
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("sort", "-date")
    awards = selectors.award_register(
        request.user,
        q=filters.get("q", ""),
        period=filters.get("period"),
        kind=filters.get("kind"),
        recipient_type=filters.get("recipient_type", ""),
        organization=filters.get("org"),
        revoked=filters.get("revoked", ""),
        sort=sort,
    )
    return render(
        request,
        "awards/register.html",
        {
            "form": form,
            "page_obj": _paginate(request, awards),
            "sort": sort,
            "filtered": any(filters.values()),
            "org_options": _register_options(request.user, filters.get("org")),
            "chosen_org": filters.get("org"),
            "tab": "register",
        },
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def _register_options(user: Any, chosen: Any) -> list[Any]:
    """The register's organization filter: the levels that fit, and the
    chosen one."""
    options = committee_selectors.organization_options(
        selectors.register_organizations(user)
    )
    if chosen is not None and all(o.pk != chosen.pk for o in options):
        options.append(chosen)
    return options


@staff_required()
def award_detail(request: HttpRequest, award_id: int) -> HttpResponse:
    award = _award_or_404(request, award_id)
    if refused := _refuse(request, READ):
        return refused
    return render(
        request,
        "awards/award_detail.html",
        {
            "award": award,
            "history": selectors.history_rows(award),
            "can_revoke": (
                not award.is_revoked
                and request.user.has_perm(CHANGE_AWARD)
                and is_in_scope(request.user, award.decision.issuer.path)
            ),
            "tab": "register",
        },
    )


@staff_required(CHANGE_AWARD)
def award_revoke(request: HttpRequest, award_id: int) -> HttpResponse:
    award = _award_or_404(request, award_id)
    if refused := _refuse(request, FORM):
        return refused
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_award(
                acting_user=request.user,
                award=award,
                reason=form.cleaned_data["reason"],
                revoked_at=form.cleaned_data["revoked_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The award is revoked."))
            return redirect(award)
    return render(
        request,
        "awards/form.html",
        {
            "form": form,
            "title": _("Revoke: %(award)s") % {"award": award},
            "subtitle": _(
                "The register keeps the award, marked revoked with this date "
                "and reason."
            ),
            "cancel_url": award.get_absolute_url(),
            "submit_label": _("Revoke the award"),
            "danger": True,
            "tab": "register",
        },
    )


# ---------------------------------------------------------------- badges


@require_safe
@staff_required()
def badges(request: HttpRequest) -> HttpResponse:
    """Members due each badge on a national occasion, to nominate in bulk."""
    today = timezone.localdate()
    upcoming = next(
        (d for d in selectors.occasion_dates(today.year) if d >= today),
        selectors.occasion_dates(today.year + 1)[0],
    )
    data = request.GET.copy() if request.GET else {}
    data.setdefault("year", str(upcoming.year))
    data.setdefault("occasion", upcoming.strftime("%m-%d"))
    form = BadgeForm(data, user=request.user)
    rows = None
    occasion = None
    page_obj = None
    if form.is_valid():
        occasion = form.occasion_date()
        # Badges reached before the previous occasion were due then.
        since = None
        if not form.cleaned_data["overdue"]:
            since = selectors.previous_occasion(occasion)
        # A page at a time: a province has thousands due on an occasion.
        number = _page_number(request)
        found = selectors.badges_due_page(
            request.user,
            occasion=occasion,
            since=since,
            within=form.cleaned_data["org"],
            page=number,
            per_page=settings.PAGE_SIZE,
        )
        rows = found.rows
        page_obj = pagination.known_page(
            rows, total=found.total, number=number, per_page=settings.PAGE_SIZE
        )
    groups: dict[int, list] = {}
    for row in rows or []:
        groups.setdefault(row.badge_years, []).append(row)
    chosen = form.cleaned_data.get("org") if form.is_valid() else None
    return render(
        request,
        "awards/badges.html",
        {
            "form": form,
            "occasion": occasion,
            "rows": rows,
            "total": found.total if rows is not None else 0,
            "page_obj": page_obj,
            "groups": sorted(groups.items(), reverse=True),
            # members due each badge over all pages (a page shows part)
            "group_counts": found.by_years if rows is not None else {},
            "nominate_form": BadgeNominateForm(user=request.user),
            **_proposer_context(request.user, chosen),
            "tab": "badges",
        },
    )


@staff_required(ADD_NOMINATION, CHANGE_NOMINATION)
@require_POST
def badges_nominate(request: HttpRequest) -> HttpResponse:
    form = BadgeNominateForm(request.POST, user=request.user)
    member_ids, _orgs = candidate_ids(request.POST.getlist("candidate"))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("awards:badges")
    occasion = form.cleaned_data["occasion_on"]
    back = reverse("awards:badges") + f"?year={occasion.year}&occasion={occasion:%m-%d}"
    try:
        nominations = services.nominate_badges(
            acting_user=request.user,
            proposer=form.cleaned_data["proposer"],
            occasion_on=occasion,
            member_ids=member_ids,
        )
    except (ValidationError, PermissionDenied) as error:
        _error(request, error)
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(n)s draft nomination made: check it and submit it.",
            "%(n)s draft nominations made (one per badge): check and submit them.",
            len(nominations),
        )
        % {"n": len(nominations)},
    )
    if len(nominations) == 1:
        return redirect(nominations[0])
    return redirect(reverse("awards:nomination_list") + "?status=draft")


@require_safe
@staff_required()
def index(request: HttpRequest) -> HttpResponse:
    return redirect("awards:nomination_list")
