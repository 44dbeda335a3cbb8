"""Staff pages: organization tree, members, positions and ratings.

Each view checks the role (``staff_required``), looks its object up inside
the user's scope (404 outside it), then calls one selector or service. A
service's ValidationError goes back to the form or into a message; nothing
is half-saved because every service runs in one transaction.

Object pages look their object up before checking the method, so that an
object outside the scope answers 404 to any method; a read page answers 405
to a POST.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
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
from django.views.decorators.http import require_safe

from portal.access import get_visible_or_404, is_in_scope, staff_required

from . import (
    restructuring_selectors,
    restructuring_views,
    selectors,
    services,
    transfer_selectors,
)
from .forms import (
    BulkRatingForm,
    ChildOrganizationForm,
    EndPositionForm,
    InterruptionForm,
    MemberFilterForm,
    MemberForm,
    OrganizationForm,
    PositionEditForm,
    PositionForm,
    RatingForm,
    RecognizeOfficialForm,
    add_service_errors,
    member_label,
)
from .models import (
    MEMBER_HOLDING_KINDS,
    RATING_UNIT_KINDS,
    Grade,
    Interruption,
    Member,
    Organization,
    Position,
    Rating,
)
from .restructuring_forms import AsOfForm

READ = ("GET", "HEAD")
FORM = ("GET", "HEAD", "POST")


def _refuse(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    """405 for a method the page does not take (checked after the lookup)."""
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    return None


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _organization(request: HttpRequest, org_id: int) -> Organization:
    return get_visible_or_404(Organization, request.user, pk=org_id)


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_visible_or_404(
        Member.objects.select_related("organization"), request.user, pk=member_id
    )


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "committees/form.html", context)


# ---------------------------------------------------------------- organizations


@staff_required()
@require_safe
def organization_tree(request: HttpRequest) -> HttpResponse:
    as_of_form, day = restructuring_views.as_of(request)
    if day is not None:  # ?on=2025-01-14: the tree as it stood that day
        return restructuring_views.organization_tree_on(request, as_of_form, day)
    nodes = selectors.tree_roots(request.user)
    return render(
        request,
        "committees/organization_tree.html",
        {"nodes": nodes, "as_of_form": as_of_form},
    )


@staff_required()
def organization_children(request: HttpRequest, org_id: int) -> HttpResponse:
    """The htmx partial: the children of a node, each with its count."""
    organization = _organization(request, org_id)
    if refused := _refuse(request, READ):
        return refused
    day = AsOfForm(request.GET).day()
    if day is not None:  # the dated tree opening a level
        return restructuring_views.organization_children_on(request, organization, day)
    nodes = selectors.organization_children(request.user, organization)
    return render(request, "committees/_tree_nodes.html", {"nodes": nodes})


@staff_required()
def organization_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    user = request.user
    organization = get_visible_or_404(Organization, user, pk=org_id)
    if refused := _refuse(request, READ):
        return refused
    as_of_form, day = restructuring_views.as_of(request)
    if day is not None:  # ?on=2025-01-14: as it stood that day
        return restructuring_views.organization_detail_on(
            request, organization, as_of_form, day
        )
    children = selectors.children_with_counts(user, organization)
    ratings = selectors.with_lock_state(selectors.organization_ratings(organization))
    members = selectors.member_list(user, organization=organization, status="active")
    context = {
        "organization": organization,
        "breadcrumbs": selectors.visible_ancestors(user, organization),
        "committee": selectors.committee_by_body(organization),
        "children": children,
        "members": selectors.first_members(members, settings.PAGE_SIZE),
        "ratings": ratings,
        "history": selectors.history_rows(organization),
        "rating_year": timezone.localdate().year - 1,
        "is_unit": organization.kind in RATING_UNIT_KINDS,
        "is_cell": organization.kind in MEMBER_HOLDING_KINDS,
        # restructuring: what merged into it, and what touched it
        "lineage": restructuring_selectors.lineage(organization),
        "restructurings": restructuring_selectors.restructurings_of(organization)[:10],
        "as_of_form": as_of_form,
    }
    return render(request, "committees/organization_detail.html", context)


@staff_required("committees.change_organization")
def organization_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = _organization(request, org_id)
    if refused := _refuse(request, FORM):
        return refused
    # The form writes into its instance: keep the page's own copy intact.
    form = OrganizationForm(_data(request), instance=copy.copy(organization))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(
                acting_user=request.user,
                organization=organization,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The organization was saved."))
            return redirect(organization)
    return _form_page(
        request,
        {
            "title": _("Edit %(name)s") % {"name": organization},
            "form": form,
            "organization": organization,
            "cancel_url": organization.get_absolute_url(),
        },
    )


@staff_required("committees.add_organization")
def organization_add_child(request: HttpRequest, org_id: int) -> HttpResponse:
    parent = _organization(request, org_id)
    if refused := _refuse(request, FORM):
        return refused
    form = ChildOrganizationForm(_data(request), parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.create_organization(
                acting_user=request.user, parent=parent, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": child})
            return redirect(child)
    return _form_page(
        request,
        {
            "title": _("Add an organization under %(name)s") % {"name": parent},
            "form": form,
            "organization": parent,
            "cancel_url": parent.get_absolute_url(),
            "blocked": None
            if form.allowed_kinds
            else _("A %(kind)s cannot hold other organizations.")
            % {"kind": parent.get_kind_display()},
        },
    )


# ---------------------------------------------------------------- positions


@staff_required("committees.add_position")
def position_add(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = _organization(request, org_id)
    if refused := _refuse(request, FORM):
        return refused
    form = PositionForm(_data(request), user=request.user, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.appoint_position(
                acting_user=request.user,
                organization=organization,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The position was recorded."))
            return redirect(organization)
    return _form_page(
        request,
        {
            "title": _("Add a position in %(name)s") % {"name": organization},
            "form": form,
            "organization": organization,
            "cancel_url": organization.get_absolute_url(),
            "member_options_url": reverse(
                "committees:position_member_options", args=[organization.pk]
            ),
        },
    )


@staff_required("committees.add_position")
def position_member_options(request: HttpRequest, org_id: int) -> HttpResponse:
    """htmx: the <option>s of the position form's member select for a search."""
    organization = _organization(request, org_id)
    if refused := _refuse(request, READ):
        return refused
    members = selectors.position_member_choices(
        request.user, organization, request.GET.get("q", "").strip()
    )
    options = [(m.pk, member_label(m)) for m in members[:50]]
    return render(request, "committees/_member_options.html", {"options": options})


