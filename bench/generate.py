"""A realistic party organization at scale, bulk-loaded into an empty database.

``manage.py generate_scale --scale tiny|province|nation [--seed N]``.

Shapes (``SHAPES``): a **province** is one provincial committee with about a
hundred committees directly under it (commune and ward committees since the
2025 reform, committees directly under the province such as the police or
the provincial agencies, and the former district committees, dissolved on
1 July 2025), about 3,000 grassroots organizations and cells below them and
160,000 members; the **nation** is 34 provinces of that shape (5.6 million
members). There is no national node above the provinces: the Party's
Central Committee is not an organization the portal keeps (only the
provincial committees are roots, ``ALLOWED_PARENT_KINDS``), so the national
view is that of a superuser, who sees every root. ``tiny`` is two small
provinces, for the test suite.

What is generated, each with plausible distributions (seeded, so that a
seed gives the same data):

- organizations (valid treebeard paths: steps of 4 in 0-9A-Z, depth,
  ``numchild``), their dated versions (the 2025 reform: communes moved from
  their district to the province and changed kind) and the reform's
  restructuring record; a creation history row each;
- members with Vietnamese names (``committees.demo.names``), folded search
  keys, dates, statuses, card and citizen numbers; their placements (a few
  transferred within the province), interruptions, a creation history row;
- positions of the 2020–2025 and 2025–2030 terms;
- member and organization ratings 2020–(last year), the 20% quota kept in
  every unit and year, and their finalizations;
- the congresses of both terms with their milestones; about 1% of the
  2025–2030 milestones open and due around today (late congresses), the
  rest done;
- award kinds per province, membership badges conferred at the occasions of
  the last two years (decisions, nominations, items, events, awards);
- users: a national superuser, a province user with every role, and Office
  users of the committees (the recipients of the reminders).

Loading (PostgreSQL): reference rows through the ORM, bulk rows with
``COPY`` (``bench.sink``) after the secondary indexes and constraints of the
bulk tables are dropped; they are recreated afterwards, two at a time,
then ``VACUUM ANALYZE``. ``tiny`` also runs on SQLite (``executemany``) and
inside a test's transaction (indexes kept).
"""

from __future__ import annotations

import base64
import bisect
import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone, translation

from awards import badge_clock as award_clock
from awards.models import (
    BADGE_YEARS,
    OCCASIONS,
    Award,
    AwardForm,
    AwardKind,
    Criterion,
    Decision,
    EmulationPeriod,
    GrantingBody,
    ItemSource,
    ItemStatus,
    Nomination,
    NominationAction,
    NominationEvent,
    NominationItem,
    NominationStatus,
    PeriodType,
    RecipientType,
)
from committees import badge_clock as committee_clock
from committees import dated_tallies, tallies
from committees.dates import add_months
from committees.demo import names
from committees.demo.builder import PROFILES, REGULATIONS
from committees.models import (
    BEGINNING,
    GRASSROOTS_KINDS,
    LEVEL_OF_KIND,
    MEMBER_HOLDING_KINDS,
    ROLE_RANK,
    TRANSFER_DUE_DAYS,
    Body,
    DocumentCounter,
    DocumentKind,
    DocumentNumber,
    FinalizationStatus,
    Gender,
    Grade,
    Interruption,
    InterruptionReason,
    Member,
    MemberPlacement,
    MemberStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    OrganizationVersion,
    Position,
    Rating,
    RatingFinalization,
    Regulation,
    Restructuring,
    RestructuringKind,
    RestructuringOrganization,
    RestructuringRole,
    Role,
    Term,
    Transfer,
    TransferKind,
    TransferStatus,
)
from committees.text import fold
from congresses import problems as congress_problems
from congresses import services as congress_services
from congresses.models import (
    Congress,
    CongressKind,
    CongressStatus,
    Milestone,
    MilestoneOwner,
    MilestoneTemplate,
)
from portal.models import User
from portal.roles import Role as PortalRole

from . import sink as sinks

K = OrganizationKind
S = MemberStatus

# ---------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Shape:
    """How many of what, per province."""

    name: str
    provinces: int
    members: int
    #: former district committees, dissolved by the 2025 reform
    districts: int
    communes: int
    directs: int
    commune_cells: tuple[int, int]
    commune_grassroots_cells: tuple[int, int]
    #: share of communes that also hold a grassroots committee (with cells)
    commune_grassroots_committees: float
    direct_grassroots_committees: tuple[int, int]
    direct_grassroots_cells: tuple[int, int]
    committee_cells: tuple[int, int]
    #: share of grassroots committees with a partial committee
    partial_share: float
    #: share of cells with party groups
    group_share: float
    #: share of organizations whose 2025–2030 congress is late (open
    #: milestones due around today: about 1% of all milestones)
    late_share: float


PROVINCE = Shape(
    name="province",
    provinces=1,
    members=160_000,
    districts=10,
    communes=82,
    directs=14,
    commune_cells=(16, 28),
    commune_grassroots_cells=(1, 3),
    commune_grassroots_committees=0.5,
    direct_grassroots_committees=(4, 8),
    direct_grassroots_cells=(3, 8),
    committee_cells=(3, 7),
    partial_share=0.15,
    group_share=0.04,
    late_share=0.035,
)
SHAPES: dict[str, Shape] = {
    "tiny": Shape(
        name="tiny",
        provinces=2,
        members=300,
        districts=1,
        communes=3,
        directs=1,
        commune_cells=(2, 3),
        commune_grassroots_cells=(1, 1),
        commune_grassroots_committees=0.5,
        direct_grassroots_committees=(1, 2),
        direct_grassroots_cells=(1, 1),
        committee_cells=(2, 2),
        partial_share=0.5,
        group_share=0.1,
        late_share=0.1,
    ),
    "province": PROVINCE,
    # 34 provinces of that shape; 165,000 members each make 5.6 million.
    "nation": replace(PROVINCE, name="nation", provinces=34, members=165_000),
}

#: The 34 provincial-level units since 1 July 2025; Bắc Ninh (the reference
#: province of DOMAIN.md) first. (name, code, share of ethnic-minority names)
PROVINCES: tuple[tuple[str, str, float], ...] = (
    ("Bắc Ninh", "BN", 0.05),
    ("Hà Nội", "HN", 0.01),
    ("Hải Phòng", "HP", 0.01),
    ("Huế", "HUE", 0.02),
    ("Đà Nẵng", "DNG", 0.02),
    ("Thành phố Hồ Chí Minh", "HCM", 0.01),
    ("Cần Thơ", "CT", 0.03),
    ("Tuyên Quang", "TQ", 0.45),
    ("Lào Cai", "LCA", 0.5),
    ("Thái Nguyên", "TN", 0.3),
    ("Phú Thọ", "PT", 0.15),
    ("Hưng Yên", "HY", 0.01),
    ("Ninh Bình", "NB", 0.02),
    ("Quảng Trị", "QT", 0.05),
    ("Quảng Ngãi", "QNG", 0.1),
    ("Gia Lai", "GL", 0.3),
    ("Khánh Hòa", "KH", 0.08),
    ("Lâm Đồng", "LD", 0.2),
    ("Đắk Lắk", "DL", 0.3),
    ("Đồng Nai", "DN", 0.05),
    ("Tây Ninh", "TNI", 0.02),
    ("Vĩnh Long", "VL", 0.03),
    ("Đồng Tháp", "DT", 0.01),
    ("Cà Mau", "CM", 0.02),
    ("An Giang", "AG", 0.05),
    ("Lai Châu", "LC", 0.7),
    ("Điện Biên", "DB", 0.7),
    ("Sơn La", "SL", 0.7),
    ("Lạng Sơn", "LS", 0.7),
    ("Cao Bằng", "CB", 0.8),
    ("Quảng Ninh", "QN", 0.1),
    ("Thanh Hóa", "TH", 0.1),
    ("Nghệ An", "NA", 0.1),
    ("Hà Tĩnh", "HT", 0.01),
)

