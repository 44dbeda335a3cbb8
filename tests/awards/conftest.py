"""Fixtures of the awards tests: award kinds, periods, ratings, a signer, and
a helper that carries a nomination through to its decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import translation

from awards import services
from awards.models import (
    BADGE_YEARS,
    AwardForm,
    AwardKind,
    Criterion,
    EmulationPeriod,
    GrantingBody,
    PeriodType,
    RecipientType,
)
from committees import services as committee_services
from committees.models import Body, Grade, Member, Role
from tests.factories import K, MemberFactory, term_2020

E, G, C = Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED

ORG_KINDS = ",".join(
    [
        K.DISTRICT,
        K.DIRECT,
        K.GRASSROOTS_COMMITTEE,
        K.GRASSROOTS_CELL,
        K.PARTIAL_COMMITTEE,
        K.CELL,
    ]
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The users of these tests log in with force_login: hash their
    # passwords cheaply (PBKDF2 costs a third of a second a user).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English (the Vietnamese catalogue comes later).
    with translation.override("en"):
        yield


def make_kind(granting, code: str, **fields) -> AwardKind:
    defaults = {
        "name": f"Kind {code}",
        "form": AwardForm.CERTIFICATE_OF_MERIT,
        "granting_body": GrantingBody.COMMITTEE,
        "recipient_type": RecipientType.MEMBER,
        "period_type": PeriodType.TERM,
        "criterion": Criterion.CONSECUTIVE_EXCELLENT_MEMBER,
        "consecutive_years": 5,
        "through_intermediate_levels": False,
    }
    defaults.update(fields)
    kind = AwardKind(code=code, granting_organization=granting, **defaults)
    kind.full_clean()
    kind.save()
    return kind


@pytest.fixture
def term(db):
    return term_2020()


@pytest.fixture
def term_period(db) -> EmulationPeriod:
    return services.ensure_period(
        period_type=PeriodType.TERM, start_year=2020, end_year=2025
    )


@pytest.fixture
def year_period(db) -> EmulationPeriod:
    return services.ensure_period(period_type=PeriodType.YEAR, start_year=2024)


@pytest.fixture
def member_kind(tree) -> AwardKind:
    """Certificate of merit of the province: 5 excellent years in a row."""
    return make_kind(
        tree.province, "BK-DV5", name="Bằng khen của Tỉnh ủy cho đảng viên"
    )


@pytest.fixture
def org_year_kind(tree) -> AwardKind:
    return make_kind(
        tree.province,
        "BK-TC-2024",
        name="Bằng khen của Tỉnh ủy cho tổ chức đảng",
        recipient_type=RecipientType.ORGANIZATION,
        recipient_kinds=ORG_KINDS,
        period_type=PeriodType.YEAR,
        criterion=Criterion.EXCELLENT_ORGANIZATION_YEAR,
        consecutive_years=None,
    )


@pytest.fixture
def org_run_kind(tree) -> AwardKind:
    return make_kind(
        tree.province,
        "CO-TC-3",
        name="Cờ thi đua của Tỉnh ủy",
        form=AwardForm.FLAG,
        recipient_type=RecipientType.ORGANIZATION,
        recipient_kinds=ORG_KINDS,
        criterion=Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION,
        consecutive_years=3,
    )


@pytest.fixture
def manual_kind(tree) -> AwardKind:
    return make_kind(
        tree.province,
        "CO-TU",
        name="Cờ thi đua của Tỉnh ủy (dẫn đầu phong trào)",
        form=AwardForm.FLAG,
        recipient_type=RecipientType.ORGANIZATION,
        recipient_kinds=f"{K.DISTRICT},{K.DIRECT}",
        criterion=Criterion.MANUAL,
        consecutive_years=None,
    )


@pytest.fixture
def badge_kinds(tree) -> dict[int, AwardKind]:
    return {
        years: make_kind(
            tree.province,
            f"HH-{years}",
            name=f"Huy hiệu {years} năm tuổi Đảng",
            form=AwardForm.BADGE,
            period_type=PeriodType.YEAR,
            criterion=Criterion.BADGE,
            consecutive_years=None,
            badge_years=years,
        )
        for years in BADGE_YEARS
    }


def rate(subject, grades: dict[int, str]) -> None:
    """Rate a member or an organization for each year given."""
    field = "member" if isinstance(subject, Member) else "organization"
    for year, grade in grades.items():
        committee_services.rate(
            acting_user=None, year=year, grade=grade, **{field: subject}
        )


def excellent(subject, *years: int) -> None:
    rate(subject, {year: E for year in years})


@pytest.fixture
def star(tree) -> Member:
    """A city member excellent 2020–2024."""
    member = MemberFactory(full_name="Nguyễn Thị Sao", organization=tree.city_cell)
    excellent(member, 2020, 2021, 2022, 2023, 2024)
    return member


def stars(organization, n: int, prefix: str = "Đảng viên") -> list[Member]:
    members = []
    for i in range(n):
        member = MemberFactory(full_name=f"{prefix} {i}", organization=organization)
        excellent(member, 2020, 2021, 2022, 2023, 2024)
        members.append(member)
    return members


@pytest.fixture
def secretary(tree, term) -> Member:
    """The provincial Secretary, who signs the province's decisions."""
    member = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell_2)
    committee_services.appoint_position(
        acting_user=None,
        member=member,
        organization=tree.province,
        body=Body.STANDING,
        role=Role.SECRETARY,
        term=term,
        started_on=date(2020, 10, 16),
    )
    return member