def _position(request: HttpRequest, position_id: int) -> Position:
    return get_visible_or_404(
        Position.objects.select_related("member__organization", "organization", "term"),
        request.user,
        pk=position_id,
    )


@staff_required("committees.change_position")
def position_edit(request: HttpRequest, position_id: int) -> HttpResponse:
    position = _position(request, position_id)
    if refused := _refuse(request, FORM):
        return refused
    form = PositionEditForm(_data(request), instance=copy.copy(position))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_position(
                acting_user=request.user, position=position, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The position was saved."))
            return redirect(position.organization)
    return _form_page(
        request,
        {
            "title": _("Edit the position of %(member)s") % {"member": position.member},
            "subtitle": position,
            "form": form,
            "organization": position.organization,
            "cancel_url": position.organization.get_absolute_url(),
        },
    )


@staff_required("committees.change_position")
def position_end(request: HttpRequest, position_id: int) -> HttpResponse:
    position = _position(request, position_id)
    if refused := _refuse(request, FORM):
        return refused
    form = EndPositionForm(_data(request), initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_position(
                acting_user=request.user,
                position=position,
                ended_on=form.cleaned_data["ended_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The position was ended."))
            return redirect(position.organization)
    return _form_page(
        request,
        {
            "title": _("End the position of %(member)s") % {"member": position.member},
            "subtitle": position,
            "form": form,
            "organization": position.organization,
            "cancel_url": position.organization.get_absolute_url(),
            "submit_label": _("End the position"),
        },
    )


@staff_required("committees.delete_position")
def position_delete(request: HttpRequest, position_id: int) -> HttpResponse:
    position = _position(request, position_id)
    if refused := _refuse(request, FORM):
        return refused
    if request.method == "POST":
        services.delete_position(acting_user=request.user, position=position)
        messages.success(request, _("The position was deleted."))
        return redirect(position.organization)
    return render(
        request,
        "committees/confirm_delete.html",
        {
            "title": _("Delete a position"),
            "question": _(
                "Delete “%(position)s”? Use this for a position entered by "
                "mistake; a position that ended should be ended instead, so "
                "that it stays in the record."
            )
            % {"position": position},
            "organization": position.organization,
            "cancel_url": position.organization.get_absolute_url(),
        },
    )


# ---------------------------------------------------------------- members


@staff_required()
@require_safe
def member_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = MemberFilterForm(request.GET)
    form.is_valid()  # invalid filters are left out and marked on the bar
    filters = form.cleaned_data
    chosen = None
    if filters.get("org"):
        chosen = get_visible_or_404(Organization, user, pk=filters["org"])
    sort = filters.get("sort") or "name"
    members = selectors.member_list(
        user,
        q=filters.get("q") or "",
        status=filters.get("status") or "",
        organization=chosen,
        admission_year=filters.get("admission_year"),
        sort=sort,
    )
    options = list(selectors.member_filter_organizations(user))
    top = min((o.depth for o in options), default=0)
    for option in options:
        option.indent = "\u00a0\u00a0" * (option.depth - top)
    total = selectors.member_total(
        user,
        members,
        q=filters.get("q") or "",
        status=filters.get("status") or "",
        organization=chosen,
        admission_year=filters.get("admission_year"),
    )
    page_obj = selectors.member_page(members, request.GET, sort=sort, count=total)
    transfer_selectors.mark_in_transfer(list(page_obj))  # "in transfer" badges
    context = {
        "form": form,
        "page_obj": page_obj,
        "sort": sort,
        "organizations": options,
        "chosen": chosen,
        # a cell (or any organization not in the select) shows as a chip
        "chosen_as_chip": chosen is not None
        and all(o.pk != chosen.pk for o in options),
        "admission_years": selectors.admission_years(user),
        "filtered": any(
            filters.get(k) for k in ("q", "status", "org", "admission_year")
        ),
    }
    return render(request, "committees/member_list.html", context)


@staff_required()
@require_safe
def members_due_official(request: HttpRequest) -> HttpResponse:
    members = selectors.members_due_official(request.user)
    return render(
        request,
        "committees/members_due_official.html",
        {"page_obj": _paginate(request, members)},
    )


@staff_required()
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    user = request.user
    try:
        member = selectors.member_for_page(user, member_id)
    except Member.DoesNotExist as exc:
        raise Http404 from exc
    if refused := _refuse(request, READ):
        return refused
    positions = list(member.positions.all())
    for position in positions:
        position.in_scope = is_in_scope(user, position.organization.path)
    ratings = selectors.with_lock_state(member.ratings.all())
    context = {
        "member": member,
        "breadcrumbs": [
            *selectors.visible_ancestors(user, member.organization),
            member.organization,
        ],
        "party_age": selectors.party_age(member),
        "interruptions": list(member.interruptions.all()),
        "current_positions": [p for p in positions if p.is_current],
        "past_positions": [p for p in positions if not p.is_current],
        "ratings": ratings,
        "history": selectors.member_history(member),
        "due_official": selectors.is_due_official(member),
        "interruption_form": InterruptionForm(),
        "rating_year": timezone.localdate().year - 1,
        "transfer_panel": transfer_selectors.member_panel(user, member),
    }
    return render(request, "committees/member_detail.html", context)


@staff_required("committees.add_member")
def member_add(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("org", "").isdigit():
        initial["organization"] = request.GET["org"]
    form = MemberForm(_data(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.create_member(
                acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": member})
            return redirect(member)
    return _form_page(
        request,
        {
            "title": _("Add a party member"),
            "form": form,
            "cancel_url": reverse("committees:member_list"),
        },
    )


@staff_required("committees.change_member")
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    if refused := _refuse(request, FORM):
        return refused
    form = MemberForm(
        _data(request), user=request.user, instance=copy.copy(member), with_reason=True
    )
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name != "reason"
        }
        try:
            if changes:
                services.update_member(
                    acting_user=request.user,
                    member=member,
                    reason=form.cleaned_data["reason"],
                    **changes,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changes:
                messages.success(request, _("The member was saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(member)
    return _form_page(
        request,
        {
            "title": _("Edit %(name)s") % {"name": member},
            "form": form,
            "member": member,
            "cancel_url": member.get_absolute_url(),
        },
    )


@staff_required("committees.change_member")
def member_recognize(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    if refused := _refuse(request, FORM):
        return refused
    form = RecognizeOfficialForm(
        _data(request), initial={"official_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.recognize_official(
                acting_user=request.user,
                member=member,
                official_on=form.cleaned_data["official_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is now an official member.") % {"name": member}
            )
            return redirect(member)
    return _form_page(
        request,
        {
            "title": _("Recognize %(name)s as an official member") % {"name": member},
            "subtitle": _("Admitted on %(date)s.")
            % {"date": member.admitted_on.strftime("%d/%m/%Y")},
            "form": form,
            "member": member,
            "cancel_url": member.get_absolute_url(),
            "submit_label": _("Recognize as official"),
        },
    )


@staff_required("committees.add_interruption")
def interruption_add(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    if refused := _refuse(request, FORM):
        return refused
    form = InterruptionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_interruption(
                acting_user=request.user, member=member, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The interruption was recorded."))
            return redirect(member)
    return _form_page(
        request,
        {
            "title": _("Add an interruption of party activity"),
            "subtitle": member,
            "form": form,
            "member": member,
            "cancel_url": member.get_absolute_url(),
        },
    )


@staff_required("committees.delete_interruption")
def interruption_delete(request: HttpRequest, interruption_id: int) -> HttpResponse:
    interruption = get_visible_or_404(
        Interruption.objects.select_related("member__organization"),
        request.user,
        pk=interruption_id,
    )
    if refused := _refuse(request, FORM):
        return refused
    member = interruption.member
    if request.method == "POST":
        services.delete_interruption(
            acting_user=request.user, interruption=interruption
        )
        messages.success(request, _("The interruption was deleted."))
        return redirect(member)
    return render(
        request,
        "committees/confirm_delete.html",
        {
            "title": _("Delete an interruption of party activity"),
            "question": _(
                "Delete the interruption of %(member)s from %(start)s? The "
                "period will count in the party age again."
            )
            % {
                "member": member,
                "start": interruption.started_on.strftime("%d/%m/%Y"),
            },
            "member": member,
            "cancel_url": member.get_absolute_url(),
        },
    )


# ---------------------------------------------------------------- ratings


def _rating_page(
    request: HttpRequest,
    *,
    form: RatingForm,
    title: str,
    subject: Member | Organization,
    locked_message: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "title": title,
        "form": form,
        "form_testid": "rating-form",
        "cancel_url": subject.get_absolute_url(),
        "locked_message": locked_message,
    }
    key = "member" if isinstance(subject, Member) else "organization"
    context[key] = subject
    return _form_page(request, context)


@staff_required("committees.add_rating")
def member_rate(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    if refused := _refuse(request, FORM):
        return refused
    form = RatingForm(_data(request), initial={"year": RatingForm.last_year()})
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(acting_user=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rating was recorded."))
            return redirect(member)
    return _rating_page(
        request, form=form, title=_("Rate %(name)s") % {"name": member}, subject=member
    )


@staff_required("committees.add_rating")
def organization_rate(request: HttpRequest, org_id: int) -> HttpResponse:
    organization = _organization(request, org_id)
    if refused := _refuse(request, FORM):
        return refused
    form = RatingForm(_data(request), initial={"year": RatingForm.last_year()})
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                acting_user=request.user,
                organization=organization,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rating was recorded."))
            return redirect(organization)
    return _rating_page(
        request,
        form=form,
        title=_("Rate %(name)s") % {"name": organization},
        subject=organization,
    )


def _rating(request: HttpRequest, rating_id: int) -> Rating:
    return get_visible_or_404(selectors.rating_for_page(), request.user, pk=rating_id)


def _locked_message(rating: Rating) -> str:
    if not selectors.is_locked(rating.unit_id, rating.year):
        return ""
    return _(
        "The ratings for %(year)s are finalized: this rating is locked until an "
        "administrator reopens them."
    ) % {"year": rating.year}


@staff_required("committees.change_rating")
def rating_edit(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = _rating(request, rating_id)
    if refused := _refuse(request, FORM):
        return refused
    subject = rating.subject
    locked_message = _locked_message(rating)
    form = RatingForm(
        _data(request),
        initial=RatingForm.initial_for(rating),
        with_year=False,
        locked=bool(locked_message) and request.method != "POST",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                acting_user=request.user,
                year=rating.year,
                **{"member" if rating.member_id else "organization": subject},
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rating was saved."))
            return redirect(subject)
    return _rating_page(
        request,
        form=form,
        title=_("Rating of %(subject)s for %(year)s")
        % {"subject": subject, "year": rating.year},
        subject=subject,
        locked_message=locked_message,
    )


@staff_required("committees.delete_rating")
def rating_delete(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = _rating(request, rating_id)
    if refused := _refuse(request, FORM):
        return refused
    subject = rating.subject
    if request.method == "POST":
        try:
            services.delete_rating(acting_user=request.user, rating=rating)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("The rating was deleted."))
        return redirect(subject)
    return render(
        request,
        "committees/confirm_delete.html",
        {
            "title": _("Delete a rating"),
            "question": _("Delete the draft rating “%(rating)s”?") % {"rating": rating},
            "blocked": _locked_message(rating),
            "cancel_url": subject.get_absolute_url(),
            **{"member" if rating.member_id else "organization": subject},
        },
    )


def _unit(request: HttpRequest, org_id: int) -> Organization:
    """A grassroots organization: the unit that finalizes members' ratings."""
    unit = _organization(request, org_id)
    if unit.kind not in RATING_UNIT_KINDS:
        raise Http404
    return unit


@staff_required()
def unit_ratings(request: HttpRequest, org_id: int, year: int) -> HttpResponse:
    unit = _organization(request, org_id)
    if refused := _refuse(request, READ):
        return refused
    if unit.kind not in RATING_UNIT_KINDS:
        # A cell (or partial committee): the page of the grassroots
        # organization that finalizes its members' ratings.
        finalizer = services.unit_for_members_of(unit)
        if finalizer.kind not in RATING_UNIT_KINDS or not is_in_scope(
            request.user, finalizer.path
        ):
            raise Http404
        return redirect("committees:unit_ratings", org_id=finalizer.pk, year=year)
    context = {
        "unit": unit,
        "organization": unit,
        "breadcrumbs": selectors.visible_ancestors(request.user, unit),
        "year": year,
        "quota": selectors.quota_status(unit, year),
        "grades": Grade.choices,
        "cells": selectors.unit_cells(request.user, unit, year),
    }
    return render(request, "committees/unit_ratings.html", context)


@staff_required("committees.add_ratingfinalization")
def finalize_ratings(request: HttpRequest, org_id: int, year: int) -> HttpResponse:
    unit = _unit(request, org_id)
    if refused := _refuse(request, ("POST",)):
        return refused
    try:
        services.finalize_ratings(acting_user=request.user, unit=unit, year=year)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request,
            _("The ratings of %(unit)s for %(year)s are finalized.")
            % {"unit": unit, "year": year},
        )
    return redirect("committees:unit_ratings", org_id=unit.pk, year=year)


@staff_required("committees.add_rating")
def bulk_rating(request: HttpRequest, org_id: int, year: int) -> HttpResponse:
    """A cell's staff grade all its active members for a year at once."""
    cell = _organization(request, org_id)
    if cell.kind not in MEMBER_HOLDING_KINDS:
        raise Http404
    if refused := _refuse(request, FORM):
        return refused
    unit = services.unit_for_members_of(cell)
    locked = selectors.is_locked(unit.pk, year)
    rows = selectors.bulk_rating_rows(cell, year)
    form = BulkRatingForm(
        _data(request), rows=rows, locked=locked and request.method != "POST"
    )
    if request.method == "POST" and form.is_valid():
        grades = form.changed_grades()
        try:
            if grades:
                services.rate_members_in_bulk(
                    acting_user=request.user, year=year, grades=grades
                )
        except services.BulkRatingError as error:
            form.add_row_errors(error.by_member)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if grades:
                messages.success(
                    request,
                    _("%(count)s ratings were saved.") % {"count": len(grades)},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("committees:bulk_rating", org_id=cell.pk, year=year)
    context = {
        "cell": cell,
        "organization": cell,
        "breadcrumbs": selectors.visible_ancestors(request.user, cell),
        "unit": unit,
        "unit_in_scope": is_in_scope(request.user, unit.path),
        "year": year,
        "form": form,
        "locked": locked,
    }
    return render(request, "committees/bulk_rating.html", context)


@staff_required()
@require_safe
def rating_overview(request: HttpRequest) -> HttpResponse:
    """The grassroots organizations of the scope with their ratings of a year."""
    last_year = timezone.localdate().year - 1
    try:
        year = int(request.GET.get("year", last_year))
    except ValueError:
        year = last_year
    units = selectors.unit_overview(request.user, year)
    quota_percent = services.quota_percent(year)
    page_obj = _paginate(request, units)
    for unit in page_obj:
        unit.allowed_excellent = services.max_excellent(unit.good, quota_percent)
        unit.over = max(0, unit.excellent - unit.allowed_excellent)
    context = {
        "year": year,
        "years": sorted({*range(last_year - 9, last_year + 2), year}, reverse=True),
        "page_obj": page_obj,
        "quota_percent": quota_percent,
    }
    return render(request, "committees/rating_overview.html", context)