PLACE_FIRST = (
    "Tân", "An", "Phú", "Hòa", "Bình", "Đông", "Tây", "Nam", "Bắc", "Thuận",
    "Vĩnh", "Long", "Phước", "Hưng", "Quang", "Minh", "Đức", "Trung", "Hồng",
    "Thanh", "Kim", "Ngọc", "Xuân", "Hương", "Cẩm", "Lạc", "Yên", "Thái",
    "Định", "Gia", "Đại", "Việt", "Quảng", "Hải", "Sơn", "Tiên", "Phúc",
)  # fmt: skip
PLACE_SECOND = (
    "Hưng", "Lợi", "Thịnh", "Phú", "An", "Hòa", "Bình", "Thành", "Lộc", "Phong",
    "Tiến", "Sơn", "Hải", "Lâm", "Mỹ", "Khánh", "Phúc", "Thọ", "Hà", "Giang",
    "Trường", "Lạc", "Điền", "Xuyên", "Quý", "Đồng", "Tân", "Vinh", "Nghĩa",
    "Lĩnh", "Dương", "Tuyền", "Châu", "Thắng", "Hiệp",
)  # fmt: skip
VILLAGE_WORDS = (
    "Đông", "Đoài", "Trung", "Thượng", "Hạ", "Cầu", "Chùa", "Đình", "Giếng",
    "Bến", "Đồng", "Tân Lập", "Hòa Bình", "Thống Nhất", "Quyết Tiến", "Chiến Thắng",
    "Tiền Phong", "Đồng Tâm", "Cao Sơn", "Bình Minh", "Phú Cường", "Hợp Nhất",
)  # fmt: skip
#: Committees directly under a province: name (with {p} the province), code
#: part, profile of its cells.
DIRECTS: tuple[tuple[str, str, str], ...] = (
    ("Đảng bộ Quân sự tỉnh {p}", "QS", "military"),
    ("Đảng bộ Công an tỉnh {p}", "CA", "agency"),
    ("Đảng bộ các cơ quan Đảng tỉnh {p}", "CQD", "agency"),
    ("Đảng bộ Ủy ban nhân dân tỉnh {p}", "UBND", "agency"),
    ("Đảng bộ Bộ đội Biên phòng tỉnh {p}", "BP", "military"),
    ("Đảng bộ Khối Doanh nghiệp tỉnh {p}", "DNG", "enterprise"),
    ("Đảng bộ Bệnh viện Đa khoa tỉnh {p}", "BVDK", "health"),
    ("Đảng bộ Trường Đại học {p}", "DH", "school"),
    ("Đảng bộ Sở Giáo dục và Đào tạo tỉnh {p}", "SGD", "school"),
    ("Đảng bộ Sở Y tế tỉnh {p}", "SYT", "health"),
    ("Đảng bộ Hội đồng nhân dân tỉnh {p}", "HDND", "agency"),
    ("Đảng bộ Mặt trận Tổ quốc tỉnh {p}", "MTTQ", "agency"),
    ("Đảng bộ Báo và Phát thanh, Truyền hình {p}", "BPTTH", "agency"),
    ("Đảng bộ Công ty Điện lực {p}", "DL", "enterprise"),
)
DIRECT_UNITS = {
    "military": ("Đảng bộ Trung đoàn {n}", "Chi bộ Đại đội {n}"),
    "agency": ("Đảng bộ Phòng {n}", "Chi bộ Tổ công tác {n}"),
    "enterprise": ("Đảng bộ Công ty cổ phần số {n}", "Chi bộ Phân xưởng {n}"),
    "health": ("Đảng bộ Khoa {n}", "Chi bộ Khoa {n}"),
    "school": ("Đảng bộ Khoa {n}", "Chi bộ Bộ môn {n}"),
}
COMMUNE_CELLS = (
    ("Chi bộ Trường Tiểu học {c}", "school"),
    ("Chi bộ Trường Mầm non {c}", "school"),
    ("Chi bộ Trường Trung học cơ sở {c}", "school"),
    ("Chi bộ Trạm Y tế {c}", "health"),
    ("Chi bộ Công an {c}", "agency"),
    ("Chi bộ Quân sự {c}", "military"),
)

TERMS = (
    ("2020–2025", date(2020, 10, 1), date(2025, 9, 30)),
    ("2025–2030", date(2025, 10, 1), date(2030, 9, 30)),
    ("2025–2027", date(2025, 4, 1), date(2027, 3, 31)),
)
FIRST_RATED_YEAR = 2020
REFORM_ON = date(2025, 7, 1)
REFORM_DECISION = "759-QĐ/TW"

#: Seats per kind: (executive, standing, inspection) head counts.
SEATS: dict[str, tuple[int, int, int]] = {
    K.PROVINCE: (45, 13, 9),
    K.COMMUNE: (15, 5, 5),
    K.DIRECT: (15, 5, 5),
    K.DISTRICT: (15, 5, 5),
    K.GRASSROOTS_COMMITTEE: (9, 3, 3),
    K.PARTIAL_COMMITTEE: (5, 0, 0),
    K.GRASSROOTS_CELL: (3, 0, 0),
    K.CELL: (2, 0, 0),
}

GRADES = (Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED, Grade.NOT_COMPLETED)
#: Cumulative grade probabilities: most members, "stars" (steady high
#: performers, 0.5%: the ones rated excellent five years in a row), and
#: organizations.
MEMBER_GRADES = (0.07, 0.85, 0.98)
STAR_GRADES = (0.8, 0.98, 1.0)
ORG_GRADES = (0.14, 0.84, 0.98)
STAR_SHARE = 0.005
QUOTA_PERCENT = 20
#: Score ranges per grade under a regulation that scores (366-QĐ/TW).
SCORES = {
    Grade.EXCELLENT: (90, 100),
    Grade.GOOD: (70, 89),
    Grade.COMPLETED: (50, 69),
    Grade.NOT_COMPLETED: (30, 49),
}

STEPLEN = Organization.steplen
#: With the provinces generated in parallel, province n takes the ids from
#: (n + 1) × PROVINCE_IDS on in every table it fills.
PROVINCE_IDS = 10_000_000
PROVINCE_SECRETARY = (Body.EXECUTIVE, Role.SECRETARY)


def say_nothing(text: str) -> None:
    pass


# ---------------------------------------------------------------- small helpers


class Picker:
    """A weighted choice in O(log n) (``random.choices`` rebuilds its
    cumulative weights on every call)."""

    def __init__(self, table: tuple[tuple[str, int], ...]) -> None:
        self.items = [name for name, _weight in table]
        total = 0
        self.cumulative = []
        for _name, weight in table:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> str:
        point = rng.random() * self.total
        return self.items[bisect.bisect_right(self.cumulative, point)]


FAMILY = Picker(names.FAMILY_NAMES)
ETHNIC_FAMILY = Picker(names.ETHNIC_FAMILY_NAMES)
MALE_MIDDLE = Picker(names.MALE_MIDDLE)
FEMALE_MIDDLE = Picker(names.FEMALE_MIDDLE)


def full_name(rng: random.Random, *, gender: str, birth_year: int, ethnic: bool) -> str:
    """``committees.demo.names.full_name``, with O(log n) weighted picks."""
    family = (ETHNIC_FAMILY if ethnic else FAMILY)(rng)
    young = birth_year >= 1985
    if gender == Gender.MALE:
        van_share = 0.7 if ethnic else (0.3 if young else 0.55)
        middle = "Văn" if rng.random() < van_share else MALE_MIDDLE(rng)
        pool = names.MALE_GIVEN
    else:
        thi_share = 0.8 if ethnic else (0.4 if young else 0.7)
        middle = "Thị" if rng.random() < thi_share else FEMALE_MIDDLE(rng)
        if middle == "Thị" and birth_year >= 1975 and rng.random() < 0.12:
            middle = f"Thị {FEMALE_MIDDLE(rng)}"
        pool = names.FEMALE_GIVEN
    while True:
        given = pool[int(rng.random() * len(pool))]
        if given not in middle.split() and given != family:
            break
    if middle == family:
        middle = "Văn" if gender == Gender.MALE else "Thị"
    return f"{family} {middle} {given}"


_FOLDED: dict[str, str] = {}


def folded(text: str) -> str:
    key = _FOLDED.get(text)
    if key is None:
        key = _FOLDED[text] = fold(text)
    return key


def day_between(rng: random.Random, first: date, last: date) -> date:
    span = (last - first).days
    return first + timedelta(days=int(rng.random() * (span + 1))) if span > 0 else first


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def randint(rng: random.Random, bounds: tuple[int, int]) -> int:
    low, high = bounds
    return low + int(rng.random() * (high - low + 1))


def grade_of(rng: random.Random, cumulative: tuple[float, float, float]) -> str:
    r = rng.random()
    if r < cumulative[0]:
        return Grade.EXCELLENT
    if r < cumulative[1]:
        return Grade.GOOD
    if r < cumulative[2]:
        return Grade.COMPLETED
    return Grade.NOT_COMPLETED


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# ---------------------------------------------------------------- the tree


@dataclass(eq=False)
class Org:
    id: int
    path: str
    kind: str
    name: str
    code: str
    parent: Org | None
    profile: str = "residential"
    ethnic: float = 0.0
    status: str = OrganizationStatus.ACTIVE
    established_on: date | None = None
    ended_on: date | None = None
    #: the district a commune belonged to before the 2025 reform
    former_parent: Org | None = None
    children: list[Org] = field(default_factory=list)
    #: indexes of the members recorded directly in it (cells)
    members: list[int] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return len(self.path) // STEPLEN

    @property
    def is_active(self) -> bool:
        return self.status == OrganizationStatus.ACTIVE

    def walk(self) -> Iterator[Org]:
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self, include_self: bool = False) -> list[Org]:
        """Root first."""
        chain = []
        node = self if include_self else self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


class Ids:
    """The next primary key of each table (the generator chooses them)."""

    def __init__(self, base: int = 0) -> None:
        self._next: dict[str, int] = defaultdict(lambda: base + 1)

    def __call__(self, model: type) -> int:
        name = model._meta.db_table
        value = self._next[name]
        self._next[name] = value + 1
        return value

    def block(self, model: type, count: int) -> int:
        """Reserve ``count`` ids; the first one."""
        name = model._meta.db_table
        first = self._next[name]
        self._next[name] = first + count
        return first


@dataclass
class Province:
    number: int
    name: str
    code: str
    ethnic: float
    root: Org
    rng: random.Random

    def organizations(self) -> list[Org]:
        return list(self.root.walk())