@dataclass
class Flow:
    """Carry nominations along as the staff of each level would."""

    tree: object
    city_staff: object
    province_staff: object
    secretary: Member

    def nominate(self, kind, period, *, proposer=None, members=(), orgs=(), user=None):
        return services.nominate(
            acting_user=user or self.city_staff,
            kind=kind,
            period=period,
            proposer=proposer or self.tree.city,
            member_ids=[m.pk for m in members],
            organization_ids=[o.pk for o in orgs],
        )

    def approved(self, kind, period, **kwargs):
        nomination = self.nominate(kind, period, **kwargs)
        services.submit_nomination(acting_user=self.city_staff, nomination=nomination)
        return services.approve_nomination(
            acting_user=self.province_staff, nomination=nomination
        )

    def badge(self, kind, member, *, occasion_on=date(2025, 2, 3)):
        """A membership badge conferred on ``member`` for an occasion, put
        forward by hand (``add_manual_candidate``), signed on 01/02/2025."""
        period = services.ensure_period(period_type="year", start_year=2025)
        nomination = services.create_nomination(
            acting_user=self.city_staff,
            kind=kind,
            period=period,
            proposer=self.tree.city,
            occasion_on=occasion_on,
        )
        services.add_manual_candidate(
            acting_user=self.city_staff,
            nomination=nomination,
            member=member,
            justification=f"Huy hiệu {kind.badge_years} năm",
        )
        services.submit_nomination(acting_user=self.city_staff, nomination=nomination)
        services.approve_nomination(
            acting_user=self.province_staff, nomination=nomination
        )
        return services.issue_decision(
            acting_user=self.province_staff,
            issuer=self.tree.province,
            nominations=[nomination],
            signer=self.secretary,
            signed_on=date(2025, 2, 1),
        )

    def conferred(self, kind, period, *, signed_on=date(2025, 1, 10), **kwargs):
        nomination = self.approved(kind, period, **kwargs)
        return services.issue_decision(
            acting_user=self.province_staff,
            issuer=self.tree.province,
            nominations=[nomination],
            signer=self.secretary,
            signed_on=signed_on,
        )


@pytest.fixture
def flow(tree, city_staff, province_staff, secretary) -> Flow:
    return Flow(tree, city_staff, province_staff, secretary)
