"""Build the demo provinces: Bac Giang (``places``) and Bac Ninh
(``bac_ninh``) as of January 2025, each as ``province.PROVINCES`` says.

Organizations, positions and finalizations go through ``committees.services``
(a few hundred calls), so they obey every rule and get their history. The
bulk (about 5,000 members, 25,000 ratings, a few interruptions) is generated
valid by construction, under the same rules the services enforce (admitted
at 18 or older, official at least 12 months after admission, members only in
cells, ratings only from the year of admission, the excellent quota per
grassroots organization and year), and inserted with
``bulk_create_with_history`` so that every row still has its creation
history. ``tests/committees/test_load_demo.py`` checks a sample of members
against ``check_member_rules``/``full_clean`` and every unit against
``quota_breach``.

Everything comes from one ``random.Random(seed)``, used in a fixed order:
two loads on the same day give the same data. Dates near "now"
(probationary members) are counted back from ``today``.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from committees import badge_clock, services
from committees.dates import add_months
from committees.models import (
    ACTIVE_MEMBER_STATUSES,
    GRASSROOTS_KINDS,
    MEMBER_HOLDING_KINDS,
    Gender,
    Grade,
    Interruption,
    InterruptionReason,
    Member,
    MemberPlacement,
    MemberStatus,
    Organization,
    Position,
    Rating,
    RatingFinalization,
    Regulation,
    Term,
)
from committees.text import fold

from . import names
from .places import Leader, Node
from .province import PROVINCES, ProvinceSpec

SEED = 2025
RATING_YEARS = tuple(range(2020, 2025))
#: Years finalized in every unit; 2024 stays a draft in some (see ``DRAFT_2024``).
FINALIZED_YEARS = tuple(range(2020, 2024))
HISTORY_REASON = "demo data"
BATCH = 1_000

#: Opening day of the seats elected for 2020–2025: the 19th provincial
#: congress closed in mid-October 2020; district congresses were held before
#: it, but a seat cannot start before its term (1 October 2020).
PROVINCE_SEATS_FROM = date(2020, 10, 16)
OTHER_SEATS_FROM = date(2020, 10, 1)

#: Terms: the five-year terms of the committees, and the 2025–2027 term of
#: the cells under a grassroots committee, which hold their congresses
#: before the grassroots one (by 30 June 2025 under Directive 45-CT/TW): the
#: demo opens it on 1 April 2025 and runs it two years (plausible dates,
#: not taken from a regulation).
TERMS = (
    ("2020–2025", date(2020, 10, 1), date(2025, 9, 30)),
    ("2025–2030", date(2025, 10, 1), date(2030, 9, 30)),
    ("2025–2027", date(2025, 4, 1), date(2027, 3, 31)),
)

RATING_TITLE = (
    "Quy định về kiểm điểm, đánh giá, xếp loại chất lượng hằng năm đối với "
    "tập thể, cá nhân trong hệ thống chính trị"
)
#: code, title, first year, (excellent, good, completion) minimum scores.
REGULATIONS: tuple[tuple[str, str, int, tuple[int, int, int] | None], ...] = (
    ("132-QĐ/TW", RATING_TITLE, 2018, None),
    ("124-QĐ/TW", RATING_TITLE, 2023, None),
    ("366-QĐ/TW", RATING_TITLE.replace(" hằng năm", ""), 2025, (90, 70, 50)),
)


@dataclass(frozen=True)
class Profile:
    """Who sits in a kind of cell: share of men, birth years by weight."""

    male: float
    births: tuple[tuple[int, int, int], ...]


_WORKING = ((1966, 1974, 20), (1975, 1984, 35), (1985, 1994, 35), (1995, 2001, 10))
PROFILES: dict[str, Profile] = {
    # Villages and streets: retired members weigh heavily.
    "residential": Profile(
        0.57,
        (
            (1940, 1954, 20),
            (1955, 1964, 20),
            (1965, 1974, 18),
            (1975, 1984, 17),
            (1985, 1994, 16),
            (1995, 2004, 9),
        ),
    ),
    "agency": Profile(0.56, _WORKING),
    "women": Profile(0.05, _WORKING),  # the Women's Union
    "school": Profile(0.3, _WORKING),
    "health": Profile(0.36, _WORKING),
    "enterprise": Profile(0.55, ((1970, 1979, 20), (1980, 1989, 35), (1990, 2002, 45))),
    "military": Profile(
        0.93, ((1970, 1979, 20), (1980, 1989, 35), (1990, 1999, 35), (2000, 2004, 10))
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    organizations: int
    members: int
    ratings: int
    positions: int
    interruptions: int
    finalizations: int
    seconds: float


def build_demo(
    *,
    stdout: Any,
    seed: int = SEED,
    today: date | None = None,
    provinces: tuple[ProvinceSpec, ...] = PROVINCES,
) -> DemoSummary:
    """Load each demo province unless it is there (by its code: ``TU-BG``,
    then ``TU-BN``); the summary adds up the provinces.

    All or nothing per province: one transaction each. Each province has a
    random generator of its own, so that Bac Giang's data are the same
    whether or not Bac Ninh is loaded beside it.
    """
    started = time.perf_counter()
    summaries = []
    for number, spec in enumerate(provinces):
        root = Organization.objects.filter(code=spec.code).first()
        if root is not None:
            _say(stdout, f"The demo province ({spec.code}) is already loaded.")
            summaries.append(_summary(root, created=False, seconds=0))
            continue
        builder = _Builder(
            rng=random.Random(seed + number),
            today=today or timezone.localdate(),
            stdout=stdout,
            started=started,
            spec=spec,
        )
        with transaction.atomic():
            root = builder.build()
        summaries.append(_summary(root, created=True, seconds=0))
    return DemoSummary(
        created=any(s.created for s in summaries),
        organizations=sum(s.organizations for s in summaries),
        members=sum(s.members for s in summaries),
        ratings=sum(s.ratings for s in summaries),
        positions=sum(s.positions for s in summaries),
        interruptions=sum(s.interruptions for s in summaries),
        finalizations=sum(s.finalizations for s in summaries),
        seconds=time.perf_counter() - started,
    )


def _say(stdout: Any, text: str) -> None:
    stdout.write(f"{text}\n")


def _summary(root: Organization, *, created: bool, seconds: float) -> DemoSummary:
    subtree = {"organization__path__startswith": root.path}
    member_subtree = {"member__organization__path__startswith": root.path}
    return DemoSummary(
        created=created,
        organizations=Organization.objects.filter(path__startswith=root.path).count(),
        members=Member.objects.filter(**subtree).count(),
        ratings=Rating.objects.filter(unit__path__startswith=root.path).count(),
        positions=Position.objects.filter(**subtree).count(),
        interruptions=Interruption.objects.filter(**member_subtree).count(),
        finalizations=RatingFinalization.objects.filter(
            unit__path__startswith=root.path
        ).count(),
        seconds=seconds,
    )


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def max_excellent_beside(top: int, percent: Decimal) -> int:
    """The most of ``top`` (rated good or excellent) that may be excellent:
    the largest e with e <= floor(percent% of (top - e))."""
    return math.floor(percent * top / (100 + percent))


class _Builder:
    def __init__(
        self,
        *,
        rng: random.Random,
        today: date,
        stdout: Any,
        started: float,
        spec: ProvinceSpec = PROVINCES[0],
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.today = today
        self.stdout = stdout
        self.started = started
        self.orgs: dict[str, Organization] = {}
        self.nodes: dict[str, Node] = {}
        self.parent: dict[str, str | None] = {}
        self.members: list[Member] = []
        self.member_cell: list[str] = []  # code of each member's organization
        self.leaders: list[tuple[Leader, int]] = []  # leader, index in members
        self.leader_ids: set[int] = set()
        #: the named leaders first, so that no generated leader takes a name
        self.leader_names = {
            leader.full_name for leader in spec.leaders() if leader.full_name
        }
        # …and those of a province loaded before this one
        self.leader_names |= set(
            Position.objects.values_list("member__full_name", flat=True)
        )
        self.gaps: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        self.interruptions: list[Interruption] = []

    def say(self, text: str) -> None:
        _say(self.stdout, f"  {text} ({time.perf_counter() - self.started:.1f} s)")

    # ------------------------------------------------------------ steps

    def build(self) -> Organization:
        self.configure()
        tree = self.spec.tree(self.rng)
        self.create(tree, None)
        self.say(f"{len(self.orgs)} organizations")
        self.generate_members()
        self.generate_interruptions()
        self.members = bulk_create_with_history(
            self.members,
            Member,
            batch_size=BATCH,
            default_change_reason=HISTORY_REASON,
        )
        # Their first placement, as create_member writes it.
        MemberPlacement.objects.bulk_create(
            [
                MemberPlacement(
                    member_id=m.pk,
                    organization_id=m.organization_id,
                    valid_from=m.admitted_on,
                )
                for m in self.members
            ],
            batch_size=BATCH,
        )
        self.save_interruptions()
        self.say(f"{len(self.members)} members")
        positions = self.appoint()
        self.say(f"{positions} positions")
        rated = self.rate()
        finalized = self.finalize(rated)
        self.say(f"{finalized} rating finalizations")
        if self.spec.history is not None:
            self.spec.history(self.orgs)
            self.say("history recorded")
        return self.orgs[self.spec.code]

    def configure(self) -> None:
        """Rating regulations and terms, unless an administrator made them."""
        for code, title, year, scores in REGULATIONS:
            taken = Regulation.objects.filter(code=code).exists() or (
                Regulation.objects.filter(effective_from_year=year).exists()
            )
            if taken:
                continue
            excellent, good, completed = scores or (None, None, None)
            regulation = Regulation(
                code=code,
                title=title,
                effective_from_year=year,
                excellent_quota_percent=Decimal(20),
                score_excellent_min=excellent,
                score_good_min=good,
                score_completed_min=completed,
            )
            regulation.full_clean()
            regulation.save()
        for name, starts_on, ends_on in TERMS:
            if not Term.objects.filter(name=name).exists():
                term = Term(name=name, starts_on=starts_on, ends_on=ends_on)
                term.full_clean()
                term.save()

    def create(self, node: Node, parent: Organization | None) -> None:
        org = services.create_organization(
            acting_user=None,
            parent=parent,
            name=node.name,
            code=node.code,
            kind=node.kind,
            established_on=node.established_on,
            note=node.note,
        )
        self.orgs[node.code] = org
        self.nodes[node.code] = node
        self.parent[node.code] = parent.code if parent is not None else None
        for child in node.children:
            self.create(child, org)

    # ------------------------------------------------------------ members

    def generate_members(self) -> None:
        leaders = self.spec.leaders()
        by_cell: dict[str, list[Leader]] = defaultdict(list)
        for leader in leaders:
            if self.nodes[leader.cell].kind not in MEMBER_HOLDING_KINDS:
                raise ValueError(f"{leader.cell} cannot hold members")
            by_cell[leader.cell].append(leader)

        holding = [c for c, n in self.nodes.items() if n.kind in MEMBER_HOLDING_KINDS]
        raw = {c: self.nodes[c].members * self.rng.uniform(0.7, 1.3) for c in holding}
        factor = self.spec.members / sum(raw.values())
        for code in holding:
            node = self.nodes[code]
            size = max(len(by_cell[code]) + 4, round(raw[code] * factor))
            for leader in by_cell[code]:
                self.leaders.append((leader, len(self.members)))
                self.leader_ids.add(len(self.members))
                self.add(self.leader(node, leader), code)
            for _ in range(size - len(by_cell[code])):
                self.add(self.person(node), code)

        cards = self.rng.sample(range(10_000_000, 100_000_000), len(self.members) + 500)
        taken = set(Member.objects.values_list("card_number", flat=True))
        cards = [str(card) for card in cards if str(card) not in taken]
        taken_ids = set(
            Member.objects.exclude(citizen_id=None).values_list("citizen_id", flat=True)
        )
        if len(cards) < len(self.members):
            raise ValueError("Not enough free party card numbers")
        for member, card in zip(self.members, cards, strict=False):
            member.card_number = card
            # "" marks a member who has a citizen ID: numbered here, in order.
            if member.citizen_id == "":
                member.citizen_id = self.citizen_id(member, taken_ids)
            else:
                member.citizen_id = None

    def add(self, member: Member, code: str) -> None:
        member.organization = self.orgs[code]
        member.search_key = fold(member.full_name)
        self.members.append(member)
        self.member_cell.append(code)

    def gender(self, male_share: float) -> str:
        return Gender.MALE if self.rng.random() < male_share else Gender.FEMALE

    def birth_date(self, profile: Profile) -> date:
        rng = self.rng
        first, last, _weight = rng.choices(
            profile.births, [weight for *_span, weight in profile.births]
        )[0]
        return _day_between(rng, date(first, 1, 1), date(last, 12, 31))

    def name(self, node: Node, gender: str, birth: date) -> str:
        ethnic = self.rng.random() < node.ethnic
        return names.full_name(
            self.rng, gender=gender, birth_year=birth.year, ethnic=ethnic
        )

    def leader(self, node: Node, leader: Leader) -> Member:
        """An official member born 1962–1978, admitted in their twenties."""
        rng = self.rng
        gender = leader.gender or self.gender(0.8)
        birth = _day_between(rng, date(1962, 1, 1), date(1978, 12, 31))
        admitted = add_months(birth, rng.randint(22 * 12, 30 * 12))
        admitted += timedelta(days=rng.randint(0, 27))
        full_name = leader.full_name
        if not full_name:
            while not full_name or full_name in self.leader_names:
                full_name = self.name(node, gender, birth)  # distinct names
            self.leader_names.add(full_name)
        return Member(
            full_name=full_name,
            birth_date=birth,
            gender=gender,
            admitted_on=admitted,
            official_on=add_months(admitted, 12),
            status=MemberStatus.OFFICIAL,
            citizen_id="",  # "": give one
        )

    def person(self, node: Node) -> Member:
        rng, today = self.rng, self.today
        profile = PROFILES[node.profile]
        gender = self.gender(profile.male)
        if rng.random() < 0.03:
            return self.probationary(node, gender)
        birth = self.birth_date(profile)
        roll = rng.random()
        if roll < 0.08:
            years = rng.uniform(18.1, 20)
        elif roll < 0.9:
            years = rng.triangular(20, 35, 25)
        else:
            years = rng.uniform(35, 50)
        admitted = add_months(birth, int(years * 12)) + timedelta(
            days=rng.randint(0, 27)
        )
        # Official members were admitted 15 months ago or more, so that their
        # official date (12 months on, sometimes a little later) has passed.
        latest = add_months(today, -15)
        if admitted > latest:
            earliest = add_months(birth, 18 * 12) + timedelta(days=1)
            while earliest > latest:  # too young: born a year earlier
                birth = add_months(birth, -12)
                earliest = add_months(birth, 18 * 12) + timedelta(days=1)
            admitted = _day_between(rng, earliest, latest)
        official = add_months(admitted, 12)
        if rng.random() < 0.1:  # recognized a little late
            official = min(official + timedelta(days=rng.randint(10, 120)), today)
        status, changed = MemberStatus.OFFICIAL, None
        dead = 0.08 if birth.year < 1950 else 0.03 if birth.year < 1960 else 0.003
        roll = rng.random()
        for share, left in (
            (dead, MemberStatus.DECEASED),
            (0.01, MemberStatus.TRANSFERRED_OUT),
            (0.002, MemberStatus.EXPELLED),
            (0.003, MemberStatus.REMOVED),
        ):
            if roll < share:
                first = max(official + timedelta(days=30), date(2016, 1, 1))
                last = today - timedelta(days=10)
                if first <= last:
                    status, changed = left, _day_between(rng, first, last)
                break
            roll -= share
        old_death = status == MemberStatus.DECEASED and changed.year < 2021
        has_id = rng.random() < (0.4 if old_death else 0.97)
        ill = status == MemberStatus.OFFICIAL and birth.year < 1950
        return Member(
            full_name=self.name(node, gender, birth),
            birth_date=birth,
            gender=gender,
            admitted_on=admitted,
            official_on=official,
            status=status,
            status_changed_on=changed,
            seriously_ill=ill and rng.random() < 0.04,
            note=_status_note(status),
            citizen_id="" if has_id else None,
        )

    def probationary(self, node: Node, gender: str) -> Member:
        """Admitted 1–20 months ago; a quarter of them past their 12 months
        (due for official recognition)."""
        rng = self.rng
        days = rng.randint(30, 364) if rng.random() < 0.75 else rng.randint(366, 600)
        admitted = self.today - timedelta(days=days)
        youngest = max(19, admitted.year - 2004 + 1)  # born 2004 at the latest
        age = rng.randint(youngest, max(youngest, 34))
        birth = add_months(admitted, -(age * 12 + rng.randint(0, 11)))
        birth -= timedelta(days=rng.randint(0, 27))
        return Member(
            full_name=self.name(node, gender, birth),
            birth_date=birth,
            gender=gender,
            admitted_on=admitted,
            status=MemberStatus.PROBATIONARY,
            citizen_id="",
        )

    def citizen_id(self, member: Member, taken: set[str]) -> str:
        """12 digits: province of birth registration (024, Bac Giang), a
        century-and-gender digit, the year of birth, six digits."""
        century = 0 if member.birth_date.year < 2000 else 2
        digit = century + (member.gender == Gender.FEMALE)
        head = f"{self.spec.birth_code}{digit}{member.birth_date.year % 100:02d}"
        while True:
            number = f"{head}{self.rng.randint(0, 999_999):06d}"
            if number not in taken:
                taken.add(number)
                return number

    # ------------------------------------------------------------ interruptions

    def generate_interruptions(self) -> None:
        """A handful of closed gaps (lost contact, expelled then readmitted,
        a late transfer) before 2019, so party age shows them without
        touching the rated years; and the open gap of every expelled or
        removed member."""
        rng = self.rng
        for index, member in enumerate(self.members):
            if member.status in (MemberStatus.EXPELLED, MemberStatus.REMOVED):
                reason = (
                    InterruptionReason.EXPELLED
                    if member.status == MemberStatus.EXPELLED
                    else InterruptionReason.REMOVED
                )
                self.gap(index, member.status_changed_on, None, reason, "")
        candidates = [
            i
            for i, m in enumerate(self.members)
            if m.status == MemberStatus.OFFICIAL
            and m.admitted_on.year <= 2000
            and i not in self.leader_ids
        ]
        chosen = rng.sample(candidates, 12)
        for index in chosen[:6]:
            member = self.members[index]
            start = _day_between(
                rng, add_months(member.admitted_on, 36), date(2015, 12, 31)
            )
            end = min(add_months(start, rng.randint(6, 30)), date(2018, 12, 31))
            self.gap(
                index,
                start,
                end,
                InterruptionReason.LOST_CONTACT,
                "Mất liên lạc khi đi làm ăn xa",
            )
        for index in chosen[6:9]:
            member = self.members[index]
            start = _day_between(
                rng, add_months(member.admitted_on, 48), date(2010, 12, 31)
            )
            end = min(add_months(start, rng.randint(24, 60)), date(2017, 12, 31))
            self.gap(
                index,
                start,
                end,
                InterruptionReason.EXPELLED,
                f"Bị khai trừ; kết nạp lại ngày {end:%d/%m/%Y}",
            )
            member.note = (
                f"Kết nạp lại ngày {end:%d/%m/%Y}; tuổi Đảng tính từ lần kết "
                "nạp đầu, trừ thời gian bị khai trừ."
            )
        for index in chosen[9:]:
            member = self.members[index]
            start = _day_between(
                rng,
                max(add_months(member.admitted_on, 24), date(2008, 1, 1)),
                date(2017, 6, 30),
            )
            end = start + timedelta(days=rng.randint(35, 90))
            self.gap(
                index,
                start,
                end,
                InterruptionReason.TRANSFER_GAP,
                "Nộp giấy giới thiệu sinh hoạt đảng quá hạn 30 ngày",
            )

    def gap(
        self, index: int, start: date, end: date | None, reason: str, note: str
    ) -> None:
        member = self.members[index]
        if start < member.admitted_on or (end is not None and end < start):
            raise ValueError(f"Bad interruption for {member.full_name}")
        self.gaps[index].append((start, end))
        self.interruptions.append(
            Interruption(
                member=member, started_on=start, ended_on=end, reason=reason, note=note
            )
        )

    def save_interruptions(self) -> None:
        for interruption in self.interruptions:  # the members have a pk now
            interruption.member_id = interruption.member.pk
        bulk_create_with_history(
            self.interruptions,
            Interruption,
            batch_size=BATCH,
            default_change_reason=HISTORY_REASON,
        )
        badge_clock.refresh(i.member_id for i in self.interruptions)

    # ------------------------------------------------------------ positions

    def appoint(self) -> int:
        term = Term.objects.get(name="2020–2025")
        count = 0
        for leader, index in self.leaders:
            for seat in leader.seats:
                services.appoint_position(
                    acting_user=None,
                    member=self.members[index],
                    organization=self.orgs[seat.organization],
                    body=seat.body,
                    role=seat.role,
                    term=term,
                    started_on=(
                        PROVINCE_SEATS_FROM
                        if seat.organization == self.spec.code
                        else OTHER_SEATS_FROM
                    ),
                    state_title=seat.title,
                )
                count += 1
        return count

    # ------------------------------------------------------------ ratings

    def unit_code(self, code: str, *, include_self: bool) -> str:
        """``services.rating_unit`` on the table: the nearest grassroots
        organization (the node itself for a member's cell), else the parent;
        the root rates itself."""
        chain = [] if not include_self else [code]
        parent = self.parent[code]
        while parent is not None:
            chain.append(parent)
            parent = self.parent[parent]
        if not include_self and not chain:
            return code
        for candidate in chain:
            if self.nodes[candidate].kind in GRASSROOTS_KINDS:
                return candidate
        return chain[0]

    def rated_in(self, index: int, year: int) -> bool:
        """Active in the year: admitted in its first half (later ones are
        rated from the next year), not yet gone, not outside the party."""
        member = self.members[index]
        if member.admitted_on >= date(year, 7, 1):
            return False
        if member.status not in ACTIVE_MEMBER_STATUSES:
            if member.status_changed_on.year <= year:
                return False
        first, last = date(year, 1, 1), date(year, 12, 31)
        return not any(
            start <= last and (end is None or end >= first)
            for start, end in self.gaps.get(index, ())
        )

    def rate(self) -> set[tuple[str, int]]:
        regulations = {year: services.regulation_for(year) for year in RATING_YEARS}
        percents = {
            year: reg.excellent_quota_percent if reg else Decimal(20)
            for year, reg in regulations.items()
        }
        member_units: dict[tuple[str, int], list[int]] = defaultdict(list)
        for index, code in enumerate(self.member_cell):
            unit = self.unit_code(code, include_self=True)
            for year in RATING_YEARS:
                if self.rated_in(index, year):
                    member_units[unit, year].append(index)
        org_units: dict[tuple[str, int], list[str]] = defaultdict(list)
        for code, node in self.nodes.items():
            if code == self.spec.code:
                continue
            unit = self.unit_code(code, include_self=False)
            for year in RATING_YEARS:
                if node.established_on is None or node.established_on.year <= year:
                    org_units[unit, year].append(code)

        forced = self.five_year_excellent(member_units)
        ratings: list[Rating] = []
        for (unit, year), subjects in member_units.items():
            grades = self.grades(
                subjects,
                forced,
                percent=percents[year],
                not_completed=0.01,
                completed=0.2,
                share=(0.06, 0.13),
            )
            for index in subjects:
                ratings.append(
                    Rating(
                        member=self.members[index],
                        year=year,
                        grade=grades[index],
                        regulation=regulations[year],
                        unit=self.orgs[unit],
                    )
                )
        for (unit, year), codes in org_units.items():
            grades = self.grades(
                codes,
                set(),
                percent=percents[year],
                not_completed=0.01,
                completed=0.1,
                share=(0.1, 0.25),
            )
            for code in codes:
                ratings.append(
                    Rating(
                        organization=self.orgs[code],
                        year=year,
                        grade=grades[code],
                        regulation=regulations[year],
                        unit=self.orgs[unit],
                    )
                )
        bulk_create_with_history(
            ratings, Rating, batch_size=BATCH, default_change_reason=HISTORY_REASON
        )
        analyze(Rating, Member)
        self.say(f"{len(ratings)} ratings")
        return set(member_units) | set(org_units)

    def five_year_excellent(
        self, member_units: dict[tuple[str, int], list[int]]
    ) -> set[int]:
        """About 40 members excellent every year 2020–2024: one per
        grassroots organization of at least 30 rated members, taken in turn
        from each district-level committee."""
        every_year: dict[str, list[int]] = defaultdict(list)
        smallest: dict[str, int] = {}
        for (unit, year), subjects in member_units.items():
            smallest[unit] = min(smallest.get(unit, len(subjects)), len(subjects))
            if year == RATING_YEARS[0]:
                every_year[unit] = [
                    i
                    for i in subjects
                    if self.members[i].status == MemberStatus.OFFICIAL
                    and i not in self.gaps
                    and all(self.rated_in(i, y) for y in RATING_YEARS)
                ]
        by_district: dict[str, list[str]] = defaultdict(list)
        for unit in every_year:
            if smallest[unit] >= 30 and every_year[unit]:
                by_district[self.district_of(unit)].append(unit)
        queues = [self.rng.sample(units, len(units)) for units in by_district.values()]
        chosen: list[int] = []
        wanted = self.spec.five_year_excellent
        while len(chosen) < wanted and any(queues):
            for queue in queues:
                if queue and len(chosen) < wanted:
                    chosen.append(self.rng.choice(every_year[queue.pop()]))
        return set(chosen)

    def district_of(self, code: str) -> str:
        while self.parent[code] != self.spec.code:
            code = self.parent[code]
        return code

    def grades(
        self,
        subjects: list[Any],
        forced: set[Any],
        *,
        percent: Decimal,
        not_completed: float,
        completed: float,
        share: tuple[float, float],
    ) -> dict[Any, str]:
        """Grades of one unit's subjects for a year, under the quota: at most
        ``percent``% of those rated good may be excellent."""
        rng = self.rng
        grades: dict[Any, str] = {}
        top: list[Any] = []
        for subject in subjects:
            roll = rng.random()
            if subject in forced:
                top.append(subject)
            elif roll < not_completed:
                grades[subject] = Grade.NOT_COMPLETED
            elif roll < not_completed + completed:
                grades[subject] = Grade.COMPLETED
            else:
                top.append(subject)
        cap = max_excellent_beside(len(top), percent)
        must = [s for s in top if s in forced]
        if len(must) > cap:
            raise ValueError("Too many members forced to excellent in one unit")
        wanted = round(len(top) * rng.uniform(*share))
        count = max(len(must), min(cap, wanted))
        others = [s for s in top if s not in forced]
        excellent = set(must) | set(rng.sample(others, count - len(must)))
        for subject in top:
            grades[subject] = Grade.EXCELLENT if subject in excellent else Grade.GOOD
        assert services.max_excellent(len(top) - count, percent) >= count
        return grades

    def finalize(self, rated: set[tuple[str, int]]) -> int:
        """Finalize every unit's ratings through the service, but leave 2024
        a draft in the province's city (with what merges into it) and in two
        more grassroots organizations, so the finalize button has something
        to do."""
        drafted = tuple(self.orgs[code].path for code in self.spec.drafts)
        units = [
            code for code in self.orgs if any((code, y) in rated for y in RATING_YEARS)
        ]
        others = [
            code
            for code in units
            if self.nodes[code].kind in GRASSROOTS_KINDS
            and not self.orgs[code].path.startswith(drafted)
        ]
        drafts = {code for code in units if self.orgs[code].path.startswith(drafted)}
        drafts |= set(self.rng.sample(others, 2))
        count = 0
        for code in units:
            for year in RATING_YEARS:
                if (code, year) not in rated:
                    continue
                if year not in FINALIZED_YEARS and code in drafts:
                    continue
                services.finalize_ratings(
                    acting_user=None, unit=self.orgs[code], year=year
                )
                count += 1
        return count


def analyze(*models: type) -> None:
    """Refresh PostgreSQL's statistics after a bulk insert.

    Without them the planner takes the fresh tables for empty and scans
    them whole: each finalization (a few queries on the ratings of a unit)
    then costs three times as much. ANALYZE runs inside the transaction and
    counts the rows it inserted.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _status_note(status: str) -> str:
    if status == MemberStatus.TRANSFERRED_OUT:
        return "Chuyển sinh hoạt đảng chính thức ra ngoài tỉnh."
    return ""
