"""The one place that decides who sees what.

Every staff user has a scope organization and sees that organization and its
descendants; a superuser sees everything; anybody else sees nothing. Each
scoped model's queryset names the organization path(s) that place a row in
the tree (``scope_paths``); ``visible_to(user)`` filters on them with a path
prefix, which the materialized-path index answers without a join per level.

Objects outside the scope answer 404, never 403, so that their existence is
not revealed: use ``get_visible_or_404``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from portal.models import User


def scope_path(user: User) -> str | None:
    """The path prefix of everything the user may see.

    ``""`` means everything (superusers), ``None`` means nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    scope = user.scope
    return scope.path if scope is not None else None


def confined(user: User, organization: Any = None) -> bool:
    """Whether a read covers less than the whole portal: the user has a
    scope, or an organization below the root was chosen. Some statements
    are planned differently then (read the scope first, not a portal-wide
    index)."""
    return bool(scope_path(user)) or organization is not None


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which organization paths place its rows."""

    #: lookups of organization paths; a row is visible when any one of them
    #: lies in the user's subtree.
    scope_paths: tuple[str, ...] = ()

    def visible_to(self, user: User) -> ScopedQuerySet:
        prefix = scope_path(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        return self.filter(self.scope_q(prefix))

    def scope_q(self, prefix: str) -> Q:
        q = Q()
        for lookup in self.scope_paths:
            q |= Q(**{f"{lookup}__startswith": prefix})
        return q


def is_in_scope(user: User, path: str) -> bool:
    """True when an organization with this path is inside the user's scope."""
    prefix = scope_path(user)
    return prefix is not None and path.startswith(prefix)


def ensure_in_scope(user: User | None, organization: Any) -> None:
    """Refuse a service call on an organization outside the actor's scope.

    ``user`` is None for system actors (management commands, tasks).
    """
    if user is None:
        return
    if not is_in_scope(user, organization.path):
        raise PermissionDenied("Organization outside the user's scope.")


def get_visible_or_404(queryset: Any, user: User, **lookup: Any) -> Any:
    """The object, or 404 when it does not exist or is outside the scope."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    return get_object_or_404(queryset.visible_to(user), **lookup)


def staff_required(*perms: str) -> Callable:
    """Login required, then every named permission (403 without them).

    Views that change data name their ``add``/``change``/``delete``
    permission; a Viewer holds only ``view`` permissions and gets 403.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if scope_path(request.user) is None:
                raise PermissionDenied
            if perms and not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
