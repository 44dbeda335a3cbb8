"""``manage.py demo_reform``: the 2025 reform replayed on the demo through the
restructuring services; the tree on 14 January and on 1 October 2025.

The demo is loaded and reformed once for the module, inside a transaction
rolled back at the end (as in test_load_demo)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from committees import services
from committees.models import (
    Member,
    Organization,
    OrganizationKind,
    Position,
    Rating,
    Restructuring,
)
from committees.restructuring_selectors import members_on, tree_on
from portal.models import User

K = OrganizationKind
slow = pytest.mark.slow


def counts() -> dict[str, int]:
    found = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in {"committees", "congresses", "awards"}
        and not m._meta.label.endswith(("Historical", "Version", "Placement"))
    }
    return found


@pytest.fixture(scope="module")
def reform(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=StringIO())
        before = {
            "ratings": Rating.objects.count(),
            "positions": Position.objects.count(),
            "members": Member.objects.count(),
            "congresses": _congresses(),
            "awards": _awards(),
        }
        out = StringIO()
        call_command("demo_reform", stdout=out)
        yield {"before": before, "output": out.getvalue()}
        transaction.set_rollback(True)


def _congresses() -> int:
    if not apps.is_installed("congresses"):
        return 0
    return apps.get_model("congresses", "Congress").objects.count()


def _awards() -> int:
    try:
        return apps.get_model("awards", "Award").objects.count()
    except LookupError:
        return 0


def province_staff() -> User:
    return User.objects.get(username="province")


@slow
def test_on_14_january_2025_bac_giang_has_its_ten_district_level_committees(reform, db):
    dated = tree_on(province_staff(), date(2025, 1, 14))
    roots = {root.code: root for root in dated.roots}
    assert set(roots) == {"TU-BG", "TU-BN"}
    kinds = Counter(child.kind for child in roots["TU-BG"].children)
    assert kinds == {K.DISTRICT: 10, K.DIRECT: 2}
    assert Counter(child.kind for child in roots["TU-BN"].children) == {
        K.DISTRICT: 8,
        K.DIRECT: 2,
    }
    assert roots["TU-BG"].member_count > 4_000


@slow
def test_on_1_october_2025_commune_committees_sit_under_the_new_province(reform, db):
    dated = tree_on(province_staff(), date(2025, 10, 1))
    (root,) = dated.roots
    assert root.code == "TU-BN-2025"
    assert root.name == "Đảng bộ tỉnh Bắc Ninh"
    kinds = Counter(child.kind for child in root.children)
    assert set(kinds) == {K.COMMUNE, K.DIRECT}
    assert kinds[K.DIRECT] == 3  # military, Party agencies, government
    assert kinds[K.COMMUNE] > 60
    assert not any(n.kind == K.DISTRICT for n in dated.nodes.values())
    # every member active that day is counted somewhere in the new province
    assert root.member_count == sum(members_on(date(2025, 10, 1), "").values())


@slow
def test_several_communes_merged_into_new_ones(reform, db):
    merged = Organization.objects.filter(kind=K.GRASSROOTS_COMMITTEE, status="merged")
    assert merged.count() >= 18 * 3
    new = Organization.objects.filter(code__endswith="-2025", kind=K.COMMUNE)
    assert new.count() == 18
    for commune in new:
        assert commune.merged_from.count() == 3


@slow
def test_nothing_is_lost(reform, db):
    before = reform["before"]
    assert Rating.objects.count() == before["ratings"]
    assert Member.objects.count() == before["members"]
    assert Position.objects.count() == before["positions"]
    assert _awards() == before["awards"]
    assert _congresses() >= before["congresses"]
    # positions of what ended are closed, not deleted
    ended = Position.objects.filter(ended_on=date(2025, 7, 1))
    assert ended.filter(organization__code="TU-BG").exists()


@slow
def test_the_active_tree_respects_the_parent_kinds(reform, db):
    by_path = {o.path: o for o in Organization.objects.all()}
    for organization in by_path.values():
        if organization.is_active:
            services.check_parent_kind(
                organization.kind, by_path.get(organization.parent_path)
            )


@slow
def test_staff_follow_what_received_their_organization(reform, db):
    assert province_staff().scope.code == "TU-BN-2025"
    assert User.objects.get(username="bacninh").scope.code == "TU-BN-2025"
    city = User.objects.get(username="city").scope
    assert city.kind == K.COMMUNE and city.is_active
    assert User.objects.get(username="military").scope.code == "QS-BN-2025"


@slow
def test_the_new_province_lineage_holds_both_provinces(reform, db):
    new = Organization.objects.get(code="TU-BN-2025")
    assert set(new.merged_from.values_list("code", flat=True)) == {"TU-BG", "TU-BN"}
    merger = Restructuring.objects.get(decision_number="320-QĐ/TW")
    assert merger.effective_on == date(2025, 7, 1)


@slow
def test_a_second_run_changes_nothing(reform, db):
    before = counts()
    out = StringIO()
    call_command("demo_reform", stdout=out)
    assert "already replayed" in out.getvalue()
    assert counts() == before


@slow
def test_it_says_how_long_it_took_and_where_to_look(reform, db):
    assert "Reform replayed in" in reform["output"]
    assert "?on=2025-01-14" in reform["output"]
    assert "?on=2025-10-01" in reform["output"]
