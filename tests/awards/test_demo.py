"""The demo ceremony of January 2025 (``awards.demo``, run by ``load_demo``).

The whole demo is loaded once for the module, inside a transaction rolled
back at the end; each test reads it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from awards import demo, selectors
from awards.models import Award, AwardKind, Decision, EmulationPeriod, ItemSource
from committees import services as committee_services
from committees.models import Grade, Organization, Rating, RatingFinalization
from portal.models import User

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def by_kind(code: str):
    return Award.objects.filter(kind__code=code).select_related("organization")


def test_the_ceremony_is_conferred_by_eight_numbered_decisions(loaded, db):
    decisions = list(Decision.objects.order_by("number"))
    assert [d.document_number for d in decisions] == [
        f"{n}-QĐ/TU" for n in range(1521, 1529)
    ]
    assert {d.signed_on for d in decisions} == {date(2025, 1, 10)}
    assert {d.signer.full_name for d in decisions} == {"Nguyễn Văn Gấu"}
    assert {d.term.name for d in decisions} == {"2020–2025"}
    assert Counter(d.body for d in decisions) == {"committee": 6, "standing": 2}


def test_the_awards_are_those_of_the_january_2025_conference(loaded, db):
    assert {a.organization.code for a in by_kind("CO-TU")} == {"QS-BG", "TP-BG"}
    for code in ("BK-TU-NAM", "BK-TU-NK", "BK-BTV-NAM", "BK-BTV-NK"):
        kinds = Counter(a.organization.kind for a in by_kind(code))
        assert sum(kinds.values()) == 3, code
        assert set(kinds) <= {"district", "direct"}
    assert by_kind("BK-TU-NAM").first().period.period_type == "year"
    flags = Counter(a.organization.kind for a in by_kind("CO-TU-CS"))
    assert sum(flags.values()) == 5
    assert set(flags) <= {"grassroots_committee", "grassroots_cell"}
    certificates = Counter(a.organization.kind for a in by_kind("BK-TU-TC5"))
    grassroots = certificates["grassroots_committee"] + certificates["grassroots_cell"]
    assert (grassroots, certificates["partial_committee"], certificates["cell"]) == (
        4,
        1,
        19,
    )
    assert by_kind("BK-TU-DV5").count() == 34
    assert Award.objects.count() == 2 + 3 * 4 + 5 + 24 + 34


def test_computed_candidates_came_from_the_eligibility_lists(loaded, db):
    for code in ("CO-TU-CS", "BK-TU-DV5"):
        sources = set(by_kind(code).values_list("item__source", flat=True))
        assert sources == {ItemSource.ELIGIBILITY}, code
    grassroots = by_kind("BK-TU-TC5").filter(
        organization__kind__in=("grassroots_committee", "grassroots_cell")
    )
    assert set(grassroots.values_list("item__source", flat=True)) == {
        ItemSource.ELIGIBILITY
    }
    for award in by_kind("CO-TU-CS"):
        grades = Rating.objects.filter(
            organization=award.organization, year__range=(2020, 2024)
        ).values_list("grade", flat=True)
        assert list(grades) == [Grade.EXCELLENT] * 5
    # by hand, with the justification that carries them
    cells = by_kind("BK-TU-TC5").filter(organization__kind="cell")
    assert set(cells.values_list("item__source", flat=True)) == {ItemSource.MANUAL}
    assert all(a.item.justification for a in cells.select_related("item"))


def test_the_ratings_still_respect_the_quota_and_stay_finalized(loaded, db):
    for finalization in RatingFinalization.objects.select_related("unit"):
        assert not committee_services.quota_breach(
            unit=finalization.unit, year=finalization.year
        ), finalization
    assert not RatingFinalization.objects.filter(
        status="reopened", year__lt=2024
    ).exists()


def test_six_eligible_members_are_left_for_the_staff_city_first(loaded, db):
    kind = AwardKind.objects.get(code="BK-TU-DV5")
    period = EmulationPeriod.objects.get(period_type="term", start_year=2020)
    left = selectors.eligible_candidates(None, kind=kind, period=period)
    assert len(left) == 6
    city = User.objects.get(username="city")
    mine = selectors.eligible_candidates(city, kind=kind, period=period)
    assert mine and {c.pk for c in mine} <= {c.pk for c in left}


def test_badges_are_due_on_2_september_2025(loaded, db):
    province = User.objects.get(username="province")
    due = selectors.badges_due(
        province, occasion=date(2025, 9, 2), since=date(2025, 5, 19)
    )
    assert 20 <= len(due) <= 300
    assert {c.badge_years for c in due} <= set(demo.BADGE_YEARS)


def test_the_awards_part_is_fast_and_a_second_load_adds_nothing(loaded, db):
    seconds = float(re.search(r"Awards: .*\(([\d.]+) s\)", loaded).group(1))
    assert seconds < 15
    before = (Decision.objects.count(), Award.objects.count(), Rating.objects.count())
    out = StringIO()
    demo.load(stdout=out)
    assert "already there" in out.getvalue()
    after = (Decision.objects.count(), Award.objects.count(), Rating.objects.count())
    assert after == before


def test_the_eligibility_of_the_whole_province_takes_well_under_a_second(loaded, db):
    province = User.objects.get(username="province")
    kind = AwardKind.objects.get(code="BK-TU-DV5")
    period = EmulationPeriod.objects.get(period_type="term", start_year=2020)
    Organization.objects.get(code="TU-BG")
    started = time.perf_counter()
    selectors.eligible_candidates(province, kind=kind, period=period)
    selectors.badges_due(province, occasion=date(2025, 9, 2))
    assert time.perf_counter() - started < 1.5
