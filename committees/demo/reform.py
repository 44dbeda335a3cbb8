"""The 2025 reform, replayed on the demo through the restructuring services
(``manage.py demo_reform``).

All on 1 July 2025, in this order (one transaction: all or nothing):

1. In each province the district level is abolished. In each district-level
   committee the first three commune and ward committees merge into a new
   commune (or ward) committee placed directly under the province; the
   other commune committees move under the province and become commune
   committees; the district-level committee is dissolved and what remained
   in it (its agencies' committee, the office cell, schools, health
   centres) goes to the new commune committee of its seat, its staff too.
2. Bac Giang and Bac Ninh merge into the new Bac Ninh Provincial Committee
   (code ``TU-BN-2025``), a new root; their congress numbering restarts.
3. The two Military committees merge into the new province's one.
4. The bloc committees are replaced by two new committees: both blocs merge
   into the Party Committee of the provincial People's Committee, which
   then hands the cells of the Party, mass-organization and judicial
   agencies to the new Committee of the Party agencies (a split).
5. If the congresses app is there (with the 2025–2030 plan of
   ``load_demo``), the merged province's 1st congress is scheduled for
   October 2025 through the congresses services.

Idempotent: nothing happens when ``TU-BN-2025`` exists. Decision numbers
are plausible, not the real ones.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from committees import restructuring
from committees.models import Organization, OrganizationKind, OrganizationStatus
from committees.restructuring import NewOrganization

from . import bac_ninh, places

K = OrganizationKind
REFORM_DAY = date(2025, 7, 1)
NEW_PROVINCE_CODE = "TU-BN-2025"
NEW_PROVINCE_NAME = "Đảng bộ tỉnh Bắc Ninh"
MILITARY_CODE = "QS-BN-2025"
GOVERNMENT_CODE = "UBND-BN-2025"
PARTY_AGENCIES_CODE = "CQD-BN-2025"
#: How many commune committees of each district merge into a new one.
MERGED_PER_DISTRICT = 3
#: The bloc cells and committees of Party, mass-organization and judicial
#: agencies (code suffixes); the rest belong to the provincial government.
PARTY_AGENCIES = {
    "CQDUK", "BTC", "BTG", "UBKT", "BDV", "BNC", "MTTQ", "TD", "HLHPN", "HND",
    "LDLD", "VPDB", "BAO", "VPTU",
}  # fmt: skip
COMMUNE_PREFIXES = ("Đảng bộ xã ", "Đảng bộ phường ", "Đảng bộ thị trấn ")

DECISIONS = {
    "districts": ("1900-QĐ/TU", "Kết thúc hoạt động của đảng bộ cấp huyện"),
    "communes": ("1901-QĐ/TU", "Thành lập đảng bộ xã, phường mới"),
    "province": ("320-QĐ/TW", "Hợp nhất Đảng bộ tỉnh Bắc Giang và Bắc Ninh"),
    "military": ("1-QĐ/TU", "Hợp nhất Đảng bộ Quân sự hai tỉnh"),
    "government": ("2-QĐ/TU", "Thành lập Đảng bộ Ủy ban nhân dân tỉnh"),
    "agencies": ("3-QĐ/TU", "Thành lập Đảng bộ các cơ quan Đảng tỉnh"),
}


@dataclass
class ReformSummary:
    replayed: bool
    restructurings: int = 0
    seconds: float = 0.0
    congress: str = ""


def _record(key: str) -> dict[str, Any]:
    number, reason = DECISIONS[key]
    return {"effective_on": REFORM_DAY, "decision_number": number, "reason": reason}


def _children(organization: Organization) -> list[Organization]:
    organization.refresh_from_db()
    return list(
        Organization.objects.filter(
            path__startswith=organization.path,
            depth=organization.depth + 1,
            status=OrganizationStatus.ACTIVE,
        ).order_by("path")
    )


def _new_commune_name(first: Organization) -> str:
    """The new committee is named after the first of those that merge (a
    town becomes a commune: communes and wards are the new level)."""
    name = first.name.replace("Đảng bộ thị trấn ", "Đảng bộ xã ")
    return name


def abolish_districts(province: Organization) -> int:
    """Step 1 for one province; returns the number of restructurings."""
    count = 0
    for district in [c for c in _children(province) if c.kind == K.DISTRICT]:
        communes = [
            c
            for c in _children(district)
            if c.kind == K.GRASSROOTS_COMMITTEE and c.name.startswith(COMMUNE_PREFIXES)
        ]
        merging, moving = communes[:MERGED_PER_DISTRICT], communes[MERGED_PER_DISTRICT:]
        seat = restructuring.merge_organizations(
            acting_user=None,
            sources=merging,
            new_target=NewOrganization(
                _new_commune_name(merging[0]),
                f"{merging[0].code}-2025",
                K.COMMUNE,
                province,
            ),
            **_record("communes"),
        )
        new_commune = seat.links.get(role="target").organization
        count += 1
        for commune in moving:
            restructuring.move_organization(
                acting_user=None,
                organization=commune,
                new_parent=province,
                new_kind=K.COMMUNE,
                **_record("communes"),
            )
            count += 1
        restructuring.dissolve_organization(
            acting_user=None,
            organization=district,
            target=new_commune,
            **_record("districts"),
        )
        count += 1
    return count


def _schedule_first_congress(province: Organization) -> str:
    """The merged province's 1st congress, through the congresses services,
    when that app and its 2025–2030 plan are there."""
    if (
        not apps.is_installed("congresses")
        or importlib.util.find_spec("congresses.services") is None
    ):
        return ""
    from committees.models import Term
    from congresses import services as congress_services
    from congresses.models import TermPlan

    term = Term.objects.filter(name="2025–2030").first()
    if term is None or not TermPlan.objects.filter(term=term).exists():
        return ""
    try:
        congress = congress_services.schedule_congress(
            acting_user=None,
            organization=province,
            term=term,
            ordinal=1,
            starts_on=date(2025, 10, 22),
            ends_on=date(2025, 10, 24),
            venue="Trung tâm Hội nghị tỉnh Bắc Ninh",
            override_reason=(
                "Đại hội lần thứ nhất của Đảng bộ tỉnh sau hợp nhất (từ 01/07/2025)."
            ),
        )
    except ValidationError:
        return ""
    return str(congress)


def replay_reform(*, stdout: Any) -> ReformSummary:
    started = time.perf_counter()
    if Organization.objects.filter(code=NEW_PROVINCE_CODE).exists():
        stdout.write(
            f"The reform is already replayed ({NEW_PROVINCE_CODE} exists): "
            "nothing to do.\n"
        )
        return ReformSummary(replayed=False)
    bac_giang = Organization.objects.filter(code=places.PROVINCE_CODE).first()
    bac_ninh_root = Organization.objects.filter(code=bac_ninh.PROVINCE_CODE).first()
    if bac_giang is None or bac_ninh_root is None:
        raise ValueError("Load the demo first: manage.py load_demo.")
    summary = ReformSummary(replayed=True)
    with transaction.atomic():
        for province in (bac_giang, bac_ninh_root):
            summary.restructurings += abolish_districts(province)
            stdout.write(
                f"  district level abolished in {province} "
                f"({time.perf_counter() - started:.1f} s)\n"
            )
        merger = restructuring.merge_organizations(
            acting_user=None,
            sources=[bac_giang, bac_ninh_root],
            new_target=NewOrganization(
                NEW_PROVINCE_NAME, NEW_PROVINCE_CODE, K.PROVINCE, None
            ),
            **_record("province"),
        )
        new_province = merger.links.get(role="target").organization
        summary.restructurings += 1
        directly_under = {o.code: o for o in _children(new_province)}
        restructuring.merge_organizations(
            acting_user=None,
            sources=[directly_under[places.MILITARY_CODE], directly_under["QS-BN"]],
            new_target=NewOrganization(
                "Đảng bộ Quân sự tỉnh Bắc Ninh", MILITARY_CODE, K.DIRECT, new_province
            ),
            **_record("military"),
        )
        government = restructuring.merge_organizations(
            acting_user=None,
            sources=[directly_under[places.BLOC_CODE], directly_under["KCQ-BN"]],
            new_target=NewOrganization(
                "Đảng bộ Ủy ban nhân dân tỉnh Bắc Ninh",
                GOVERNMENT_CODE,
                K.DIRECT,
                new_province,
            ),
            **_record("government"),
        )
        government_org = government.links.get(role="target").organization
        party = [
            c
            for c in _children(government_org)
            if c.code.rsplit("-", 1)[-1] in PARTY_AGENCIES
        ]
        restructuring.split_organization(
            acting_user=None,
            organization=government_org,
            children=party,
            new_organization=NewOrganization(
                "Đảng bộ các cơ quan Đảng tỉnh Bắc Ninh",
                PARTY_AGENCIES_CODE,
                K.DIRECT,
                new_province,
            ),
            **_record("agencies"),
        )
        summary.restructurings += 3
        summary.congress = _schedule_first_congress(new_province)
    summary.seconds = time.perf_counter() - started
    return summary
