"""Demo awards: the review conference of 14 January 2025 (DOMAIN.md §5),
reproduced through the real services (``load_demo`` calls ``load``).

What it builds, granted by the Provincial Committee (TU-BG):

- the award kinds of the ceremony and the twelve membership badges;
- the ratings that make the computed lists yield the candidates: five
  grassroots organizations for the Flag and four for the Certificate of
  Merit, each rated excellent 2020–2024 by its district-level committee
  (reopened, re-rated and finalized again through ``committees.services``,
  within the excellent quota). The 40 members the committees demo made
  excellent 2020–2024 are eligible as they are;
- nominations proposed by the district-level committees, approved by the
  province's staff, and one decision per award kind, dated 10 January 2025,
  signed by the Provincial Secretary, conferring exactly: Flags to 2
  committees leading the movement for 2020–2025 (QS-BG and TP-BG, manual
  criterion); Certificates of Merit of the Provincial Committee to 3
  district-level committees for 2024 and 3 for the term, and of its
  Standing Committee to 3 + 3; Flags to 5 grassroots organizations;
  Certificates of Merit to 4 grassroots organizations, 1 party unit, 19
  party cells and 34 members for excellent completion of tasks 2020–2024.

District-level committees, the party unit and the cells are added by hand
with a justification: under the portal's quota (excellent ≤ 20% of good in
each rating unit) no more than two of the twelve district-level committees,
and no cell of a three-to-seven-cell unit, can be rated excellent in the
same year, so their computed lists cannot hold these numbers; the emulation
council's own assessment carries them. Six of the 40 eligible members are
left for the staff to nominate (the city's first). The badges due on 2
September 2025 are a list on the badge page, not conferred.

Idempotent: nothing is added once the province has an award decision.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from committees import services as committee_services
from committees.models import (
    FinalizationStatus,
    Grade,
    Organization,
    OrganizationKind,
    Position,
    Rating,
    RatingFinalization,
    Role,
)

from . import selectors, services
from .models import (
    BADGE_YEARS,
    Award,
    AwardForm,
    AwardKind,
    Criterion,
    Decision,
    GrantingBody,
    Nomination,
    NominationAction,
    NominationEvent,
    PeriodType,
    RecipientType,
)

PROVINCE_CODE = "TU-BG"
CITY_CODE = "TP-BG"
SIGNED_ON = date(2025, 1, 10)
#: The first decision carries the number the province's register gave it;
#: the next ones follow in sequence.
FIRST_NUMBER = "1521-QĐ/TU"
RATED_YEARS = tuple(range(2020, 2025))
MEMBERS_CONFERRED = 34
K = OrganizationKind

DISTRICT_LEVEL = f"{K.DISTRICT},{K.DIRECT}"
GRASSROOTS = f"{K.GRASSROOTS_COMMITTEE},{K.GRASSROOTS_CELL}"
ORGANIZATIONS = f"{GRASSROOTS},{K.PARTIAL_COMMITTEE},{K.CELL}"

#: code, name, form, body, recipients (kinds), period, criterion, N, quota
KINDS: tuple[tuple[Any, ...], ...] = (
    (
        "CO-TU",
        "Cờ thi đua của Tỉnh ủy (đơn vị dẫn đầu phong trào thi đua)",
        AwardForm.FLAG,
        GrantingBody.COMMITTEE,
        DISTRICT_LEVEL,
        PeriodType.TERM,
        Criterion.MANUAL,
        None,
        2,
    ),
    (
        "BK-TU-NAM",
        "Bằng khen của Tỉnh ủy (hoàn thành xuất sắc nhiệm vụ năm)",
        AwardForm.CERTIFICATE_OF_MERIT,
        GrantingBody.COMMITTEE,
        DISTRICT_LEVEL,
        PeriodType.YEAR,
        Criterion.MANUAL,
        None,
        3,
    ),
    (
        "BK-TU-NK",
        "Bằng khen của Tỉnh ủy (tiêu biểu nhiệm kỳ)",
        AwardForm.CERTIFICATE_OF_MERIT,
        GrantingBody.COMMITTEE,
        DISTRICT_LEVEL,
        PeriodType.TERM,
        Criterion.MANUAL,
        None,
        3,
    ),
    (
        "BK-BTV-NAM",
        "Bằng khen của Ban Thường vụ Tỉnh ủy (hoàn thành xuất sắc nhiệm vụ năm)",
        AwardForm.CERTIFICATE_OF_MERIT,
        GrantingBody.STANDING,
        DISTRICT_LEVEL,
        PeriodType.YEAR,
        Criterion.MANUAL,
        None,
        3,
    ),
    (
        "BK-BTV-NK",
        "Bằng khen của Ban Thường vụ Tỉnh ủy (tiêu biểu nhiệm kỳ)",
        AwardForm.CERTIFICATE_OF_MERIT,
        GrantingBody.STANDING,
        DISTRICT_LEVEL,
        PeriodType.TERM,
        Criterion.MANUAL,
        None,
        3,
    ),
    (
        "CO-TU-CS",
        "Cờ thi đua của Tỉnh ủy (tổ chức cơ sở đảng 5 năm liền hoàn thành "
        "xuất sắc nhiệm vụ)",
        AwardForm.FLAG,
        GrantingBody.COMMITTEE,
        GRASSROOTS,
        PeriodType.TERM,
        Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION,
        5,
        5,
    ),
    (
        "BK-TU-TC5",
        "Bằng khen của Tỉnh ủy (tổ chức đảng 5 năm liền hoàn thành xuất sắc nhiệm vụ)",
        AwardForm.CERTIFICATE_OF_MERIT,
        GrantingBody.COMMITTEE,
        ORGANIZATIONS,
        PeriodType.TERM,
        Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION,
        5,
        None,
    ),
    (
        "BK-TU-DV5",
        "Bằng khen của Tỉnh ủy (đảng viên 5 năm liền hoàn thành xuất sắc nhiệm vụ)",
        AwardForm.CERTIFICATE_OF_MERIT,
        GrantingBody.COMMITTEE,
        "",
        PeriodType.TERM,
        Criterion.CONSECUTIVE_EXCELLENT_MEMBER,
        5,
        None,
    ),
)

#: District-level committees of the manual kinds (kind code → org codes).
DISTRICT_AWARDS: dict[str, tuple[str, ...]] = {
    "CO-TU": ("QS-BG", CITY_CODE),
    "BK-TU-NAM": ("HU-LNG", "HU-HH", "HU-TY"),
    "BK-TU-NK": ("TX-VY", "HU-LG", "KCQ-BG"),
    "BK-BTV-NAM": ("HU-SD", "HU-LN", "HU-YT"),
    "BK-BTV-NK": ("HU-HH", "HU-LNG", "QS-BG"),
}
JUSTIFICATIONS = {
    "CO-TU": "Đơn vị dẫn đầu phong trào thi đua nhiệm kỳ 2020–2025.",
    "BK-TU-NAM": "Hoàn thành xuất sắc nhiệm vụ năm 2024 (Hội đồng Thi đua - "
    "Khen thưởng tỉnh đánh giá).",
    "BK-TU-NK": "Tiêu biểu trong thực hiện Nghị quyết Đại hội nhiệm kỳ 2020–2025.",
    "BK-BTV-NAM": "Hoàn thành xuất sắc nhiệm vụ năm 2024.",
    "BK-BTV-NK": "Tiêu biểu xuất sắc nhiệm kỳ 2020–2025.",
    "BK-TU-TC5": "5 năm liền (2020–2024) hoàn thành xuất sắc nhiệm vụ, theo "
    "đánh giá của Hội đồng Thi đua - Khen thưởng tỉnh.",
}
GRASSROOTS_FLAGS = 5
GRASSROOTS_CERTIFICATES = 4
CELLS = 19
PARTY_UNITS = 1

DECISION_TITLES = {
    "CO-TU": "Tặng Cờ thi đua của Tỉnh ủy cho đơn vị dẫn đầu phong trào thi đua "
    "nhiệm kỳ 2020–2025",
    "BK-TU-NAM": "Tặng Bằng khen của Tỉnh ủy cho tập thể hoàn thành xuất sắc "
    "nhiệm vụ năm 2024",
    "BK-TU-NK": "Tặng Bằng khen của Tỉnh ủy cho tập thể tiêu biểu nhiệm kỳ 2020–2025",
    "BK-BTV-NAM": "Tặng Bằng khen của Ban Thường vụ Tỉnh ủy cho tập thể hoàn thành "
    "xuất sắc nhiệm vụ năm 2024",
    "BK-BTV-NK": "Tặng Bằng khen của Ban Thường vụ Tỉnh ủy cho tập thể tiêu biểu "
    "nhiệm kỳ 2020–2025",
    "CO-TU-CS": "Tặng Cờ thi đua của Tỉnh ủy cho tổ chức cơ sở đảng 5 năm liền "
    "hoàn thành xuất sắc nhiệm vụ",
    "BK-TU-TC5": "Tặng Bằng khen của Tỉnh ủy cho tổ chức đảng 5 năm liền hoàn "
    "thành xuất sắc nhiệm vụ (2020–2024)",
    "BK-TU-DV5": "Tặng Bằng khen của Tỉnh ủy cho đảng viên 5 năm liền hoàn thành "
    "xuất sắc nhiệm vụ (2020–2024)",
}
REOPEN_REASON = "Rà soát xếp loại tổ chức đảng trước khi xét khen thưởng (demo)"


class QuotaTooSmall(Exception):
    """A rating unit too small for one more organization rated excellent."""


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def load(*, stdout: Any = None) -> None:
    started = time.perf_counter()
    province = Organization.objects.filter(code=PROVINCE_CODE).first()
    if province is None:
        _say(stdout, "Awards: no demo province, nothing to add.")
        return
    with transaction.atomic():
        kinds = ensure_kinds(province)
        if Decision.objects.filter(issuer=province).exists():
            _say(stdout, "Awards: the January 2025 ceremony is already there.")
            return
        decisions = _Ceremony(province, kinds).run()
    awards = sum(d.awards.count() for d in decisions)
    _say(
        stdout,
        f"Awards: {len(decisions)} decisions, {awards} awards of the January 2025 "
        f"ceremony ({time.perf_counter() - started:.1f} s).",
    )


def ensure_kinds(province: Organization) -> dict[str, AwardKind]:
    """The ceremony's kinds and the badges, unless an administrator made them."""
    kinds = {}
    for code, name, form, body, recipients, period, criterion, n, quota in KINDS:
        kinds[code] = _kind(
            code,
            name=name,
            form=form,
            granting_organization=province,
            granting_body=body,
            recipient_type=(
                RecipientType.ORGANIZATION if recipients else RecipientType.MEMBER
            ),
            recipient_kinds=recipients,
            period_type=period,
            criterion=criterion,
            consecutive_years=n,
            quota=quota,
            through_intermediate_levels=True,
        )
    for years in BADGE_YEARS:
        kinds[f"HH-{years}"] = _kind(
            f"HH-{years}",
            name=f"Huy hiệu {years} năm tuổi Đảng",
            form=AwardForm.BADGE,
            granting_organization=province,
            granting_body=GrantingBody.STANDING,
            recipient_type=RecipientType.MEMBER,
            period_type=PeriodType.YEAR,
            criterion=Criterion.BADGE,
            badge_years=years,
            through_intermediate_levels=True,
        )
    return kinds