class TreeBuilder:
    def __init__(self, shape: Shape, ids: Ids) -> None:
        self.shape = shape
        self.ids = ids

    def child(self, parent: Org, kind: str, name: str, code: str, **extra: Any) -> Org:
        step = len(parent.children) + 1
        node = Org(
            id=self.ids(Organization),
            path=Organization._get_path(parent.path, parent.depth + 1, step),
            kind=kind,
            name=name,
            code=code,
            parent=parent,
            ethnic=extra.pop("ethnic", parent.ethnic),
            **extra,
        )
        parent.children.append(node)
        return node

    def province(self, number: int, seed: int) -> Province:
        name, code, ethnic = PROVINCES[number % len(PROVINCES)]
        if number >= len(PROVINCES):  # beyond the real 34: numbered copies
            name, code = f"{name} {number // len(PROVINCES) + 1}", f"{code}{number}"
        rng = random.Random(seed * 1_000 + number)
        root = Org(
            id=self.ids(Organization),
            path=Organization._get_path(None, 1, number + 1),
            kind=K.PROVINCE,
            name=f"Đảng bộ tỉnh {name}",
            code=f"TU-{code}",
            parent=None,
            ethnic=ethnic,
        )
        province = Province(number, name, code, ethnic, root, rng)
        shape = self.shape
        districts = []
        for d in range(shape.districts):
            districts.append(
                self.child(
                    root,
                    K.DISTRICT,
                    f"Đảng bộ huyện {self.place(rng, set())} ({name})",
                    f"{code}-H{d + 1:02d}",
                    status=OrganizationStatus.DISSOLVED,
                    ended_on=REFORM_ON,
                )
            )
        used: set[str] = set()
        for c in range(shape.communes):
            place = self.place(rng, used)
            word = "phường" if rng.random() < 0.25 else "xã"
            highland = rng.random() < ethnic
            commune = self.child(
                root,
                K.COMMUNE,
                f"Đảng bộ {word} {place}",
                f"{code}-X{c + 1:03d}",
                ethnic=min(0.9, ethnic + 0.3) if highland else ethnic * 0.5,
                former_parent=districts[c % len(districts)] if districts else None,
            )
            self.commune(commune, word, place, rng)
        for d in range(shape.directs):
            template, part, profile = DIRECTS[d % len(DIRECTS)]
            suffix = "" if d < len(DIRECTS) else f" {d // len(DIRECTS) + 1}"
            direct = self.child(
                root,
                K.DIRECT,
                template.format(p=name) + suffix,
                f"{code}-{part}{d // len(DIRECTS) or ''}",
                profile=profile,
            )
            self.direct(direct, rng)
        for node in root.walk():  # party groups in a few cells
            if node.kind == K.CELL and rng.random() < shape.group_share:
                for g in range(1 + (rng.random() < 0.5)):
                    self.child(
                        node,
                        K.PARTY_GROUP,
                        f"Tổ đảng số {g + 1} ({node.name})",
                        f"{node.code}-T{g + 1}",
                        profile=node.profile,
                    )
        return province

    def place(self, rng: random.Random, used: set[str]) -> str:
        for _attempt in range(200):
            place = f"{rng.choice(PLACE_FIRST)} {rng.choice(PLACE_SECOND)}"
            first, second = place.split()
            if first != second and place not in used:
                used.add(place)
                return place
        place = f"{rng.choice(PLACE_FIRST)} {len(used) + 1}"
        used.add(place)
        return place

    def commune(self, commune: Org, word: str, place: str, rng: random.Random) -> None:
        shape = self.shape
        prefix = "Chi bộ tổ dân phố số" if word == "phường" else "Chi bộ thôn"
        cells = randint(rng, shape.commune_cells)
        villages = list(VILLAGE_WORDS)
        rng.shuffle(villages)
        for i in range(cells):
            label = (
                f"{prefix} {i + 1}"
                if word == "phường" or i >= len(villages)
                else f"{prefix} {villages[i]}"
            )
            self.child(commune, K.CELL, label, f"{commune.code}-{i + 1:02d}")
        for i in range(randint(rng, shape.commune_grassroots_cells)):
            template, profile = COMMUNE_CELLS[i % len(COMMUNE_CELLS)]
            self.child(
                commune,
                K.GRASSROOTS_CELL,
                template.format(c=f"{word} {place}"),
                f"{commune.code}-C{i + 1}",
                profile=profile,
            )
        if rng.random() < shape.commune_grassroots_committees:
            unit = self.child(
                commune,
                K.GRASSROOTS_COMMITTEE,
                f"Đảng bộ Công ty {place}",
                f"{commune.code}-DN",
                profile="enterprise",
            )
            self.committee_cells(unit, "Chi bộ Phân xưởng {n}", rng)

    def direct(self, direct: Org, rng: random.Random) -> None:
        shape = self.shape
        unit_name, cell_name = DIRECT_UNITS[direct.profile]
        for g in range(randint(rng, shape.direct_grassroots_committees)):
            unit = self.child(
                direct,
                K.GRASSROOTS_COMMITTEE,
                f"{unit_name.format(n=g + 1)} – {direct.name.removeprefix('Đảng bộ ')}",
                f"{direct.code}-{g + 1:02d}",
                profile=direct.profile,
            )
            if rng.random() < shape.partial_share:
                partial = self.child(
                    unit,
                    K.PARTIAL_COMMITTEE,
                    f"Đảng bộ bộ phận {g + 1} – {unit.name.removeprefix('Đảng bộ ')}",
                    f"{unit.code}-BP",
                    profile=direct.profile,
                )
                self.committee_cells(partial, cell_name, rng)
            self.committee_cells(unit, cell_name, rng)
        for c in range(randint(rng, shape.direct_grassroots_cells)):
            self.child(
                direct,
                K.GRASSROOTS_CELL,
                f"Chi bộ {cell_name.removeprefix('Chi bộ ').format(n=c + 1)} – "
                f"{direct.name.removeprefix('Đảng bộ ')}",
                f"{direct.code}-C{c + 1:02d}",
                profile=direct.profile,
            )

    def committee_cells(self, unit: Org, label: str, rng: random.Random) -> None:
        for i in range(randint(rng, self.shape.committee_cells)):
            self.child(
                unit,
                K.CELL,
                f"{label.format(n=i + 1)} – {unit.name.removeprefix('Đảng bộ ')}",
                f"{unit.code}-{i + 1:02d}",
                profile=unit.profile,
            )


# ---------------------------------------------------------------- members


@dataclass(slots=True)
class Person:
    id: int
    org: Org
    full_name: str
    gender: str
    birth: date
    admitted: date
    official: date | None
    status: str
    changed: date | None
    star: bool
    interrupted: bool = False

    @property
    def is_active(self) -> bool:
        return self.status in (S.PROBATIONARY, S.OFFICIAL)

    def rated_years(self, last_year: int) -> range:
        first = max(FIRST_RATED_YEAR, self.admitted.year)
        last = last_year
        if not self.is_active and self.changed is not None:
            last = min(last, self.changed.year - 1)
        return range(first, last + 1)


# ---------------------------------------------------------------- the generator


@dataclass
class Reference:
    terms: dict[str, Term]
    regulations: dict[int, Regulation]
    templates: dict[str, list[MilestoneTemplate]]
    periods: dict[tuple[str, int, int], EmulationPeriod]
    roles: dict[str, Group]

    def regulation_for(self, year: int) -> Regulation | None:
        found = [y for y in self.regulations if y <= year]
        return self.regulations[max(found)] if found else None


@dataclass
class Summary:
    scale: str
    seed: int
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    database_bytes: int | None = None


