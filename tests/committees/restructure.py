"""Helpers shared by the restructuring tests (test_restructuring_*, the
dated tree and the restructuring pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps

from committees import services
from committees.models import (
    Body,
    Member,
    MemberPlacement,
    Organization,
    OrganizationVersion,
    Position,
    Restructuring,
    Role,
)
from tests.factories import term_2020

DAY = date(2025, 7, 1)
DECISION = "381-QĐ/TU"


def record(**extra: Any) -> dict[str, Any]:
    """The decision's fields every service takes."""
    return {
        "effective_on": DAY,
        "reason": "Sắp xếp tổ chức bộ máy",
        "decision_number": DECISION,
        **extra,
    }


def seat(member: Member, organization: Organization, role: str = Role.MEMBER):
    body = Body.STANDING if role == Role.SECRETARY else Body.EXECUTIVE
    return services.appoint_position(
        acting_user=None,
        member=member,
        organization=organization,
        body=body,
        role=role,
        term=term_2020(),
        started_on=date(2021, 1, 1),
    )


def refresh(*objects: Any) -> None:
    for obj in objects:
        obj.refresh_from_db()


def parent_of(organization: Organization) -> Organization | None:
    organization.refresh_from_db()
    return Organization.objects.get_parent(organization)


def snapshot() -> dict[str, Any]:
    """Everything a failed restructuring must leave as it was."""
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in {"committees", "congresses", "awards", "portal"}
    }
    return {
        "counts": counts,
        "tree": list(
            Organization.objects.order_by("pk").values_list(
                "pk", "path", "name", "kind", "status", "merged_into", "ended_on"
            )
        ),
        "members": list(
            Member.objects.order_by("pk").values_list("pk", "organization")
        ),
        "positions": list(
            Position.objects.order_by("pk").values_list("pk", "ended_on")
        ),
        "versions": list(
            OrganizationVersion.objects.order_by("pk").values_list(
                "pk", "valid_from", "valid_to", "parent", "status"
            )
        ),
        "placements": list(
            MemberPlacement.objects.order_by("pk").values_list(
                "pk", "organization", "valid_from", "valid_to"
            )
        ),
        "scopes": list(
            apps.get_model("portal", "User")
            .objects.order_by("pk")
            .values_list("pk", "scope")
        ),
        "restructurings": Restructuring.objects.count(),
    }


def versions(organization: Organization) -> list[tuple]:
    return list(
        OrganizationVersion.objects.filter(organization=organization)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "parent", "name", "kind", "status")
    )


def placements(member: Member) -> list[tuple]:
    return list(
        MemberPlacement.objects.filter(member=member)
        .order_by("valid_from", "pk")
        .values_list("organization", "valid_from", "valid_to")
    )


def reasons(instance: Any) -> list[str]:
    return list(
        instance.history.order_by("-history_id").values_list(
            "history_change_reason", flat=True
        )
    )
