"""Fixtures of the congress tests: the 2025–2030 term and its plan."""

from __future__ import annotations

from datetime import date

import pytest

from committees.models import Term
from congresses import services
from congresses.models import Congress, TermPlan


def term_2025() -> Term:
    return Term.objects.get_or_create(
        name="2025–2030",
        # As the committees demo has it: the term opens after the
        # grassroots and district congresses that elect for it.
        defaults={"starts_on": date(2025, 10, 1), "ends_on": date(2030, 9, 30)},
    )[0]


def plan_2025() -> TermPlan:
    term = term_2025()
    existing = TermPlan.objects.filter(term=term).first()
    return existing or services.create_term_plan(acting_user=None, term=term)


def schedule(organization, starts_on: date, ends_on: date | None = None, **extra):
    """A congress scheduled through the service, as the portal does it."""
    extra.setdefault("ordinal", 20)
    return services.schedule_congress(
        acting_user=extra.pop("acting_user", None),
        organization=organization,
        term=term_2025(),
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        **extra,
    )


@pytest.fixture
def plan(db) -> TermPlan:
    return plan_2025()


@pytest.fixture
def city_congress(tree, plan) -> Congress:
    return schedule(tree.city, date(2025, 8, 10), date(2025, 8, 11))
