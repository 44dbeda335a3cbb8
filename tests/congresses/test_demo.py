"""The demo schedule (``congresses.demo.load``, called by ``load_demo``)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from congresses import demo
from congresses.models import Congress, CongressStatus, Milestone, TermPlan
from congresses.selectors import AFTER_DEADLINE, ERROR, schedule_problems
from tests.factories import K, org


@pytest.fixture
def demo_tree(tree):
    org(
        tree.city,
        K.GRASSROOTS_CELL,
        "Chi bộ Văn phòng HĐND và UBND thành phố",
        "TP-BG-VP",
    )
    org(tree.city, K.GRASSROOTS_COMMITTEE, "Đảng bộ phường Ngô Quyền", "TP-BG-NQ")
    return tree


def test_the_demo_loads_the_plan_and_a_schedule_once(demo_tree, admin_user):
    out = io.StringIO()
    demo.load(stdout=out)
    plan = TermPlan.objects.get()
    assert plan.term.name == "2025–2030"
    assert plan.windows.count() == 3
    assert plan.templates.count() == 4
    assert plan.reminder_policy.days_before == "14,7,1"
    congresses = Congress.objects.count()
    milestones = Milestone.objects.count()
    assert congresses == 10  # every organization of the small tree
    demo.load(stdout=out)
    assert (Congress.objects.count(), Milestone.objects.count()) == (
        congresses,
        milestones,
    )
    assert "already there" in out.getvalue()


def test_the_demo_schedule_as_it_stood_in_spring_2025(demo_tree, admin_user):
    demo.load(stdout=io.StringIO())
    congresses = Congress.objects.select_related("organization")
    assert congresses.filter(is_model=True).exists()
    assert (
        congresses.filter(status=CongressStatus.HELD).exists()
        or congresses.filter(status=CongressStatus.RESULTS_APPROVED).exists()
    )
    held = congresses.filter(ends_on__lt=demo.AS_OF)
    done = Milestone.objects.filter(congress__in=held, done_at__isnull=False)
    assert done.exists()
    province = congresses.get(organization=demo_tree.province)
    assert (province.starts_on, province.ends_on) == (
        date(2025, 10, 14),
        date(2025, 10, 16),
    )
    # The one breach of the rules it shows: a grassroots cell after 30 June.
    problems = schedule_problems(term=province.term, user=admin_user)
    errors = [p for p in problems if p.level == ERROR]
    assert [p.code for p in errors] == [AFTER_DEADLINE]
    assert errors[0].organization.code == "TP-BG-VP"


def test_the_demo_without_a_province_adds_nothing(db):
    out = io.StringIO()
    demo.load(stdout=out)
    assert not Congress.objects.exists()
    assert "nothing to add" in out.getvalue()