def _kind(code: str, **fields: Any) -> AwardKind:
    kind = AwardKind.objects.filter(code=code).first()
    if kind is None:
        kind = AwardKind(code=code, **fields)
        kind.full_clean()
        kind.save()
    return kind


class _Ceremony:
    def __init__(self, province: Organization, kinds: dict[str, AwardKind]) -> None:
        self.province = province
        self.kinds = kinds
        self.term = services.ensure_period(
            period_type=PeriodType.TERM, start_year=2020, end_year=2025
        )
        self.year = services.ensure_period(period_type=PeriodType.YEAR, start_year=2024)
        self.orgs = {
            o.code: o
            for o in Organization.objects.filter(path__startswith=province.path)
        }
        self.paths = {o.path: o for o in self.orgs.values()}

    def run(self) -> list[Decision]:
        by_kind: dict[str, list[Nomination]] = defaultdict(list)
        for code, recipients in DISTRICT_AWARDS.items():
            by_kind[code] += self.district_level(code, recipients)
        self.rate_grassroots()
        by_kind.update(self.organizations())
        by_kind["BK-TU-DV5"] = self.members()
        decisions = self.decide(by_kind)
        self.backdate(decisions)
        return decisions

    # ------------------------------------------------------------ helpers

    def district_of(self, organization: Organization) -> Organization:
        return self.paths[organization.path[: 2 * organization.steplen]]

    def nominate(
        self,
        code: str,
        proposer: Organization,
        *,
        listed: list[int] = (),
        by_hand: list[Organization] = (),
    ) -> Nomination:
        kind = self.kinds[code]
        period = self.year if kind.period_type == PeriodType.YEAR else self.term
        nomination = services.create_nomination(
            acting_user=None, kind=kind, period=period, proposer=proposer
        )
        ids = list(listed)
        if ids:
            key = "member_ids" if kind.for_members else "organization_ids"
            services.add_candidates(
                acting_user=None, nomination=nomination, **{key: ids}
            )
        for organization in by_hand:
            services.add_manual_candidate(
                acting_user=None,
                nomination=nomination,
                organization=organization,
                justification=JUSTIFICATIONS[code],
            )
        nomination = services.submit_nomination(acting_user=None, nomination=nomination)
        while nomination.at_organization_id != self.province.pk:
            nomination = services.forward_nomination(
                acting_user=None, nomination=nomination
            )
        return services.approve_nomination(acting_user=None, nomination=nomination)

    # ------------------------------------------------------------ district level

    def district_level(self, code: str, recipients: tuple[str, ...]):
        """Each district-level committee proposes itself, by hand."""
        return [
            self.nominate(code, self.orgs[c], by_hand=[self.orgs[c]])
            for c in recipients
            if c in self.orgs
        ]

    # ------------------------------------------------------------ grassroots

    def rate_grassroots(self) -> None:
        """Rate one grassroots organization per district-level committee
        excellent 2020–2024 (nine in all), within the unit's quota: where
        the unit is too small to hold one more excellent, the next
        organization is tried."""
        wanted = GRASSROOTS_FLAGS + GRASSROOTS_CERTIFICATES
        self.chosen: list[Organization] = []
        for ranked in self.grassroots_choice():
            for organization in ranked:
                try:
                    with transaction.atomic():
                        for year in RATED_YEARS:
                            self.make_excellent(organization, year)
                except (QuotaTooSmall, ValidationError):
                    continue
                self.chosen.append(organization)
                break
            if len(self.chosen) == wanted:
                return

    def grassroots_choice(self) -> list[list[Organization]]:
        """Per district-level committee (in code order), its grassroots
        organizations rated every year 2020–2024, those closest to a run of
        excellent years first."""
        ratings = Rating.objects.filter(
            organization__kind__in=(K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL),
            organization__path__startswith=self.province.path,
            year__in=RATED_YEARS,
        ).select_related("organization")
        years: dict[int, dict[int, str]] = defaultdict(dict)
        orgs: dict[int, Organization] = {}
        for rating in ratings:
            years[rating.organization_id][rating.year] = rating.grade
            orgs[rating.organization_id] = rating.organization
        ranked: dict[str, list[tuple[int, str, Organization]]] = defaultdict(list)
        for org_id, grades in years.items():
            if len(grades) != len(RATED_YEARS):
                continue
            organization = orgs[org_id]
            score = sum(g == Grade.EXCELLENT for g in grades.values())
            ranked[self.district_of(organization).code].append(
                (-score, organization.code, organization)
            )
        return [
            [entry[2] for entry in sorted(ranked[code], key=lambda e: e[:2])]
            for code in sorted(ranked)
        ]

    def make_excellent(self, organization: Organization, year: int) -> None:
        rating = Rating.objects.get(organization=organization, year=year)
        if rating.grade == Grade.EXCELLENT:
            return
        unit = rating.unit
        locked = RatingFinalization.objects.filter(
            unit=unit, year=year, status=FinalizationStatus.FINALIZED
        ).exists()
        if locked:
            committee_services.reopen_ratings(
                acting_user=None, unit=unit, year=year, reason=REOPEN_REASON
            )
        committee_services.rate(
            acting_user=None,
            organization=organization,
            year=year,
            grade=Grade.EXCELLENT,
        )
        # Keep the unit within its quota: another organization rated
        # excellent that year in the unit goes down to good.
        while committee_services.quota_breach(unit=unit, year=year):
            other = (
                Rating.objects.filter(
                    unit=unit,
                    year=year,
                    organization__isnull=False,
                    grade=Grade.EXCELLENT,
                )
                .exclude(organization__in=[*self.chosen, organization])
                .select_related("organization")
                .first()
            )
            if other is None:
                raise QuotaTooSmall(f"{unit} cannot hold {organization} in {year}")
            committee_services.rate(
                acting_user=None,
                organization=other.organization,
                year=year,
                grade=Grade.GOOD,
            )
        if locked:
            committee_services.finalize_ratings(acting_user=None, unit=unit, year=year)

    def organizations(self) -> dict[str, list[Nomination]]:
        """The grassroots Flags and the organizations' Certificates: the
        grassroots organizations from the computed list, the party unit and
        the cells by hand; proposed by their district-level committee."""
        flags = self.kinds["CO-TU-CS"]
        listed = selectors.eligible_candidates(None, kind=flags, period=self.term)
        grassroots = [self.orgs_by_id(c.pk) for c in listed]
        flag_orgs = grassroots[:GRASSROOTS_FLAGS]
        certificate_orgs = grassroots[
            GRASSROOTS_FLAGS : GRASSROOTS_FLAGS + GRASSROOTS_CERTIFICATES
        ]
        result: dict[str, list[Nomination]] = defaultdict(list)
        for district, group in self.by_district(flag_orgs).items():
            result["CO-TU-CS"].append(
                self.nominate("CO-TU-CS", district, listed=[o.pk for o in group])
            )
        units = [
            o
            for o in self.orgs.values()
            if o.kind == K.PARTIAL_COMMITTEE and o.is_active
        ]
        cells = self.cells()
        by_hand = sorted(units, key=lambda o: o.path)[:PARTY_UNITS] + cells
        districts = self.by_district(certificate_orgs)
        for district, group in self.by_district(by_hand).items():
            districts.setdefault(district, [])
            districts[district] = districts[district] + group
        for district, group in sorted(districts.items(), key=lambda kv: kv[0].path):
            result["BK-TU-TC5"].append(
                self.nominate(
                    "BK-TU-TC5",
                    district,
                    listed=[o.pk for o in group if o in certificate_orgs],
                    by_hand=[o for o in group if o not in certificate_orgs],
                )
            )
        return result

    def orgs_by_id(self, pk: int) -> Organization:
        return next(o for o in self.orgs.values() if o.pk == pk)

    def by_district(
        self, organizations: list[Organization]
    ) -> dict[Organization, list[Organization]]:
        groups: dict[Organization, list[Organization]] = defaultdict(list)
        for organization in organizations:
            groups[self.district_of(organization)].append(organization)
        return dict(groups)

    def cells(self) -> list[Organization]:
        """Nineteen cells with the best ratings 2020–2024, spread over the
        district-level committees."""
        grades = defaultdict(list)
        for rating in Rating.objects.filter(
            organization__kind=K.CELL,
            organization__path__startswith=self.province.path,
            year__in=RATED_YEARS,
        ).values("organization_id", "grade"):
            grades[rating["organization_id"]].append(rating["grade"])
        ranked = sorted(
            (o for o in self.orgs.values() if o.kind == K.CELL and o.is_active),
            key=lambda o: (
                -sum(g == Grade.EXCELLENT for g in grades[o.pk]),
                -sum(g == Grade.GOOD for g in grades[o.pk]),
                o.path,
            ),
        )
        per_district: dict[str, list[Organization]] = defaultdict(list)
        for cell in ranked:
            per_district[self.district_of(cell).code].append(cell)
        chosen: list[Organization] = []
        while len(chosen) < CELLS and any(per_district.values()):
            for code in sorted(per_district):
                if per_district[code] and len(chosen) < CELLS:
                    chosen.append(per_district[code].pop(0))
        return chosen

    # ------------------------------------------------------------ members

    def members(self) -> list[Nomination]:
        """34 of the 40 members excellent 2020–2024: the city's come last,
        so that the six left are for the city's staff to nominate."""
        kind = self.kinds["BK-TU-DV5"]
        listed = selectors.eligible_candidates(None, kind=kind, period=self.term)
        city = self.orgs.get(CITY_CODE)
        listed.sort(
            key=lambda c: (
                city is not None and c.organization_path.startswith(city.path),
                c.organization_path,
                c.pk,
            )
        )
        chosen = listed[:MEMBERS_CONFERRED]
        groups: dict[str, list[int]] = defaultdict(list)
        for candidate in chosen:
            groups[candidate.organization_path[:8]].append(candidate.pk)
        return [
            self.nominate("BK-TU-DV5", self.paths[path], listed=ids)
            for path, ids in sorted(groups.items())
        ]

    # ------------------------------------------------------------ decisions

    def decide(self, by_kind: dict[str, list[Nomination]]) -> list[Decision]:
        signer = self.secretary()
        decisions = []
        number: str | None = FIRST_NUMBER
        for code, *_rest in KINDS:
            nominations = by_kind.get(code)
            if not nominations:
                continue
            decisions.append(
                services.issue_decision(
                    acting_user=None,
                    issuer=self.province,
                    nominations=nominations,
                    signer=signer,
                    signed_on=SIGNED_ON,
                    number=number,
                    title=DECISION_TITLES[code],
                )
            )
            number = None
        return decisions

    def backdate(self, decisions: list[Decision]) -> None:
        """Date the steps as they happened before the conference, not on the
        day the demo is loaded (history rows keep their real time)."""
        zone = timezone.get_current_timezone()
        steps = {
            NominationAction.CREATE: datetime(2024, 12, 16, 8, 30, tzinfo=zone),
            NominationAction.SUBMIT: datetime(2024, 12, 20, 9, 0, tzinfo=zone),
            NominationAction.FORWARD: datetime(2024, 12, 23, 10, 0, tzinfo=zone),
            NominationAction.APPROVE: datetime(2025, 1, 6, 14, 0, tzinfo=zone),
            NominationAction.CONFER: datetime(2025, 1, 10, 16, 0, tzinfo=zone),
        }
        nominations = Nomination.objects.filter(decision__in=decisions)
        nominations.update(
            created_at=steps[NominationAction.CREATE],
            submitted_at=steps[NominationAction.SUBMIT],
            decided_at=steps[NominationAction.APPROVE],
        )
        for action, when in steps.items():
            NominationEvent.objects.filter(
                nomination__in=nominations, action=action
            ).update(created_at=when)
        conferred = steps[NominationAction.CONFER]
        Decision.objects.filter(pk__in=[d.pk for d in decisions]).update(
            created_at=conferred
        )
        Award.objects.filter(decision__in=decisions).update(created_at=conferred)

    def secretary(self):
        positions = Position.objects.current(SIGNED_ON).filter(
            organization=self.province
        )
        position = (
            positions.filter(role=Role.SECRETARY).select_related("member").first()
            or positions.select_related("member").first()
        )
        if position is None:
            raise RuntimeError("The province has no committee to sign decisions.")
        return position.member
