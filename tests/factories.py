"""Test data built through the services, as the portal itself builds it."""

from __future__ import annotations

import itertools
from datetime import date

import factory
from django.contrib.auth.models import Group

from committees import services
from committees.models import (
    Gender,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Term,
)
from portal.models import User
from portal.roles import Role

_codes = itertools.count(1)


def org(
    parent: Organization | None, kind: str, name: str, code: str | None = None
) -> Organization:
    return services.create_organization(
        acting_user=None,
        parent=parent,
        name=name,
        code=code or f"T-{next(_codes)}",
        kind=kind,
    )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thành {n}")
    birth_date = date(1980, 5, 17)
    gender = Gender.MALE
    card_number = factory.Sequence(lambda n: f"{10000000 + n}")
    admitted_on = date(2010, 3, 2)
    official_on = date(2011, 3, 2)
    status = MemberStatus.OFFICIAL


def user(username: str, scope: Organization | None, *roles: str, **extra) -> User:
    account = User.objects.create_user(
        username=username,
        password="pw-for-tests-only",
        full_name=extra.pop("full_name", username.title()),
        email=f"{username}@example.org",
        scope=scope,
        language=extra.pop("language", "en"),
        **extra,
    )
    account.groups.set(Group.objects.filter(name__in=roles or Role.values))
    return account


def term_2020() -> Term:
    return Term.objects.get_or_create(
        name="2020–2025",
        defaults={"starts_on": date(2020, 10, 1), "ends_on": date(2025, 9, 30)},
    )[0]


K = OrganizationKind
