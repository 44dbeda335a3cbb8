"""Demo congresses: the 2025–2030 plan and the demo province's schedule as it
stood in spring 2025 (``load_demo`` calls ``load``; idempotent).

The picture on 15 May 2025: the cells and most grassroots organizations
have held their congresses (their items done, a few results reports still
missing), the rest of the grassroots congresses are scheduled for late May
and June, some district-level congresses and the provincial one are
scheduled, each level opened by a model congress. One grassroots cell is
scheduled after the grassroots deadline, so that the rules report has an
error to show; district-level organizations with no congress yet show as
warnings. Organizations are found by kind and depth under the province
(code TU-BG), not by id.

Most rows are written in bulk (with their history rows) to keep the load
fast; a representative few go through the services (the province's
congress, a move, items marked done), as staff would do it.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from committees.models import (
    GRASSROOTS_KINDS,
    Level,
    Organization,
    OrganizationKind,
    Term,
)
from portal.models import User

from . import services
from .models import (
    Congress,
    CongressKind,
    CongressStatus,
    Milestone,
    MilestoneKind,
    MilestoneTemplate,
    TermPlan,
)

PROVINCE_CODE = "TU-BG"
TERM = ("2025–2030", date(2025, 10, 1), date(2030, 9, 30))
#: The day the demo schedule "stands": spring 2025.
AS_OF = date(2025, 5, 15)
SEED = 2025
K = OrganizationKind


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def load(*, stdout: Any = None) -> None:
    """The 2025–2030 plan and the demo province's congresses, once."""
    started = time.perf_counter()
    province = (
        Organization.objects.filter(code=PROVINCE_CODE).first()
        or Organization.objects.filter(depth=1, kind=K.PROVINCE).first()
    )
    if province is None:
        _say(stdout, "Congresses: no demo province, nothing to add.")
        return
    with transaction.atomic():
        plan = ensure_plan()
        term = plan.term
        if (
            Congress.objects.filter(term=term)
            .filter(organization__path__startswith=province.path)
            .exists()
        ):
            _say(stdout, "Congresses: the demo schedule is already there.")
            return
        count = build_schedule(province, plan)
    _say(
        stdout,
        f"Congresses: plan {plan.term} and {count} congresses "
        f"({time.perf_counter() - started:.1f} s).",
    )


def ensure_plan() -> TermPlan:
    name, starts_on, ends_on = TERM
    term = Term.objects.filter(name=name).first()
    if term is None:
        term = Term(name=name, starts_on=starts_on, ends_on=ends_on)
        term.full_clean()
        term.save()
    plan = TermPlan.objects.filter(term=term).first()
    if plan is None:
        plan = services.create_term_plan(
            acting_user=None, term=term, name=f"Đại hội nhiệm kỳ {term}"
        )
    return plan


class _Schedule:
    """Dates and statuses for every organization under the province."""

    def __init__(self, province: Organization, plan: TermPlan) -> None:
        self.rng = random.Random(SEED)
        self.plan = plan
        self.term = plan.term
        self.organizations = list(
            Organization.objects.filter(path__startswith=province.path)
            .active()
            .exclude(kind=K.PARTY_GROUP)
            .order_by("path")
        )
        self.by_path = {o.path: o for o in self.organizations}
        self.children: dict[str, list[Organization]] = defaultdict(list)
        for o in self.organizations:
            if o.depth > 1:
                self.children[o.parent_path].append(o)
        self.congresses: dict[str, Congress] = {}
        self.province = province

    def add(self, org: Organization, starts_on: date, days: int = 1, **extra) -> None:
        ends_on = starts_on + timedelta(days=days - 1)
        if ends_on < AS_OF:
            status = self.rng.choice(
                [CongressStatus.HELD] * 3 + [CongressStatus.RESULTS_APPROVED]
            )
        elif starts_on <= AS_OF + timedelta(days=21):
            status = CongressStatus.PREPARING
        else:
            status = CongressStatus.PLANNED
        small = org.kind in (K.CELL, K.GRASSROOTS_CELL, K.PARTIAL_COMMITTEE)
        kind = CongressKind.ALL_MEMBERS if small else CongressKind.DELEGATES
        held = status in (CongressStatus.HELD, CongressStatus.RESULTS_APPROVED)
        self.congresses[org.path] = Congress(
            organization=org,
            term=self.term,
            ordinal=extra.pop("ordinal", self.rng.randint(12, 24)),
            starts_on=starts_on,
            ends_on=ends_on,
            venue=extra.pop("venue", ""),
            kind=kind,
            expected_delegates=None if small else self.rng.randint(80, 160),
            status=status,
            delegates_to_superior=self.rng.randint(3, 12) if held else None,
            **extra,
        )

    def below(self, org: Organization, before: date) -> None:
        """Congresses of everything below ``org``, each before its parent's."""
        for child in self.children.get(org.path, []):
            day = before - timedelta(days=self.rng.randint(4, 18))
            self.add(child, day)
            self.below(child, day)

    def grassroots(self) -> None:
        """In each district-level organization: a model congress early in
        April, the others from mid-April to late June, most already held."""
        for upper in self.children[self.province.path]:
            units = [
                o
                for o in self.children.get(upper.path, [])
                if o.level == Level.GRASSROOTS
            ]
            for i, unit in enumerate(units):
                if i == 0:
                    day, model = date(2025, 4, 8), True
                elif self.rng.random() < 0.75:
                    day, model = (
                        date(2025, 4, 14) + timedelta(days=self.rng.randint(0, 28)),
                        False,
                    )
                else:
                    day, model = (
                        date(2025, 5, 20) + timedelta(days=self.rng.randint(0, 38)),
                        False,
                    )
                days = 2 if unit.kind == K.GRASSROOTS_COMMITTEE else 1
                self.add(unit, day, days, is_model=model)
                self.below(unit, day)

    def districts(self) -> None:
        """Seven of the district-level congresses scheduled, the city's the
        model; the province's in October."""
        uppers = self.children[self.province.path]
        city = next((o for o in uppers if o.code == "TP-BG"), uppers[0])
        others = [o for o in uppers if o != city]
        self.add(
            city,
            date(2025, 7, 8),
            2,
            is_model=True,
            ordinal=22,
            venue="Trung tâm Hội nghị thành phố Bắc Giang",
        )
        for i, upper in enumerate(self.rng.sample(others, min(6, len(others)))):
            self.add(upper, date(2025, 7, 15) + timedelta(days=6 * i), 2)

    def breach(self) -> Congress | None:
        """A grassroots cell scheduled after the grassroots deadline."""
        for congress in self.congresses.values():
            if (
                congress.organization.kind == K.GRASSROOTS_CELL
                and not congress.is_model
            ):
                congress.starts_on = congress.ends_on = date(2025, 7, 2)
                congress.status = CongressStatus.PLANNED
                congress.delegates_to_superior = None
                return congress
        return None