class Generator:
    def __init__(
        self,
        shape: Shape,
        *,
        seed: int,
        today: date,
        say: Callable[[str], None] = say_nothing,
        fast_load: bool = False,
        workers: int = 1,
    ) -> None:
        self.shape = shape
        self.workers = workers
        self.seed = seed
        self.today = today
        self.last_year = today.year - 1
        self.say = say
        self.fast_load = fast_load
        self.ids = Ids()
        self.sink = sinks.Sink()
        self.now = timezone.now()
        self.summary = Summary(shape.name, seed)
        self.provinces: list[Province] = []
        self.password = make_password(None)
        self._congress_days: dict[tuple[int, int], date] = {}

    # ------------------------------------------------------------ driver

    def step(self, label: str, started: float) -> None:
        seconds = time.perf_counter() - started
        self.summary.steps[label] = self.summary.steps.get(label, 0.0) + seconds
        self.say(f"{label}: {seconds:.1f} s")

    def run(self) -> Summary:
        began = time.perf_counter()
        deferred: list[sinks.Deferred] = []
        if self.fast_load:
            started = time.perf_counter()
            deferred = sinks.drop_secondary(sinks.table(m) for m in BULK_MODELS)
            # The tallies' and runs' triggers would recount every COPY; they
            # are recounted once, set-based, at the end (tallies.rebuild).
            sinks.set_triggers(TRIGGERED_TABLES, enabled=False)
            self.step("drop indexes and constraints", started)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET synchronous_commit = off")
        started = time.perf_counter()
        with translation.override("vi"):
            self.reference = self.make_reference()
        self.step("reference data", started)

        started = time.perf_counter()
        builder = TreeBuilder(self.shape, self.ids)
        self.provinces = [
            builder.province(n, self.seed) for n in range(self.shape.provinces)
        ]
        self.write_organizations()
        self.step("organizations", started)

        started = time.perf_counter()
        self.users = self.write_users()
        self.kinds = self.make_award_kinds()
        self.step("users and award kinds", started)

        if self.workers > 1 and len(self.provinces) > 1:
            self.fill_in_parallel()
        else:
            for province in self.provinces:
                started = time.perf_counter()
                self.fill(province)
                self.step(f"province {province.code}", started)

        started = time.perf_counter()
        self.write_history()
        self.step("history rows", started)
        started = time.perf_counter()
        # Before the indexes come back: one pass over the members written.
        committee_clock.refresh()
        award_clock.refresh()
        self.step("badge clocks", started)
        sinks.reset_sequences(BULK_MODELS)
        if self.fast_load:
            started = time.perf_counter()
            sizes = dict(self.sink.counts)
            sinks.recreate(deferred, sizes=sizes, say=self.say)
            sinks.set_triggers(TRIGGERED_TABLES, enabled=True)
            self.step("recreate indexes and constraints", started)
            started = time.perf_counter()
            tallies.rebuild()
            self.step("tallies and runs", started)
        started = time.perf_counter()
        dated_tallies.refresh()
        self.step("dated tallies", started)
        started = time.perf_counter()
        problems = congress_problems.refresh_all()
        self.summary.rows["congresses_scheduleproblem"] = problems
        self.step("schedule problems", started)
        started = time.perf_counter()
        self.analyze()
        self.step("analyze", started)
        self.summary.seconds = time.perf_counter() - began
        self.summary.rows.update(self.sink.counts)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                self.summary.database_bytes = cursor.fetchone()[0]
        return self.summary

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.execute("ANALYZE")
            elif connection.get_autocommit():
                # VACUUM too: it sets the visibility map, so that index-only
                # scans work from the start, as on a database in use.
                cursor.execute("VACUUM (ANALYZE)")
            else:  # inside a test's transaction
                cursor.execute("ANALYZE")

    # ------------------------------------------------------------ reference

    def make_reference(self) -> Reference:
        terms = {}
        for name, starts_on, ends_on in TERMS:
            term = Term(name=name, starts_on=starts_on, ends_on=ends_on)
            term.full_clean()
            term.save()
            terms[name] = term
        regulations = {}
        for code, title, year, scores in REGULATIONS:
            excellent, good, completed = scores or (None, None, None)
            regulation = Regulation(
                code=code,
                title=title,
                effective_from_year=year,
                excellent_quota_percent=QUOTA_PERCENT,
                score_excellent_min=excellent,
                score_good_min=good,
                score_completed_min=completed,
            )
            regulation.full_clean()
            regulation.save()
            regulations[year] = regulation
        templates = {}
        for name in ("2020–2025", "2025–2030"):
            plan = congress_services.create_term_plan(
                acting_user=None,
                term=terms[name],
                name=f"Đại hội đảng bộ các cấp nhiệm kỳ {name}",
            )
            templates[name] = list(
                MilestoneTemplate.objects.filter(plan=plan).order_by("offset_days")
            )
        periods = {}
        for year in range(FIRST_RATED_YEAR, self.today.year + 2):
            period = EmulationPeriod(
                period_type=PeriodType.YEAR, start_year=year, end_year=year
            )
            period.save()
            periods[(PeriodType.YEAR, year, year)] = period
        period = EmulationPeriod(
            period_type=PeriodType.TERM, start_year=2020, end_year=2025
        )
        period.save()
        periods[(PeriodType.TERM, 2020, 2025)] = period
        roles = {group.name: group for group in Group.objects.all()}
        return Reference(terms, regulations, templates, periods, roles)

    # ------------------------------------------------------------ organizations

    def write_organizations(self) -> None:
        now = self.now
        orgs = [o for p in self.provinces for o in p.organizations()]
        fields = (
            "id", "created_at", "updated_at", "path", "depth", "numchild", "name",
            "search_key", "code", "kind", "status", "established_on", "ended_on",
            "note", "merged_into_id",
        )  # fmt: skip
        self.sink.write(
            Organization,
            fields,
            (
                (
                    o.id, now, now, o.path, o.depth, len(o.children), o.name,
                    folded(o.name), o.code, o.kind, o.status, o.established_on,
                    o.ended_on, "", None,
                )
                for o in orgs
            ),
        )  # fmt: skip
        history = Organization.history.model
        self.sink.write(
            history,
            (
                "id", "created_at", "updated_at", "path", "depth", "name", "code",
                "kind", "status", "established_on", "ended_on", "note",
                "merged_into_id", "history_date", "history_change_reason",
                "history_type", "history_user_id",
            ),
            (
                (
                    o.id, now, now, o.path, o.depth, o.name, o.code, o.kind,
                    o.status, o.established_on, o.ended_on, "", None, now,
                    "generate_scale", "+", None,
                )
                for o in orgs
            ),
        )  # fmt: skip
        # The 2025 reform: one restructuring per province; the communes'
        # first version under their district as grassroots committees.
        reforms = {}
        links = []
        touched: dict[int, int] = defaultdict(int)
        for province in self.provinces:
            rid = self.ids(Restructuring)
            reforms[province.number] = rid
            for o in province.root.children:
                if o.kind == K.DISTRICT:
                    links.append((rid, o.id, RestructuringRole.SOURCE))
                elif o.former_parent is not None:
                    links.append((rid, o.id, RestructuringRole.MOVED))
                else:
                    continue
                touched[rid] += 1
        self.sink.write(
            Restructuring,
            ("id", "created_at", "updated_at", "kind", "effective_on",
             "decision_number", "reason", "created_by_id", "summary"),
            (
                (
                    reforms[p.number], now, now, RestructuringKind.MOVE, REFORM_ON,
                    REFORM_DECISION,
                    "Kết thúc hoạt động cấp huyện; đảng bộ xã, phường trực thuộc "
                    "Tỉnh ủy (Kết luận 137-KL/TW)",
                    None,
                    json.dumps({"organizations": touched[reforms[p.number]]}),
                )
                for p in self.provinces
            ),
        )  # fmt: skip
        self.sink.write(
            RestructuringOrganization,
            ("id", "restructuring_id", "organization_id", "role"),
            ((self.ids(RestructuringOrganization), *link) for link in links),
        )

        def versions() -> Iterator[tuple]:
            for province in self.provinces:
                rid = reforms[province.number]
                for o in province.organizations():
                    parent_id = o.parent.id if o.parent else None
                    start = o.established_on or BEGINNING
                    if o.kind == K.DISTRICT:
                        yield (self.ids(OrganizationVersion), start, REFORM_ON,
                               parent_id, o.name, o.kind, OrganizationStatus.ACTIVE,
                               None, o.id)  # fmt: skip
                        yield (self.ids(OrganizationVersion), REFORM_ON, None,
                               parent_id, o.name, o.kind, o.status, rid,
                               o.id)  # fmt: skip
                    elif o.former_parent is not None:
                        yield (self.ids(OrganizationVersion), start, REFORM_ON,
                               o.former_parent.id, o.name, K.GRASSROOTS_COMMITTEE,
                               OrganizationStatus.ACTIVE, None, o.id)  # fmt: skip
                        yield (self.ids(OrganizationVersion), REFORM_ON, None,
                               parent_id, o.name, o.kind, o.status, rid,
                               o.id)  # fmt: skip
                    else:
                        yield (self.ids(OrganizationVersion), start, None, parent_id,
                               o.name, o.kind, o.status, None, o.id)  # fmt: skip

        self.sink.write(
            OrganizationVersion,
            ("id", "valid_from", "valid_to", "parent_id", "name", "kind", "status",
             "restructuring_id", "organization_id"),
            versions(),
        )  # fmt: skip

    # ------------------------------------------------------------ users

    def write_users(self) -> dict[str, int]:
        """The bench's users; Office users of the committees (reminders)."""
        now = self.now
        rows = []
        memberships = []
        first = self.provinces[0]

        def add(
            username: str,
            scope: Org | None,
            roles: tuple[str, ...],
            *,
            superuser: bool = False,
        ) -> int:
            pk = self.ids(User)
            rows.append(
                (
                    pk, self.password, None, superuser, username, superuser, True,
                    now, username.replace("-", " ").title(),
                    f"{username}@bench.invalid", "vi", True,
                    scope.id if scope else None,
                )
            )  # fmt: skip
            for role in roles:
                memberships.append((pk, self.reference.roles[role].pk))
            return pk

        every_role = tuple(PortalRole.values)
        users = {
            "nation": add("bench-nation", None, (), superuser=True),
            "province": add("bench-province", first.root, every_role),
        }
        for province in self.provinces:
            for o in province.organizations():
                if o.is_active and (o.depth <= 2 or o.kind == K.GRASSROOTS_COMMITTEE):
                    add(f"office-{o.code.lower()}", o, (PortalRole.OFFICE,))
        self.sink.write(
            User,
            ("id", "password", "last_login", "is_superuser", "username", "is_staff",
             "is_active", "date_joined", "full_name", "email", "language",
             "reminders_enabled", "scope_id"),
            rows,
        )  # fmt: skip
        through = User.groups.through
        self.sink.write(
            through,
            ("id", "user_id", "group_id"),
            ((self.ids(through), *m) for m in memberships),
        )
        return users

    # ------------------------------------------------------------ award kinds

    def make_award_kinds(self) -> dict[int, dict[str, AwardKind]]:
        kinds: dict[int, dict[str, AwardKind]] = {}
        rows = []
        for province in self.provinces:
            code = province.code
            own = {}
            specs = [
                (
                    "DV5",
                    f"Bằng khen của Tỉnh ủy {province.name} (đảng viên 5 năm liền "
                    "hoàn thành xuất sắc nhiệm vụ)",
                    AwardForm.CERTIFICATE_OF_MERIT,
                    GrantingBody.COMMITTEE,
                    RecipientType.MEMBER,
                    "",
                    PeriodType.TERM,
                    Criterion.CONSECUTIVE_EXCELLENT_MEMBER,
                    5,
                    None,
                ),
                (
                    "TC5",
                    f"Bằng khen của Tỉnh ủy {province.name} (tổ chức đảng 5 năm "
                    "liền hoàn thành xuất sắc nhiệm vụ)",
                    AwardForm.CERTIFICATE_OF_MERIT,
                    GrantingBody.COMMITTEE,
                    RecipientType.ORGANIZATION,
                    f"{K.GRASSROOTS_COMMITTEE},{K.GRASSROOTS_CELL},"
                    f"{K.PARTIAL_COMMITTEE},{K.CELL}",
                    PeriodType.TERM,
                    Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION,
                    5,
                    None,
                ),
                (
                    "NAM",
                    f"Bằng khen của Ban Thường vụ Tỉnh ủy {province.name} (tổ chức "
                    "đảng hoàn thành xuất sắc nhiệm vụ năm)",
                    AwardForm.CERTIFICATE_OF_MERIT,
                    GrantingBody.STANDING,
                    RecipientType.ORGANIZATION,
                    f"{K.COMMUNE},{K.DIRECT},{K.GRASSROOTS_COMMITTEE},"
                    f"{K.GRASSROOTS_CELL}",
                    PeriodType.YEAR,
                    Criterion.EXCELLENT_ORGANIZATION_YEAR,
                    None,
                    None,
                ),
                (
                    "CO",
                    f"Cờ thi đua của Tỉnh ủy {province.name}",
                    AwardForm.FLAG,
                    GrantingBody.COMMITTEE,
                    RecipientType.ORGANIZATION,
                    f"{K.COMMUNE},{K.DIRECT}",
                    PeriodType.TERM,
                    Criterion.MANUAL,
                    None,
                    2,
                ),
            ]
            for spec in specs:
                part, name, form, body, recipient, kinds_csv, period, crit, n, q = spec
                own[part] = AwardKind(
                    code=f"{code}-{part}",
                    name=name,
                    form=form,
                    granting_organization_id=province.root.id,
                    granting_body=body,
                    recipient_type=recipient,
                    recipient_kinds=kinds_csv,
                    period_type=period,
                    criterion=crit,
                    consecutive_years=n,
                    quota=q,
                )
            for years in BADGE_YEARS:
                own[f"HH{years}"] = AwardKind(
                    code=f"{code}-HH{years}",
                    name=f"Huy hiệu {years} năm tuổi Đảng ({province.name})",
                    form=AwardForm.BADGE,
                    granting_organization_id=province.root.id,
                    granting_body=GrantingBody.STANDING,
                    recipient_type=RecipientType.MEMBER,
                    period_type=PeriodType.YEAR,
                    criterion=Criterion.BADGE,
                    badge_years=years,
                )
            kinds[province.number] = own
            rows.extend(own.values())
        AwardKind.objects.bulk_create(rows, batch_size=1_000)
        return kinds

    # ------------------------------------------------------------ a province

    def fill_in_parallel(self) -> None:
        """The provinces on ``workers`` processes (forked: they share the
        tree and the reference rows), each with a connection of its own and
        the ids of its own range (``PROVINCE_IDS`` per province), so that
        two cores generate while the database takes the rows."""
        import multiprocessing

        global _FORKED  # the children find the generator here (nothing pickled)

        started = time.perf_counter()
        connection.close()
        _FORKED = self
        context = multiprocessing.get_context("fork")
        with context.Pool(self.workers) as pool:
            for number, seconds, counts in pool.imap_unordered(
                _fill_province, range(len(self.provinces))
            ):
                for name, count in counts.items():
                    self.sink.counts[name] = self.sink.counts.get(name, 0) + count
                self.say(f"province {self.provinces[number].code}: {seconds:.1f} s")
        self.step("provinces", started)

    def _fill_one(self, number: int) -> tuple[int, float, dict[str, int]]:
        began = time.perf_counter()
        connection.close()  # the parent's socket is not ours
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        self.ids = Ids(base=(number + 1) * PROVINCE_IDS)
        self.sink = sinks.Sink()
        self.fill(self.provinces[number])
        connection.close()
        return number, time.perf_counter() - began, self.sink.counts

    def fill(self, province: Province) -> None:
        rng = province.rng
        people = self.write_members(province, rng)
        leaders = self.write_positions(province, people, rng)
        self.write_ratings(province, people, rng)
        self.write_congresses(province, rng)
        self.write_awards(province, people, leaders, rng)

    # ------------------------------------------------------------ members

    def cell_sizes(
        self, province: Province, rng: random.Random
    ) -> list[tuple[Org, int]]:
        holders = [
            o
            for o in province.organizations()
            if o.kind in MEMBER_HOLDING_KINDS and o.is_active
        ]
        weights = []
        for o in holders:
            base = 2.2 if o.profile == "residential" else 1.0
            weights.append(base * math.exp(rng.gauss(0, 0.45)))
        total = sum(weights)
        target = self.shape.members
        sizes = [max(3, int(target * w / total)) for w in weights]
        # Hand out the remainder (or take the excess) one by one.
        diff = target - sum(sizes)
        i = 0
        while diff != 0 and holders:
            j = i % len(sizes)
            if diff > 0:
                sizes[j] += 1
                diff -= 1
            elif sizes[j] > 3:
                sizes[j] -= 1
                diff += 1
            i += 1
        return list(zip(holders, sizes, strict=True))

    def person(
        self, pk: int, org: Org, province: Province, rng: random.Random
    ) -> Person:
        today = self.today
        profile = PROFILES.get(org.profile, PROFILES["agency"])
        gender = Gender.MALE if rng.random() < profile.male else Gender.FEMALE
        spans = profile.births
        pick = rng.random() * sum(w for _a, _b, w in spans)
        first = last = 0
        for first, last, weight in spans:  # noqa: B007 (used after the loop)
            if pick < weight:
                break
            pick -= weight
        birth_year = first + int(rng.random() * (last - first + 1))
        birth = date(birth_year, 1, 1) + timedelta(days=int(rng.random() * 365))
        age = 18 + min(27, int(abs(rng.gauss(0, 7))))
        admitted = add_years(birth, age) + timedelta(days=int(rng.random() * 365))
        latest = today - timedelta(days=20)
        if admitted > latest:
            admitted = day_between(rng, add_years(birth, 18), latest)
            if admitted > latest:
                admitted = latest
        ethnic = rng.random() < org.ethnic
        name = full_name(rng, gender=gender, birth_year=birth_year, ethnic=ethnic)
        official = None
        status = S.PROBATIONARY
        changed = None
        probation_over = add_months(admitted, 12)
        if probation_over <= today and rng.random() > 0.03:
            official = probation_over + timedelta(days=int(rng.random() * 45))
            official = min(official, today)
            status = S.OFFICIAL
        if status == S.OFFICIAL:
            r = rng.random()
            death = (
                0.14 if birth_year < 1945 else (0.05 if birth_year < 1955 else 0.003)
            )
            if r < death:
                status = S.DECEASED
            elif r < death + 0.01:
                status = S.TRANSFERRED_OUT
            elif r < death + 0.0115:
                status = S.EXPELLED
            elif r < death + 0.0145:
                status = S.REMOVED
            if status != S.OFFICIAL:
                changed = day_between(rng, max(official, date(2019, 1, 1)), today)
        return Person(
            id=pk,
            org=org,
            full_name=name,
            gender=gender,
            birth=birth,
            admitted=admitted,
            official=official,
            status=status,
            changed=changed,
            star=rng.random() < STAR_SHARE,
        )

    def write_members(self, province: Province, rng: random.Random) -> list[Person]:
        people: list[Person] = []
        first_id = self.ids.block(Member, self.shape.members)
        for org, size in self.cell_sizes(province, rng):
            for _n in range(size):
                person = self.person(first_id + len(people), org, province, rng)
                org.members.append(len(people))
                people.append(person)
        now = self.now
        number = province.number
        area = 1 + number % 96  # the citizen ID's province code

        def member_rows() -> Iterator[tuple]:
            for i, p in enumerate(people):
                female = p.gender == Gender.FEMALE
                century = (0 if p.birth.year < 2000 else 2) + female
                citizen = (
                    f"{area:03d}{century}{p.birth.year % 100:02d}{i:06d}"
                    if p.birth.year >= 1950 or i % 3
                    else None
                )
                yield (
                    p.id, now, now, p.full_name, folded(p.full_name), p.birth,
                    p.gender, f"{10 + number:02d}{i:08d}", citizen, p.admitted,
                    p.official, p.status, p.changed,
                    p.status == S.OFFICIAL and p.birth.year < 1950 and i % 97 == 0,
                    "", p.org.id,
                )  # fmt: skip

        self.sink.write(
            Member,
            ("id", "created_at", "updated_at", "full_name", "search_key",
             "birth_date", "gender", "card_number", "citizen_id", "admitted_on",
             "official_on", "status", "status_changed_on", "seriously_ill", "note",
             "organization_id"),
            member_rows(),
        )  # fmt: skip

        holders = [o for o in province.organizations() if o.members]
        # About 3% moved within the province once (an accepted transfer);
        # about 0.1% have a transfer awaiting acceptance now.
        moves: list[tuple[Person, Org, date]] = []
        pending: list[tuple[Person, Org, date]] = []
        for p in people:
            r = rng.random()
            if r < 0.03:
                moved = day_between(
                    rng, add_months(p.admitted, 12), self.today - timedelta(30)
                )
                before = holders[int(rng.random() * len(holders))]
                if moved > add_months(p.admitted, 12) and before is not p.org:
                    moves.append((p, before, moved))
            elif r < 0.031 and p.is_active:
                to = holders[int(rng.random() * len(holders))]
                if to is not p.org:
                    letter = self.today - timedelta(days=randint(rng, (1, 60)))
                    pending.append((p, to, letter))
        moved_from = {p.id: (before, moved) for p, before, moved in moves}

        def placements() -> Iterator[tuple]:
            for p in people:
                found = moved_from.get(p.id)
                if found is not None:
                    before, moved = found
                    yield (self.ids(MemberPlacement), p.admitted, moved, None,
                           p.id, before.id)  # fmt: skip
                yield (self.ids(MemberPlacement), found[1] if found else p.admitted,
                       None, None, p.id, p.org.id)  # fmt: skip

        self.sink.write(
            MemberPlacement,
            ("id", "valid_from", "valid_to", "restructuring_id", "member_id",
             "organization_id"),
            placements(),
        )  # fmt: skip

        serials: dict[tuple[int, int], int] = defaultdict(int)

        def transfers() -> Iterator[tuple]:
            items = [(p, before, p.org, moved, True) for p, before, moved in moves]
            items += [(p, p.org, to, letter, False) for p, to, letter in pending]
            for p, source, target, day, accepted in items:
                issuer = self.member_unit(source)
                letter_date = day - timedelta(days=10) if accepted else day
                serials[(issuer.id, letter_date.year)] += 1
                serial = serials[(issuer.id, letter_date.year)]
                decided = at(day, 10) if accepted else None
                yield (
                    self.ids(Transfer), now, now, TransferKind.OFFICIAL,
                    f"{serial}-GGT/ĐU", serial, letter_date.year, letter_date,
                    letter_date + timedelta(days=TRANSFER_DUE_DAYS),
                    day if accepted else None, None,
                    TransferStatus.ACCEPTED if accepted else TransferStatus.ISSUED,
                    "Chuyển sinh hoạt đảng", decided, "", p.id, source.id,
                    target.id, issuer.id, None, None,
                )  # fmt: skip

        self.sink.write(
            Transfer,
            ("id", "created_at", "updated_at", "kind", "letter_number",
             "letter_serial", "letter_year", "letter_date", "due_on",
             "effective_on", "ends_on", "status", "reason", "decided_at",
             "decision_reason", "member_id", "from_organization_id",
             "to_organization_id", "issuer_id", "issued_by_id", "decided_by_id"),
            transfers(),
        )  # fmt: skip

        def interruptions() -> Iterator[tuple]:
            for p in people:
                if p.status in (S.EXPELLED, S.REMOVED):
                    reason = (
                        InterruptionReason.EXPELLED
                        if p.status == S.EXPELLED
                        else InterruptionReason.REMOVED
                    )
                    p.interrupted = True
                    yield (self.ids(Interruption), now, now, p.changed, None, reason,
                           "", p.id)  # fmt: skip
                elif p.official and rng.random() < 0.008:
                    start = day_between(
                        rng, p.official, min(self.today, add_years(p.official, 20))
                    )
                    length = timedelta(days=randint(rng, (60, 900)))
                    end = min(self.today, start + length)
                    if end > start and (p.changed is None or end < p.changed):
                        p.interrupted = True
                        reason = (
                            InterruptionReason.LOST_CONTACT
                            if rng.random() < 0.6
                            else InterruptionReason.TRANSFER_GAP
                        )
                        yield (self.ids(Interruption), now, now, start, end, reason,
                               "", p.id)  # fmt: skip

        self.sink.write(
            Interruption,
            ("id", "created_at", "updated_at", "started_on", "ended_on", "reason",
             "note", "member_id"),
            interruptions(),
        )  # fmt: skip
        return people

    # ------------------------------------------------------------ positions

    def write_positions(
        self, province: Province, people: list[Person], rng: random.Random
    ) -> dict[str, int]:
        """Seats of both terms; returns the province's secretaries by term."""
        old_term = self.reference.terms["2020–2025"]
        new_term = self.reference.terms["2025–2030"]
        now = self.now
        rows: list[tuple] = []
        leaders: dict[str, int] = {}
        subtree_cells: dict[int, list[Org]] = {}

        def cells_under(o: Org) -> list[Org]:
            cells = subtree_cells.get(o.id)
            if cells is None:
                cells = subtree_cells[o.id] = [n for n in o.walk() if n.members]
            return cells

        def candidates(o: Org, count: int) -> list[Person]:
            cells = cells_under(o)
            chosen: dict[int, Person] = {}
            tries = 0
            while cells and len(chosen) < count and tries < count * 30:
                tries += 1
                cell = cells[int(rng.random() * len(cells))]
                p = people[cell.members[int(rng.random() * len(cell.members))]]
                if p.status == S.OFFICIAL and p.birth.year >= 1961:
                    chosen[p.id] = p
            return list(chosen.values())

        def seats(executive: int, standing: int, inspection: int) -> list[tuple]:
            """(body, role, index into the people) for one organization."""
            out = []
            leaders_count = 1 + (executive >= 9) + (executive >= 15) + (executive >= 30)
            for i in range(executive):
                if i == 0:
                    role = Role.SECRETARY
                elif i == 1 and executive >= 15:
                    role = Role.STANDING_DEPUTY_SECRETARY
                elif i < leaders_count or (i == 1 and executive >= 2):
                    role = Role.DEPUTY_SECRETARY
                else:
                    role = Role.MEMBER
                out.append((Body.EXECUTIVE, role, i))
                if i < standing:
                    if role == Role.MEMBER:
                        role = Role.STANDING_MEMBER
                    out.append((Body.STANDING, role, i))
            for j in range(inspection):
                role = (
                    Role.INSPECTION_CHAIR
                    if j == 0
                    else (Role.INSPECTION_DEPUTY if j == 1 else Role.INSPECTION_MEMBER)
                )
                out.append((Body.INSPECTION, role, executive + j))
            return out

        for o in province.organizations():
            if not o.is_active or o.kind not in SEATS:
                continue
            executive, standing, inspection = SEATS[o.kind]
            if o.kind in MEMBER_HOLDING_KINDS and len(o.members) < 9:
                executive = 2 if len(o.members) >= 3 else 1
            plan = seats(executive, standing, inspection)
            heads = executive + inspection
            new = candidates(o, heads)
            if not new:
                continue
            # 60% re-elected: the old committee shares most of its people.
            old = [p if rng.random() < 0.6 else None for p in new]
            fresh = candidates(o, heads)
            old = [
                p or (fresh[i] if i < len(fresh) else None) for i, p in enumerate(old)
            ]
            new_start = max(new_term.starts_on, self.congress_day(o, 2025))
            for body, role, i in plan:
                holder = new[i] if i < len(new) else None
                if holder is not None:
                    rows.append((self.ids(Position), now, now, body, role,
                                 ROLE_RANK[role], new_start, None, "", holder.id,
                                 o.id, new_term.pk))  # fmt: skip
                    if o.depth == 1 and (body, role) == PROVINCE_SECRETARY:
                        leaders["2025–2030"] = holder.id
                before = old[i] if i < len(old) else None
                if before is not None:
                    rows.append((self.ids(Position), now, now, body, role,
                                 ROLE_RANK[role], old_term.starts_on,
                                 new_start - timedelta(days=1), "", before.id, o.id,
                                 old_term.pk))  # fmt: skip
                    if o.depth == 1 and (body, role) == PROVINCE_SECRETARY:
                        leaders["2020–2025"] = before.id
        self.sink.write(
            Position,
            ("id", "created_at", "updated_at", "body", "role", "rank", "started_on",
             "ended_on", "state_title", "member_id", "organization_id", "term_id"),
            rows,
        )  # fmt: skip
        return leaders

    # ------------------------------------------------------------ ratings

    def member_unit(self, org: Org) -> Org:
        """``services.rating_unit`` for a member of ``org``."""
        for node in reversed(org.ancestors(include_self=True)):
            if node.kind in GRASSROOTS_KINDS:
                return node
        return org

    def organization_unit(self, org: Org) -> Org:
        chain = org.ancestors()
        for node in reversed(chain):
            if node.kind in GRASSROOTS_KINDS:
                return node
        return chain[-1] if chain else org

    def write_ratings(
        self, province: Province, people: list[Person], rng: random.Random
    ) -> None:
        years = range(FIRST_RATED_YEAR, self.last_year + 1)
        # (unit, year) -> [grade, subject, star] lists, so that the quota can
        # be kept in each unit and year before anything is written.
        member_groups: dict[tuple[int, int], list[list]] = defaultdict(list)
        unit_of: dict[int, Org] = {}
        for p in people:
            unit = unit_of.get(p.org.id)
            if unit is None:
                unit = unit_of[p.org.id] = self.member_unit(p.org)
            cumulative = STAR_GRADES if p.star else MEMBER_GRADES
            for year in p.rated_years(self.last_year):
                member_groups[(unit.id, year)].append(
                    [grade_of(rng, cumulative), p.id, p.star]
                )
        org_groups: dict[tuple[int, int], list[list]] = defaultdict(list)
        for o in province.organizations():
            if o.depth == 1 or o.kind == K.PARTY_GROUP:
                continue
            star = rng.random() < 0.04
            unit = self.organization_unit(o)
            for year in years:
                if not o.is_active and o.ended_on and year >= o.ended_on.year:
                    continue
                grade = grade_of(rng, STAR_GRADES if star else ORG_GRADES)
                org_groups[(unit.id, year)].append([grade, o.id, star])
        for groups in (member_groups, org_groups):
            for entries in groups.values():
                self.keep_quota(entries, rng)
        now = self.now
        regulation_ids = {y: self.reference.regulation_for(y) for y in years}

        def rows(groups: dict, member: bool) -> Iterator[tuple]:
            for (unit_id, year), entries in groups.items():
                regulation = regulation_ids[year]
                scored = regulation is not None and regulation.uses_score
                for grade, subject, _star in entries:
                    score = randint(rng, SCORES[grade]) if scored else None
                    yield (
                        self.ids(Rating), now, now, year, grade, score, "",
                        subject if member else None, None if member else subject,
                        unit_id, regulation.pk if regulation else None,
                    )  # fmt: skip

        fields = ("id", "created_at", "updated_at", "year", "grade", "score",
                  "note", "member_id", "organization_id", "unit_id",
                  "regulation_id")  # fmt: skip
        self.sink.write(Rating, fields, rows(member_groups, True))
        self.sink.write(Rating, fields, rows(org_groups, False))
        pairs = sorted(set(member_groups) | set(org_groups))
        drafts = 0.15 if self.last_year >= 2025 else 0.0

        def finalizations() -> Iterator[tuple]:
            for unit_id, year in pairs:
                if year == self.last_year and rng.random() < drafts:
                    continue  # still a draft
                delay = timedelta(days=randint(rng, (0, 40)))
                finalized = at(date(year + 1, 1, 10) + delay)
                yield (self.ids(RatingFinalization), now, now,
                       FinalizationStatus.FINALIZED, finalized, "", None, unit_id,
                       year)  # fmt: skip

        self.sink.write(
            RatingFinalization,
            ("id", "created_at", "updated_at", "status", "finalized_at",
             "reopen_reason", "finalized_by_id", "unit_id", "year"),
            finalizations(),
        )  # fmt: skip

    @staticmethod
    def keep_quota(entries: list[list], rng: random.Random) -> None:
        """At most 20% of the "good" may be "excellent": demote the excess,
        ordinary members before stars."""
        excellent = [e for e in entries if e[0] == Grade.EXCELLENT]
        good = sum(1 for e in entries if e[0] == Grade.GOOD)
        # e excellent beside g good: e <= floor(20% of (g + demoted))
        while excellent and len(excellent) > (good * QUOTA_PERCENT) // 100:
            excellent.sort(key=lambda e: (e[2], rng.random()))
            demoted = excellent.pop(0)
            demoted[0] = Grade.GOOD
            good += 1

    # ------------------------------------------------------------ congresses

    def congress_day(self, o: Org, year: int) -> date:
        """The first day of an organization's congress in 2020 or 2025:
        lower levels first, each before its parent's, a deterministic draw
        (the same for positions and congresses)."""
        key = (o.id, year)
        found = self._congress_days.get(key)
        if found is None:
            found = self._congress_days[key] = self._congress_day(o, year)
        return found

    def _congress_day(self, o: Org, year: int) -> date:
        rng = random.Random(f"{self.seed}:{o.id}:{year}")
        if o.kind == K.PROVINCE:
            return date(year, 10, 14)
        # The first child of each organization holds the model congress,
        # before its siblings (and after its own subordinates).
        model = o.parent is not None and o.parent.children[0] is o
        if o.kind in (K.COMMUNE, K.DIRECT, K.DISTRICT):
            if model:
                return date(year, 5, 25) + timedelta(days=int(rng.random() * 3))
            if year == 2020 and o.kind == K.COMMUNE:  # a grassroots committee then
                return date(2020, 6, 1) + timedelta(days=int(rng.random() * 25))
            return date(year, 7, 10) + timedelta(days=int(rng.random() * 45))
        parent = o.parent
        top = date(year, 6, 28)
        if parent is not None:
            top = self.congress_day(parent, year)
        if parent is not None and parent.kind in (K.COMMUNE, K.DIRECT, K.DISTRICT):
            top = min(top, date(year, 6, 29))
        if model:
            return top - timedelta(days=25 + int(rng.random() * 4))
        return top - timedelta(days=4 + int(rng.random() * 20))

    def write_congresses(self, province: Province, rng: random.Random) -> None:
        now = self.now
        terms = self.reference.terms
        congress_rows: list[tuple] = []
        milestone_rows: list[tuple] = []
        today = self.today
        for o in province.organizations():
            if o.kind == K.PARTY_GROUP:
                continue
            small = o.kind in (K.CELL, K.GRASSROOTS_CELL, K.PARTIAL_COMMITTEE)
            kind = CongressKind.ALL_MEMBERS if small else CongressKind.DELEGATES
            ordinal = randint(rng, (12, 25))
            first_sibling = o.parent is not None and o.parent.children[0] is o
            for term_name, year in (("2020–2025", 2020), ("2025–2030", 2025)):
                if year == 2025 and not o.is_active:
                    continue
                days = 4 if o.kind == K.PROVINCE else (2 if not small else 1)
                start = self.congress_day(o, year)
                late = (
                    year == 2025
                    and o.depth > 1
                    and rng.random() < self.shape.late_share
                )
                status = (
                    CongressStatus.RESULTS_APPROVED
                    if rng.random() < 0.7
                    else CongressStatus.HELD
                )
                override = ""
                if late:  # postponed: the milestones come due about now
                    start = today + timedelta(days=randint(rng, (10, 30)))
                    status = CongressStatus.PREPARING
                    override = "Đại hội lùi thời gian do kiện toàn tổ chức sau sắp xếp"
                end = start + timedelta(days=days - 1)
                held = status in (CongressStatus.HELD, CongressStatus.RESULTS_APPROVED)
                cid = self.ids(Congress)
                congress_rows.append(
                    (
                        cid, now, now, ordinal - (year == 2020), start, end, "",
                        first_sibling and not late, kind,
                        None if small else randint(rng, (90, 350)), status, False,
                        override, self.users["nation"] if override else None,
                        randint(rng, (3, 15)) if held and o.depth > 1 else None, "",
                        o.id, terms[term_name].pk,
                    )
                )  # fmt: skip
                for template in self.reference.templates[term_name]:
                    if not template.applies_to(LEVEL_OF_KIND[o.kind]):
                        continue
                    owner = o
                    if template.owner == MilestoneOwner.SUPERIOR and o.parent:
                        owner = o.parent
                    due = start + timedelta(days=template.offset_days)
                    done_at = done_by = None
                    if not late:
                        done_at = at(due - timedelta(days=randint(rng, (0, 5))), 15)
                    milestone_rows.append(
                        (
                            self.ids(Milestone), now, now, template.kind,
                            template.display_title, due, done_at, done_by, "", cid,
                            owner.id, template.pk,
                        )
                    )  # fmt: skip
        self.sink.write(
            Congress,
            ("id", "created_at", "updated_at", "ordinal", "starts_on", "ends_on",
             "venue", "is_model", "kind", "expected_delegates", "status",
             "committee_appointed", "override_reason", "override_by_id",
             "delegates_to_superior", "results_note", "organization_id", "term_id"),
            congress_rows,
        )  # fmt: skip
        self.sink.write(
            Milestone,
            ("id", "created_at", "updated_at", "kind", "title", "due_on", "done_at",
             "done_by_id", "note", "congress_id", "owner_id", "template_id"),
            milestone_rows,
        )  # fmt: skip

    # ------------------------------------------------------------ awards

    def occasions(self) -> list[date]:
        """The national occasions of the last two years, up to today."""
        days = []
        for year in (self.today.year - 1, self.today.year):
            for month, day in OCCASIONS:
                if date(year, month, day) <= self.today:
                    days.append(date(year, month, day))
        return sorted(days)

    def write_awards(
        self,
        province: Province,
        people: list[Person],
        leaders: dict[str, int],
        rng: random.Random,
    ) -> None:
        """Membership badges conferred at each past occasion (one decision of
        the province's Standing Committee per occasion, one nomination per
        committee under the province and badge), and a certificate of merit
        for a few organizations excellent in the last rated year."""
        occasions = self.occasions()
        if not occasions or not leaders:
            return
        kinds = self.kinds[province.number]
        first_day = occasions[0] - timedelta(days=95)
        top_of: dict[int, Org] = {}

        def top(o: Org) -> Org:
            found = top_of.get(o.id)
            if found is None:
                chain = o.ancestors(include_self=True)
                found = top_of[o.id] = chain[1] if len(chain) > 1 else chain[0]
            return found

        # occasion -> (committee, years) -> [people]
        due: dict[date, dict[tuple[Org, int], list[Person]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for p in people:
            if not p.is_active or p.interrupted:
                continue
            for years in BADGE_YEARS:
                reached = add_years(p.admitted, years)
                if reached <= first_day or reached > occasions[-1]:
                    continue
                occasion = next(d for d in occasions if d >= reached)
                if occasion - reached > timedelta(days=120):
                    continue  # reached before the first occasion counted
                due[occasion][(top(p.org), years)].append(p)
        now = self.now
        terms = self.reference.terms
        decisions, nominations, items, events, awards = [], [], [], [], []
        numbers: dict[int, int] = defaultdict(int)
        for occasion in occasions:
            groups = due.get(occasion)
            if not groups:
                continue
            signed = occasion - timedelta(days=12)
            term = terms["2025–2030" if signed >= date(2025, 10, 1) else "2020–2025"]
            signer = leaders.get(term.name) or next(iter(leaders.values()))
            numbers[term.pk] += 1
            decision_id = self.ids(Decision)
            decisions.append(
                (
                    decision_id,
                    now,
                    now,
                    GrantingBody.STANDING,
                    numbers[term.pk],
                    signed,
                    f"Tặng Huy hiệu Đảng đợt {occasion:%d/%m/%Y}",
                    None,
                    province.root.id,
                    signer,
                    term.pk,
                )  # fmt: skip
            )
            period = self.reference.periods[
                (PeriodType.YEAR, occasion.year, occasion.year)
            ]
            for (committee, years), members in sorted(
                groups.items(), key=lambda g: (g[0][0].path, g[0][1])
            ):
                kind = kinds[f"HH{years}"]
                nomination_id = self.ids(Nomination)
                submitted = at(signed - timedelta(days=20))
                decided = at(signed - timedelta(days=5))
                nominations.append(
                    (
                        nomination_id,
                        now,
                        now,
                        NominationStatus.CONFERRED,
                        occasion,
                        submitted,
                        decided,
                        "",
                        "",
                        province.root.id,
                        None,
                        decision_id,
                        kind.pk,
                        period.pk,
                        committee.id,
                    )  # fmt: skip
                )
                for action, before, after, when in (
                    (NominationAction.CREATE, "", NominationStatus.DRAFT, submitted),
                    (NominationAction.SUBMIT, NominationStatus.DRAFT,
                     NominationStatus.SUBMITTED, submitted),
                    (NominationAction.APPROVE, NominationStatus.SUBMITTED,
                     NominationStatus.APPROVED, decided),
                    (NominationAction.CONFER, NominationStatus.APPROVED,
                     NominationStatus.CONFERRED, at(signed)),
                ):  # fmt: skip
                    events.append(
                        (
                            self.ids(NominationEvent),
                            action,
                            before,
                            after,
                            "",
                            when,
                            None,
                            province.root.id,
                            nomination_id,
                        )  # fmt: skip
                    )
                for p in members:
                    item_id = self.ids(NominationItem)
                    evidence = json.dumps(
                        {
                            "criterion": "badge",
                            "badge_years": years,
                            "admitted_on": p.admitted.isoformat(),
                            "occasion": occasion.isoformat(),
                        }
                    )
                    items.append(
                        (
                            item_id,
                            now,
                            now,
                            "",
                            evidence,
                            ItemSource.ELIGIBILITY,
                            ItemStatus.APPROVED,
                            "",
                            p.id,
                            nomination_id,
                            None,
                        )  # fmt: skip
                    )
                    award_id = self.ids(Award)
                    code = base64.urlsafe_b64encode(
                        rng.getrandbits(64).to_bytes(8, "big")
                    ).decode()[:11]
                    awards.append(
                        (
                            award_id,
                            now,
                            now,
                            p.full_name,
                            occasion,
                            f"{award_id:x}x{code}"[:32],
                            None,
                            "",
                            decision_id,
                            item_id,
                            kind.pk,
                            p.id,
                            None,
                            period.pk,
                            None,
                            p.org.path,
                            signed,
                        )  # fmt: skip
                    )
        self.sink.write(
            Decision,
            ("id", "created_at", "updated_at", "body", "number", "signed_on",
             "title", "issued_by_id", "issuer_id", "signer_id", "term_id"),
            decisions,
        )  # fmt: skip
        self.sink.write(
            Nomination,
            ("id", "created_at", "updated_at", "status", "occasion_on",
             "submitted_at", "decided_at", "rejection_reason", "return_comment",
             "at_organization_id", "created_by_id", "decision_id", "kind_id",
             "period_id", "proposer_id"),
            nominations,
        )  # fmt: skip
        self.sink.write(
            NominationEvent,
            ("id", "action", "from_status", "to_status", "comment", "created_at",
             "actor_id", "at_organization_id", "nomination_id"),
            events,
        )  # fmt: skip
        self.sink.write(
            NominationItem,
            ("id", "created_at", "updated_at", "justification", "evidence", "source",
             "status", "rejection_reason", "member_id", "nomination_id",
             "organization_id"),
            items,
        )  # fmt: skip
        self.sink.write(
            Award,
            ("id", "created_at", "updated_at", "recipient_name", "occasion_on",
             "verification_code", "revoked_at", "revocation_reason", "decision_id",
             "item_id", "kind_id", "member_id", "organization_id", "period_id",
             "revoked_by_id", "recipient_path", "signed_on"),
            awards,
        )  # fmt: skip
        # The decision numbers taken, and the counters that issue the next.
        self.sink.write(
            DocumentCounter,
            (
                "id",
                "created_at",
                "updated_at",
                "kind",
                "last_number",
                "issuer_id",
                "term_id",
            ),
            [
                (
                    self.ids(DocumentCounter),
                    now,
                    now,
                    DocumentKind.DECISION,
                    last,
                    province.root.id,
                    term_id,
                )  # fmt: skip
                for term_id, last in numbers.items()
            ],
        )
        self.sink.write(
            DocumentNumber,
            ("id", "kind", "number", "typed", "created_at", "issuer_id", "term_id"),
            [
                (
                    self.ids(DocumentNumber),
                    DocumentKind.DECISION,
                    row[4],
                    False,
                    now,
                    province.root.id,
                    row[10],
                )  # fmt: skip
                for row in decisions
            ],
        )

    # ------------------------------------------------------------ history

    def write_history(self) -> None:
        """A creation row ("+") in the history of every member and position,
        copied by the database from the rows just written."""
        for model in (Member, Position):
            history = model.history.model
            own = {f.column for f in model._meta.concrete_fields}
            columns = [
                f.column for f in history._meta.concrete_fields if f.column in own
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            sql = (
                f"INSERT INTO {history._meta.db_table} ({quoted}, history_date, "
                "history_change_reason, history_type, history_user_id) "
                f"SELECT {quoted}, created_at, %s, '+', NULL "
                f"FROM {model._meta.db_table} ORDER BY id"
            )
            count = self.sink.execute(sql, ["generate_scale"])
            name = history._meta.db_table
            self.sink.counts[name] = self.sink.counts.get(name, 0) + count


_FORKED: Generator | None = None


def _fill_province(number: int) -> tuple[int, float, dict[str, int]]:
    """A province in a forked worker (``Generator.fill_in_parallel``)."""
    return _FORKED._fill_one(number)


#: Tables whose triggers keep the tallies, the runs of excellent years,
#: the dated tallies' validity and the awards' copies (off during a fast
#: load, recounted after it).
TRIGGERED_TABLES = (
    "committees_member",
    "committees_memberplacement",
    "committees_rating",
    "committees_organization",
)

#: Tables written in bulk (their secondary indexes are dropped for the load).
BULK_MODELS: tuple[type, ...] = (
    Organization,
    Organization.history.model,
    OrganizationVersion,
    Restructuring,
    RestructuringOrganization,
    User,
    User.groups.through,
    Member,
    Member.history.model,
    MemberPlacement,
    Interruption,
    Transfer,
    Position,
    Position.history.model,
    Rating,
    RatingFinalization,
    Congress,
    Milestone,
    Decision,
    Nomination,
    NominationEvent,
    NominationItem,
    Award,
    DocumentCounter,
    DocumentNumber,
)


def database_is_empty() -> list[str]:
    """What the database holds already (empty list: it is empty)."""
    found = []
    for model in (Organization, Member, Term, User, Rating, Congress, AwardKind):
        if model.objects.exists():
            found.append(str(model._meta.verbose_name_plural))
    return found


def generate(
    scale: str,
    *,
    shape: Shape | None = None,
    seed: int = 2025,
    today: date | None = None,
    say: Callable[[str], None] = say_nothing,
    fast_load: bool | None = None,
    workers: int | None = None,
) -> Summary:
    """Generate the dataset of ``scale`` into the (empty) default database."""
    shape = shape or SHAPES[scale]
    if fast_load is None:
        fast_load = (
            connection.vendor == "postgresql"
            and scale != "tiny"
            and connection.get_autocommit()
        )
    generator = Generator(
        shape,
        seed=seed,
        today=today or timezone.localdate(),
        say=say,
        fast_load=fast_load,
        # Two processes on this two-core machine, for a fast load only (the
        # rows of a test's transaction must come through its connection).
        workers=workers if workers is not None else (2 if fast_load else 1),
    )
    if fast_load:  # COPY by COPY: other connections rebuild the indexes
        return generator.run()
    with transaction.atomic():  # one commit (one fsync), all or nothing
        return generator.run()
