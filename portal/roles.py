"""Roles are Django groups holding model permissions.

A user may hold several. Every role sees (``view``) everything of the portal
apps inside the user's scope; what each role may change is listed here, the
one place to read it. Groups are created by a data migration; their
permissions are brought in line with this table after every ``migrate``
(apps added later get their permissions without a migration of their own).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORGANIZATION_BOARD = "Organization board", _("Organization board")
    OFFICE = "Office", _("Office")
    EMULATION = "Emulation", _("Emulation")
    VIEWER = "Viewer", _("Viewer")


#: apps whose models every role may view (within scope)
PORTAL_APPS = ("committees", "congresses", "awards")

ALL = ("add", "change", "delete", "view")

#: role -> {"app_label.model": actions beyond view}
ROLE_CHANGES: dict[str, dict[str, tuple[str, ...]]] = {
    Role.ORGANIZATION_BOARD: {
        "committees.organization": ("add", "change"),
        "committees.member": ("add", "change"),
        "committees.interruption": ALL,
        "committees.position": ALL,
    },
    Role.OFFICE: {
        "congresses.congress": ALL,
        "congresses.milestone": ("change",),
    },
    Role.EMULATION: {
        "committees.rating": ALL,
        "committees.ratingfinalization": ("add", "change"),
        "awards.nomination": ALL,
        "awards.decision": ("add", "change"),
        "awards.award": ("change",),
    },
    Role.VIEWER: {},
}


def wanted_permissions(role: str, permission_model: type) -> models.QuerySet:
    """The permission rows a role should hold (those that exist)."""
    Permission = permission_model
    q = models.Q(content_type__app_label__in=PORTAL_APPS, codename__startswith="view_")
    for label, actions in ROLE_CHANGES[role].items():
        app_label, model = label.split(".")
        q |= models.Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    # History models ("historicalmember") get no permissions of their own.
    return Permission.objects.filter(q).exclude(
        content_type__model__startswith="historical"
    )


def sync_role_permissions(group_model: type, permission_model: type) -> None:
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        group.permissions.set(wanted_permissions(role, permission_model))
