"""Django's model backend, reading a user's permissions in one query.

Every staff page asks for permissions (which buttons to show); Django's
backend reads the user's own permissions and their groups' permissions in
two queries. Here both come in one (a union of the two relations),
cached on the user for the request as Django does.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends
from django.contrib.auth.models import Permission


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                perms = Permission.objects.values_list(*fields)
            else:
                # A UNION of the two relations, each read through its index
                # (one OR across both joins reads every member of the groups).
                # (Without ordering: SQLite refuses ORDER BY inside a UNION.)
                perms = (
                    Permission.objects.filter(user=user_obj)
                    .order_by()
                    .values_list(*fields)
                    .union(
                        Permission.objects.filter(group__user=user_obj)
                        .order_by()
                        .values_list(*fields)
                    )
                )
            user_obj._perm_cache = {
                f"{app_label}.{codename}" for app_label, codename in perms
            }
        return user_obj._perm_cache
