"""The demo accounts: one per kind of user the portal serves.

They exist only where the demo is loaded (``manage.py load_demo`` makes
them); their password is ``settings.DEMO_PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group

from committees.models import Organization
from portal.models import User
from portal.roles import Role

from .bac_ninh import PROVINCE_CODE as BAC_NINH_CODE
from .places import CITY_CODE, MILITARY_CODE, PROVINCE_CODE


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    scope_code: str | None  # None: a superuser, who sees everything
    roles: tuple[str, ...]
    is_staff: bool


ALL_ROLES = tuple(Role.values)

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Quản trị hệ thống", None, (), True),
    DemoAccount(
        "province", "Văn phòng Tỉnh ủy Bắc Giang", PROVINCE_CODE, ALL_ROLES, True
    ),
    DemoAccount("city", "Văn phòng Thành ủy Bắc Giang", CITY_CODE, ALL_ROLES, True),
    # The Bac Ninh side: the province account above covers Bac Giang only.
    DemoAccount(
        "bacninh", "Văn phòng Tỉnh ủy Bắc Ninh", BAC_NINH_CODE, ALL_ROLES, True
    ),
    # A Viewer changes nothing: no admin access needed.
    DemoAccount(
        "military",
        "Đảng ủy Quân sự tỉnh Bắc Giang",
        MILITARY_CODE,
        (Role.VIEWER,),
        False,
    ),
)


@dataclass(frozen=True)
class AccountState:
    username: str
    scope: Organization | None
    roles: tuple[str, ...]
    is_superuser: bool
    created: bool
    password_set: bool


def ensure_demo_accounts(*, reset_passwords: bool = False) -> list[AccountState]:
    """Create the missing demo accounts; leave existing ones as they are
    (an administrator may have changed them), except their password when
    ``reset_passwords`` is set."""
    states = []
    for account in DEMO_ACCOUNTS:
        scope = None
        if account.scope_code is not None:
            scope = Organization.objects.filter(code=account.scope_code).first()
            if scope is None:  # the demo tree is not there: no account
                continue
        user = User.objects.filter(username=account.username).first()
        created = user is None
        if created:
            user = User(
                username=account.username,
                full_name=account.full_name,
                email=f"{account.username}@demo.local",
                language="vi",
                scope=scope,
                is_staff=account.is_staff,
                is_superuser=account.scope_code is None,
            )
            user.set_password(settings.DEMO_PASSWORD)
            user.full_clean()
            user.save()
            user.groups.set(Group.objects.filter(name__in=account.roles))
        elif reset_passwords:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        states.append(
            AccountState(
                username=user.username,
                scope=user.scope,
                roles=_in_role_order(user.groups.values_list("name", flat=True)),
                is_superuser=user.is_superuser,
                created=created,
                password_set=created or reset_passwords,
            )
        )
    return states


def _in_role_order(names: object) -> tuple[str, ...]:
    held = list(names)  # type: ignore[call-overload]
    return tuple(role for role in Role.values if role in held)