def _done_at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=15
    )


def build_schedule(province: Organization, plan: TermPlan) -> int:
    schedule = _Schedule(province, plan)
    schedule.grassroots()
    schedule.districts()
    schedule.breach()
    congresses = list(schedule.congresses.values())
    bulk_create_with_history(
        congresses, Congress, default_change_reason="demo schedule"
    )
    # bulk_create sets primary keys on SQLite and PostgreSQL alike.
    templates = list(MilestoneTemplate.objects.filter(plan=plan))
    milestones: list[Milestone] = []
    left_open = 0
    rng = schedule.rng
    for congress in congresses:
        org = congress.organization
        superior = schedule.by_path.get(org.parent_path, org)
        for m in services.milestones_from_templates(
            congress, templates, superior=superior
        ):
            if m.due_on <= AS_OF:
                # A few items due before mid-May are still missing.
                if (
                    m.kind == MilestoneKind.RESULTS_REPORT_SENT
                    and left_open < 6
                    and rng.random() < 0.2
                ):
                    left_open += 1
                else:
                    m.done_at = _done_at(m.due_on - timedelta(days=rng.randint(0, 3)))
            milestones.append(m)
    bulk_create_with_history(
        milestones, Milestone, default_change_reason="demo schedule"
    )
    staff_go_through_services(schedule)
    return Congress.objects.filter(term=plan.term).count()


def staff_go_through_services(schedule: _Schedule) -> None:
    """What staff do on the pages, done here through the same services."""
    office = User.objects.filter(username="province").first()
    city_office = User.objects.filter(username="city").first()
    # The provincial congress, checked against every rule when scheduled.
    services.schedule_congress(
        acting_user=office if office and office.is_active else None,
        organization=schedule.province,
        term=schedule.term,
        ordinal=20,
        starts_on=date(2025, 10, 14),
        ends_on=date(2025, 10, 16),
        venue="Trung tâm Hội nghị tỉnh Bắc Giang",
        expected_delegates=350,
    )
    # A grassroots congress of the city moved by a week (its items move too).
    city = next(
        (o for o in schedule.children[schedule.province.path] if o.code == "TP-BG"),
        None,
    )
    if city is None:
        return
    movable = (
        Congress.objects.filter(
            term=schedule.term,
            organization__path__startswith=city.path,
            organization__kind__in=GRASSROOTS_KINDS,
            status=CongressStatus.PLANNED,
            starts_on__lte=date(2025, 6, 18),
            is_model=False,
        )
        .select_related("organization", "term")
        .order_by("starts_on")
        .first()
    )
    if movable is not None:
        services.reschedule_congress(
            acting_user=city_office,
            congress=movable,
            starts_on=movable.starts_on + timedelta(days=7),
            ends_on=movable.ends_on + timedelta(days=7),
            reason="hội trường bận",
        )
    model = Congress.objects.get(term=schedule.term, organization=city)
    drafts = model.milestones.filter(kind=MilestoneKind.DRAFTS_SENT).first()
    if drafts is not None and drafts.done_at is None:
        services.mark_milestone_done(acting_user=city_office, milestone=drafts)
