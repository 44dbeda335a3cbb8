"""Staff pages of restructuring and of the tree as of a date.

Each restructuring is a form, then a preview of what it would do (nothing
written), then a confirmation: the confirmation computes the preview again
and runs only if its figures are those the user saw (else the new preview
is shown). The form's values travel as hidden fields, so a page reload
cannot run anything twice without a new POST.

Changing pages need the Organization board's ``change_organization``
permission (a Viewer gets 403, on GET too); an organization outside the
scope answers 404 to any method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from portal.access import get_visible_or_404, is_in_scope, staff_required

from . import restructuring, restructuring_selectors
from .forms import add_service_errors
from .models import (
    MEMBER_HOLDING_KINDS,
    RATING_UNIT_KINDS,
    Organization,
    Restructuring,
    RestructuringKind,
)
from .restructuring_forms import (
    AsOfForm,
    ChangeKindForm,
    DissolveForm,
    MergeForm,
    MoveForm,
    RenameForm,
    RestructuringFilterForm,
    RestructuringForm,
    SplitForm,
)

FORM = ("GET", "HEAD", "POST")


@dataclass(frozen=True)
class Operation:
    form: type[RestructuringForm]
    preview: Callable[..., restructuring.Preview]
    run: Callable[..., Restructuring]
    title: Any
    submit: Any


OPERATIONS: dict[str, Operation] = {
    RestructuringKind.MERGE: Operation(
        MergeForm,
        restructuring.preview_merge,
        restructuring.merge_organizations,
        gettext_lazy("Merge %(name)s"),
        gettext_lazy("Merge"),
    ),
    RestructuringKind.SPLIT: Operation(
        SplitForm,
        restructuring.preview_split,
        restructuring.split_organization,
        gettext_lazy("Split %(name)s"),
        gettext_lazy("Split"),
    ),
    RestructuringKind.DISSOLVE: Operation(
        DissolveForm,
        restructuring.preview_dissolve,
        restructuring.dissolve_organization,
        gettext_lazy("Dissolve %(name)s"),
        gettext_lazy("Dissolve"),
    ),
    RestructuringKind.MOVE: Operation(
        MoveForm,
        restructuring.preview_move,
        restructuring.move_organization,
        gettext_lazy("Move %(name)s"),
        gettext_lazy("Move"),
    ),
    RestructuringKind.RENAME: Operation(
        RenameForm,
        restructuring.preview_rename,
        restructuring.rename_organization,
        gettext_lazy("Rename %(name)s"),
        gettext_lazy("Rename"),
    ),
    RestructuringKind.CHANGE_KIND: Operation(
        ChangeKindForm,
        restructuring.preview_change_kind,
        restructuring.change_organization_kind,
        gettext_lazy("Change the kind of %(name)s"),
        gettext_lazy("Change the kind"),
    ),
}


def _operation_page(request: HttpRequest, org_id: int, kind: str) -> HttpResponse:
    organization = get_visible_or_404(Organization, request.user, pk=org_id)
    if request.method not in FORM:
        return HttpResponseNotAllowed(FORM)
    if not organization.is_active:
        messages.error(
            request, _("%(name)s is no longer active.") % {"name": organization}
        )
        return redirect(organization)
    operation = OPERATIONS[kind]
    posted = request.method == "POST"
    form = operation.form(
        request.POST if posted else None,
        organization=organization,
        user=request.user,
    )
    preview = None
    if posted and "edit" not in request.POST and form.is_valid():
        arguments = form.service_kwargs()
        try:
            preview = operation.preview(acting_user=request.user, **arguments)
            if "confirm" in request.POST:
                if request.POST.get("digest") == preview.digest():
                    result = operation.run(acting_user=request.user, **arguments)
                    messages.success(
                        request,
                        _("%(restructuring)s was recorded.")
                        % {"restructuring": result},
                    )
                    return redirect(result)
                messages.warning(
                    request,
                    _(
                        "The figures changed since the preview was shown: check "
                        "them again before confirming."
                    ),
                )
        except ValidationError as error:
            preview = None
            add_service_errors(form, error)
        except PermissionDenied:
            preview = None
            form.add_error(
                None,
                _(
                    "This touches an organization outside your scope: ask the "
                    "staff of a superior organization."
                ),
            )
    context = {
        "title": operation.title % {"name": organization},
        "organization": organization,
        "form": form,
        "kind": kind,
        "submit_label": operation.submit,
        "cancel_url": organization.get_absolute_url(),
    }
    if preview is not None:
        context.update({"preview": preview, "digest": preview.digest()})
        return render(request, "committees/restructuring/preview.html", context)
    return render(request, "committees/restructuring/form.html", context)


def _operation_view(kind: str) -> Callable:
    @staff_required("committees.change_organization")
    def view(request: HttpRequest, org_id: int) -> HttpResponse:
        return _operation_page(request, org_id, kind)

    view.__name__ = f"organization_{kind}"
    view.__doc__ = f"The {kind} page of an organization: form, preview, confirm."
    return view


organization_merge = _operation_view(RestructuringKind.MERGE)
organization_split = _operation_view(RestructuringKind.SPLIT)
organization_dissolve = _operation_view(RestructuringKind.DISSOLVE)
organization_move = _operation_view(RestructuringKind.MOVE)
organization_rename = _operation_view(RestructuringKind.RENAME)
organization_change_kind = _operation_view(RestructuringKind.CHANGE_KIND)


# ---------------------------------------------------------------- the list


@staff_required()
@require_safe
def restructuring_list(request: HttpRequest) -> HttpResponse:
    form = RestructuringFilterForm(request.GET)
    form.is_valid()
    filters = form.cleaned_data
    items = restructuring_selectors.restructuring_list(
        request.user, kind=filters.get("kind") or "", q=filters.get("q") or ""
    )
    page_obj = Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    _mark_links(request, page_obj)
    return render(
        request,
        "committees/restructuring/list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "filtered": bool(filters.get("kind") or filters.get("q")),
        },
    )


#: Kinds whose headline is the organization that changed, not its parents.
SUBJECT_KINDS = (
    RestructuringKind.MOVE,
    RestructuringKind.RENAME,
    RestructuringKind.CHANGE_KIND,
)


def _mark_links(request: HttpRequest, restructurings: Any) -> None:
    """Each organization link knows whether the user may follow it; each
    restructuring has its headline: what ended or changed → what received."""
    for item in restructurings:
        links = list(item.links.all())
        for link in links:
            link.in_scope = is_in_scope(request.user, link.organization.path)
        if item.kind in SUBJECT_KINDS:
            item.headline_links = [link for link in links if link.role == "moved"]
            if item.kind == RestructuringKind.MOVE:
                item.headline_links += [x for x in links if x.role == "target"]
        else:
            item.headline_links = [link for link in links if link.role == "source"]
            item.headline_links += [link for link in links if link.role == "target"]


@staff_required()
def restructuring_detail(request: HttpRequest, restructuring_id: int) -> HttpResponse:
    try:
        item = restructuring_selectors.restructuring_for_page(
            request.user, restructuring_id
        )
    except Restructuring.DoesNotExist as exc:
        raise Http404 from exc
    if request.method not in ("GET", "HEAD"):  # after the lookup: 404 first
        return HttpResponseNotAllowed(("GET", "HEAD"))
    _mark_links(request, [item])
    by_role: dict[str, list[Any]] = {}
    for link in item.links.all():
        by_role.setdefault(link.role, []).append(link)
    return render(
        request,
        "committees/restructuring/detail.html",
        {
            "item": item,
            "by_role": [
                (role, by_role[role])
                for role in ("source", "target", "moved")
                if role in by_role
            ],
            "summary": restructuring_selectors.summary_rows(item),
            "day_before": date.fromordinal(item.effective_on.toordinal() - 1),
        },
    )


# ---------------------------------------------------------------- as of a date


def as_of(request: HttpRequest) -> tuple[AsOfForm, date | None]:
    """The ``?on=`` of a tree or organization page (a bad date is said)."""
    form = AsOfForm(request.GET)
    day = form.day()
    if request.GET.get("on") and day is None:
        messages.error(
            request,
            _("“%(date)s” is not a date: write it dd/mm/yyyy.")
            % {"date": request.GET["on"][:20]},
        )
    if day is not None:  # shown back as typed dates are: dd/mm/yyyy
        form = AsOfForm(initial={"on": day})
    return form, day


def organization_tree_on(
    request: HttpRequest, form: AsOfForm, day: date
) -> HttpResponse:
    """The tree page as of ``day`` (called by ``views.organization_tree``):
    the top organizations and the level below them; deeper levels are
    fetched when opened (``organization_children_on``)."""
    dated = restructuring_selectors.dated_top(request.user, day)
    return render(
        request,
        "committees/organization_tree_on.html",
        {"dated": dated, "day": day, "as_of_form": form},
    )


def organization_children_on(
    request: HttpRequest, organization: Organization, day: date
) -> HttpResponse:
    """The htmx partial: the organizations below one as of ``day``
    (called by ``views.organization_children``)."""
    nodes = restructuring_selectors.dated_children(request.user, day, organization)
    return render(
        request, "committees/_dated_nodes.html", {"nodes": nodes, "expand": False}
    )


def organization_detail_on(
    request: HttpRequest, organization: Organization, form: AsOfForm, day: date
) -> HttpResponse:
    """An organization as it stood on ``day`` (``views.organization_detail``)."""
    node, chain = restructuring_selectors.dated_organization(
        request.user, day, organization
    )
    context = {
        "organization": organization,
        "node": node,
        "day": day,
        "as_of_form": form,
        "chain": chain,
        "committee": list(restructuring_selectors.positions_on(organization, day))
        if node is not None and node.is_active
        else [],
        "is_unit": organization.kind in RATING_UNIT_KINDS,
        "is_cell": organization.kind in MEMBER_HOLDING_KINDS,
    }
    return render(request, "committees/organization_detail_on.html", context)
