"""What differs between the demo provinces: their tables, sizes and history.

The builder (``builder``) builds each province of ``PROVINCES`` the same
way; a province's ``history`` runs last, through the restructuring
services, for what happened to it before January 2025 (Bac Giang: Yen Dung
district merged into Bac Giang city on 1 December 2024).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from committees.models import Organization

from . import bac_ninh, places
from .places import Leader, Node

#: Decision numbers of the demo's restructurings: plausible, not the real
#: ones (the demo does not claim to know them).
YEN_DUNG_DECISION = "1236-QĐ/TU"
YEN_DUNG_WARDS_DECISION = "1237-QĐ/TU"


@dataclass(frozen=True)
class ProvinceSpec:
    code: str
    tree: Callable[[random.Random], Node]
    leaders: Callable[[], list[Leader]]
    #: about how many members the province gets
    members: int
    #: the province part of its citizens' ID numbers
    birth_code: str
    #: organizations whose subtrees keep 2024 ratings as drafts
    drafts: tuple[str, ...]
    #: members rated excellent five years in a row (2020–2024)
    five_year_excellent: int
    history: Callable[[dict[str, Organization]], None] | None = None


def bac_giang_leaders() -> list[Leader]:
    leaders = [*places.province_leaders()]
    for district in places.DISTRICTS:
        leaders += places.district_leaders(district)
    return leaders + places.yen_dung_leaders()


def bac_giang_history(orgs: dict[str, Organization]) -> None:
    """Yen Dung district merged into Bac Giang city on 1 December 2024; its
    two towns became wards of the city the same day."""
    from committees import restructuring

    day = places.YEN_DUNG_MERGED_ON
    restructuring.merge_organizations(
        acting_user=None,
        sources=[orgs[places.YEN_DUNG_CODE]],
        target=orgs[places.CITY_CODE],
        effective_on=day,
        reason="Nhập huyện Yên Dũng vào thành phố Bắc Giang",
        decision_number=YEN_DUNG_DECISION,
    )
    by_name = {o.name: o for o in orgs.values()}
    for old, new in places.YEN_DUNG_WARDS.items():
        restructuring.rename_organization(
            acting_user=None,
            organization=by_name[old],
            name=new,
            effective_on=day,
            reason="Thị trấn trở thành phường của thành phố Bắc Giang",
            decision_number=YEN_DUNG_WARDS_DECISION,
        )


BAC_GIANG = ProvinceSpec(
    code=places.PROVINCE_CODE,
    tree=places.province,
    leaders=bac_giang_leaders,
    members=5_000,
    birth_code="024",
    drafts=(places.CITY_CODE, places.YEN_DUNG_CODE),
    five_year_excellent=40,
    history=bac_giang_history,
)

BAC_NINH = ProvinceSpec(
    code=bac_ninh.PROVINCE_CODE,
    tree=bac_ninh.province,
    leaders=bac_ninh.leaders,
    members=1_500,
    birth_code="027",
    drafts=(bac_ninh.CITY_CODE,),
    five_year_excellent=12,
)

PROVINCES: tuple[ProvinceSpec, ...] = (BAC_GIANG, BAC_NINH)
