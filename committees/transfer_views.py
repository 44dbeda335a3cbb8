"""Staff pages of member transfers and moves within a scope.

- the transfer list (incoming, outgoing, overdue tabs) and a transfer's page
  are read pages; a transfer is seen by both of its sides (404 to anybody
  else), and the receiving side sees the member only on the transfer page
  while it is pending (see ``committees.transfer_selectors``);
- issuing a transfer and moving a member start from the member page;
  accepting and returning are for the receiving side (404 to others),
  cancelling for the sending side. Each changing page needs
  ``committees.change_member`` (the Organization board): a Viewer gets 403,
  on GET too.

Moving a member and accepting an official transfer show what will happen
(the positions that end) and run only when confirmed with the same figures.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from portal.access import get_visible_or_404, staff_required

from . import transfer_selectors, transfers
from .forms import add_service_errors
from .models import Member, Transfer, TransferKind
from .transfer_forms import (
    AcceptTransferForm,
    IssueTransferForm,
    MoveMemberForm,
    ReasonForm,
    TransferFilterForm,
)

READ = ("GET", "HEAD")
FORM = ("GET", "HEAD", "POST")

OUTSIDE_SCOPE = gettext_lazy(
    "This touches an organization outside your scope: ask the staff of a "
    "superior organization."
)


def _refuse(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    return None


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_visible_or_404(
        Member.objects.select_related("organization"), request.user, pk=member_id
    )


def _lookup(getter: Any, request: HttpRequest, transfer_id: int) -> Transfer:
    try:
        return getter(request.user, transfer_id)
    except Transfer.DoesNotExist as exc:
        raise Http404 from exc


def _not_pending(request: HttpRequest, transfer: Transfer) -> HttpResponse | None:
    if transfer.is_pending:
        return None
    messages.info(
        request,
        _("This transfer is no longer awaiting acceptance (%(status)s).")
        % {"status": transfer.get_status_display()},
    )
    return redirect(transfer)


# ---------------------------------------------------------------- read pages


@staff_required()
@require_safe
def transfer_list(request: HttpRequest) -> HttpResponse:
    form = TransferFilterForm(request.GET)
    form.is_valid()  # invalid filters are left out
    filters = form.cleaned_data
    tab = filters.get("tab") or "incoming"
    today = timezone.localdate()
    items = transfer_selectors.transfer_list(
        request.user,
        tab=tab,
        status=filters.get("status") or "",
        kind=filters.get("kind") or "",
        q=filters.get("q") or "",
        today=today,
    )
    page_obj = Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "committees/transfers/list.html",
        {
            "form": form,
            "tab": tab,
            "tabs": [
                ("incoming", _("Incoming")),
                ("outgoing", _("Outgoing")),
                ("overdue", _("Overdue")),
            ],
            "counts": transfer_selectors.tab_counts(request.user, today),
            "page_obj": page_obj,
            "today": today,
            "filtered": any(filters.get(k) for k in ("status", "kind", "q")),
        },
    )


@staff_required()
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _lookup(transfer_selectors.transfer_for_page, request, transfer_id)
    if refused := _refuse(request, READ):
        return refused
    today = timezone.localdate()
    return render(
        request,
        "committees/transfers/detail.html",
        {
            "transfer": transfer,
            "member": transfer.member,
            "flags": transfer_selectors.page_flags(request.user, transfer),
            "overdue": transfer.is_overdue(today),
            "days_overdue": (today - transfer.due_on).days if transfer.due_on else 0,
            "history": transfer_selectors.transfer_history(transfer),
        },
    )


@staff_required("committees.change_member")
def transfer_destinations(request: HttpRequest) -> HttpResponse:
    """htmx: the <option>s of the destination list for a code or name."""
    if refused := _refuse(request, READ):
        return refused
    text = request.GET.get("q") or request.GET.get("to") or ""
    return render(
        request,
        "committees/transfers/_destination_options.html",
        {"organizations": transfer_selectors.destination_search(text)},
    )


# ---------------------------------------------------------------- from the member page


@staff_required("committees.change_member")
def member_transfer(request: HttpRequest, member_id: int) -> HttpResponse:
    """Issue an official or temporary transfer letter for the member."""
    member = _member(request, member_id)
    if refused := _refuse(request, FORM):
        return refused
    context: dict[str, Any] = {
        "title": _("Transfer %(name)s") % {"name": member},
        "member": member,
        "cancel_url": member.get_absolute_url(),
        "destinations_url": reverse("committees:transfer_destinations"),
    }
    pending = transfer_selectors.pending_transfer(member)
    if pending is not None or not member.is_active:
        context["blocked"] = (
            _("%(name)s is already in transfer to %(organization)s.")
            % {"name": member, "organization": pending.to_organization}
            if pending is not None
            else _("Only an active party member can be transferred.")
        )
        context["pending"] = pending
        return render(request, "committees/transfers/issue.html", context)
    issuer = transfers.letter_issuer(member)
    form = IssueTransferForm(
        request.POST if request.method == "POST" else None,
        next_serial=transfers.next_letter_serial(issuer, timezone.localdate().year),
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfer = transfers.issue_transfer(
                acting_user=request.user, member=member, **form.service_kwargs()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            form.add_error(None, OUTSIDE_SCOPE)
        else:
            messages.success(
                request,
                _("The transfer of %(name)s to %(organization)s was issued.")
                % {"name": member, "organization": transfer.to_organization},
            )
            return redirect(transfer)
    context.update({"form": form, "issuer": issuer})
    return render(request, "committees/transfers/issue.html", context)


@staff_required("committees.change_member")
def member_move(request: HttpRequest, member_id: int) -> HttpResponse:
    """Move the member to another cell of the scope: form, preview, confirm."""
    member = _member(request, member_id)
    if refused := _refuse(request, FORM):
        return refused
    posted = request.method == "POST"
    form = MoveMemberForm(
        request.POST if posted else None, member=member, user=request.user
    )
    context: dict[str, Any] = {
        "title": _("Move %(name)s within your scope") % {"name": member},
        "member": member,
        "form": form,
        "cancel_url": member.get_absolute_url(),
    }
    if posted and "edit" not in request.POST and form.is_valid():
        arguments = {"member": member, **form.cleaned_data}
        try:
            plan = transfers.preview_move_member(acting_user=request.user, **arguments)
            if (
                "confirm" in request.POST
                and request.POST.get("digest") == plan.digest()
            ):
                transfers.move_member(acting_user=request.user, **arguments)
                messages.success(
                    request,
                    _("%(name)s now belongs to %(organization)s.")
                    % {"name": member, "organization": plan.to},
                )
                return redirect(member)
            if "confirm" in request.POST:
                messages.warning(
                    request,
                    _(
                        "The positions changed since the preview was shown: "
                        "check again."
                    ),
                )
            context.update({"plan": plan, "digest": plan.digest()})
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            form.add_error(None, OUTSIDE_SCOPE)
    return render(request, "committees/transfers/move.html", context)


# ---------------------------------------------------------------- decisions


@staff_required("committees.change_member")
def transfer_accept(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """The receiving side accepts: what happens is shown, then confirmed."""
    transfer = _lookup(transfer_selectors.receiving_transfer, request, transfer_id)
    if refused := _refuse(request, FORM):
        return refused
    if done := _not_pending(request, transfer):
        return done
    posted = request.method == "POST"
    temporary = transfer.kind == TransferKind.TEMPORARY
    form = AcceptTransferForm(request.POST if posted else None, temporary=temporary)
    context: dict[str, Any] = {
        "title": _("Accept the transfer of %(name)s") % {"name": transfer.member},
        "transfer": transfer,
        "member": transfer.member,
        "form": form,
        "cancel_url": transfer.get_absolute_url(),
        "temporary": temporary,
    }
    effective_on = timezone.localdate()
    if posted:
        if not form.is_valid():
            return render(request, "committees/transfers/accept.html", context)
        effective_on = form.cleaned_data.get("effective_on") or effective_on
    try:
        plan = transfers.preview_accept_transfer(
            acting_user=request.user, transfer=transfer, effective_on=effective_on
        )
        digest = plan.digest() if plan is not None else "temporary"
        if posted and request.POST.get("digest") == digest:
            transfers.accept_transfer(
                acting_user=request.user, transfer=transfer, effective_on=effective_on
            )
            messages.success(
                request,
                _("The transfer of %(name)s was accepted.") % {"name": transfer.member},
            )
            return redirect(transfer)
        if posted:
            messages.warning(
                request,
                _("Check what accepting on this date does, then confirm again."),
            )
        context.update({"plan": plan, "digest": digest})
    except ValidationError as error:
        add_service_errors(form, error)
        context["refused"] = True
    return render(request, "committees/transfers/accept.html", context)


def _decision_page(
    request: HttpRequest,
    transfer: Transfer,
    *,
    service: Any,
    title: str,
    question: str,
    submit: str,
    done: str,
) -> HttpResponse:
    if refused := _refuse(request, FORM):
        return refused
    if finished := _not_pending(request, transfer):
        return finished
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(
                acting_user=request.user,
                transfer=transfer,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(transfer)
    return render(
        request,
        "committees/transfers/decide.html",
        {
            "title": title,
            "question": question,
            "submit_label": submit,
            "transfer": transfer,
            "form": form,
            "cancel_url": transfer.get_absolute_url(),
        },
    )


@staff_required("committees.change_member")
def transfer_return(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _lookup(transfer_selectors.receiving_transfer, request, transfer_id)
    return _decision_page(
        request,
        transfer,
        service=transfers.return_transfer,
        title=_("Return the transfer of %(name)s") % {"name": transfer.member},
        question=_(
            "The member stays with %(organization)s; the sending side sees your reason."
        )
        % {"organization": transfer.from_organization},
        submit=_("Return the transfer"),
        done=_("The transfer was returned."),
    )


@staff_required("committees.change_member")
def transfer_cancel(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _lookup(transfer_selectors.sending_transfer, request, transfer_id)
    return _decision_page(
        request,
        transfer,
        service=transfers.cancel_transfer,
        title=_("Cancel the transfer of %(name)s") % {"name": transfer.member},
        question=_(
            "The letter is withdrawn; its number stays taken. The member stays "
            "with %(organization)s."
        )
        % {"organization": transfer.from_organization},
        submit=_("Cancel the transfer"),
        done=_("The transfer was cancelled."),
    )
