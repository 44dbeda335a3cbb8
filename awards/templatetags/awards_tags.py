"""Template helpers of the awards pages (evidence is stored as JSON)."""

from __future__ import annotations

from datetime import date

from django import template

from committees.models import Grade, MemberStatus, OrganizationKind

from ..models import NominationStatus

register = template.Library()


@register.filter
def dmy(value: str | date | None) -> str:
    """An ISO date of the evidence, shown dd/mm/yyyy."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


@register.filter
def grade_label(value: str) -> str:
    try:
        return Grade(value).label
    except ValueError:
        return value


@register.filter
def kind_label(value: str) -> str:
    try:
        return OrganizationKind(value).label
    except ValueError:
        return value


@register.filter
def member_status_label(value: str) -> str:
    try:
        return MemberStatus(value).label
    except ValueError:
        return value


STATUS_COLOURS = {
    NominationStatus.DRAFT: "secondary",
    NominationStatus.SUBMITTED: "primary",
    NominationStatus.RETURNED: "warning",
    NominationStatus.APPROVED: "success",
    NominationStatus.REJECTED: "danger",
    NominationStatus.CONFERRED: "dark",
}


@register.filter
def status_colour(value: str) -> str:
    return STATUS_COLOURS.get(value, "secondary")
