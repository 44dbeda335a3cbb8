"""``manage.py load_demo``: the demo province, its accounts, a second load.

The province is loaded once for the module (inside a transaction rolled back
at the end, so nothing leaks into other modules); each test reads it inside
its own nested transaction.
"""

from __future__ import annotations

import importlib.machinery
import random
import sys
import types
import unicodedata
from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from committees import selectors, services
from committees.dates import compute_party_age
from committees.demo import DEMO_EXTENSIONS, places, run_demo_extensions
from committees.demo.builder import max_excellent_beside
from committees.models import (
    GRASSROOTS_KINDS,
    MEMBER_HOLDING_KINDS,
    ROLE_BODIES,
    Body,
    FinalizationStatus,
    Gender,
    Grade,
    Interruption,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Position,
    Rating,
    RatingFinalization,
    Regulation,
    Role,
    Term,
)
from committees.text import fold
from portal.models import User
from portal.roles import Role as PortalRole

K = OrganizationKind
slow = pytest.mark.slow


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The output of one load, shared by the module's tests.

    Every test using it also asks for ``db``: pytest-django runs database
    tests first, and a test without ``db`` would come after other modules
    and load the province a second time.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield load()
        transaction.set_rollback(True)


def bac_giang_subtree():
    return Organization.objects.filter(
        path__startswith=Organization.objects.get(code="TU-BG").path
    )


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "members": Member.objects.count(),
        "ratings": Rating.objects.count(),
        "positions": Position.objects.count(),
        "interruptions": Interruption.objects.count(),
        "finalizations": RatingFinalization.objects.count(),
        "terms": Term.objects.count(),
        "regulations": Regulation.objects.count(),
        "users": User.objects.count(),
        "history": Member.history.count() + Rating.history.count(),
    }


def current_seats(code: str):
    return Position.objects.current().filter(organization__code=code)


# ---------------------------------------------------------------- the tree


@slow
def test_it_builds_the_ten_district_level_committees_of_january_2025(demo, db):
    root = Organization.objects.get(code="TU-BG")
    assert root.kind == K.PROVINCE
    assert root.name == "Đảng bộ tỉnh Bắc Giang"
    below = Organization.objects.filter(path__startswith=root.path, depth=2)
    districts = below.filter(kind=K.DISTRICT)
    assert districts.count() == 10
    assert set(districts.values_list("name", flat=True)) == {
        "Đảng bộ thành phố Bắc Giang",
        "Đảng bộ thị xã Việt Yên",
        "Đảng bộ thị xã Chũ",
        "Đảng bộ huyện Hiệp Hòa",
        "Đảng bộ huyện Lạng Giang",
        "Đảng bộ huyện Lục Nam",
        "Đảng bộ huyện Lục Ngạn",
        "Đảng bộ huyện Sơn Động",
        "Đảng bộ huyện Tân Yên",
        "Đảng bộ huyện Yên Thế",
    }
    assert not districts.filter(name__contains="Yên Dũng").exists()
    direct = below.filter(kind=K.DIRECT)
    assert set(direct.values_list("code", flat=True)) == {"QS-BG", "KCQ-BG"}
    assert below.count() == 12
    assert Organization.objects.get(code="TP-BG").name == "Đảng bộ thành phố Bắc Giang"


@slow
def test_it_builds_a_few_hundred_organizations_of_every_lower_kind(demo, db):
    bac_giang = bac_giang_subtree()
    assert 300 <= bac_giang.count() <= 420
    kinds = Counter(bac_giang.values_list("kind", flat=True))
    assert kinds[K.GRASSROOTS_COMMITTEE] >= 60
    assert kinds[K.GRASSROOTS_CELL] >= 20
    assert kinds[K.CELL] >= 150
    assert kinds[K.PARTIAL_COMMITTEE] >= 2
    assert Organization.objects.filter(name="Đảng bộ xã Đức Thắng").exists()
    assert Organization.objects.filter(name__startswith="Chi bộ thôn ").exists()
    assert Organization.objects.filter(name__startswith="Chi bộ tổ dân phố số").exists()
    # every code is unique (the model says so) and in capitals
    codes = list(Organization.objects.values_list("code", flat=True))
    assert all(code == code.upper() for code in codes)


@slow
def test_every_organization_sits_under_a_parent_that_may_hold_it(demo, db):
    """Active ones: a merged organization rests under what it became."""
    by_path = {o.path: o for o in Organization.objects.all()}
    for org in by_path.values():
        if org.is_active:
            services.check_parent_kind(org.kind, by_path.get(org.parent_path))


# ---------------------------------------------------------------- members


@slow
def test_it_generates_about_5000_members_in_cells_only(demo, db):
    bac_giang = Member.objects.in_subtree(Organization.objects.get(code="TU-BG"))
    assert 4_500 <= bac_giang.count() <= 5_500
    holders = Member.objects.values_list("organization__kind", flat=True).distinct()
    assert set(holders) <= MEMBER_HOLDING_KINDS
    # each member-holding organization has members
    empty = Organization.objects.filter(kind__in=MEMBER_HOLDING_KINDS).annotate(
        n=Count("members")
    )
    assert not empty.filter(n=0).exists()


@slow
def test_members_have_vietnamese_names_with_diacritics(demo, db):
    names = list(Member.objects.values_list("full_name", "search_key"))
    assert all(unicodedata.is_normalized("NFC", name) for name, _key in names)
    assert all(key == fold(name) for name, key in names)
    assert all(len(name.split()) >= 3 for name, _key in names)
    families = Counter(name.split()[0] for name, _key in names)
    assert families.most_common(1)[0][0] == "Nguyễn"
    assert 0.25 <= families["Nguyễn"] / len(names) <= 0.45
    # the highland district has its Tày and Nùng family names
    son_dong = Member.objects.filter(organization__code__startswith="HU-SD-")
    highland = Counter(
        n.split()[0] for n in son_dong.values_list("full_name", flat=True)
    )
    assert highland["Nông"] + highland["Lục"] + highland["Triệu"] >= 10


@slow
def test_members_have_plausible_genders_dates_and_statuses(demo, db):
    total = Member.objects.count()
    male = Member.objects.filter(gender=Gender.MALE).count()
    assert 0.5 <= male / total <= 0.6
    births = Member.objects.values_list("birth_date__year", flat=True)
    assert min(births) >= 1940 and max(births) <= 2004
    statuses = Counter(Member.objects.values_list("status", flat=True))
    assert statuses[MemberStatus.OFFICIAL] / total >= 0.9
    assert 0.02 <= statuses[MemberStatus.PROBATIONARY] / total <= 0.045
    for gone in (
        MemberStatus.DECEASED,
        MemberStatus.TRANSFERRED_OUT,
        MemberStatus.EXPELLED,
        MemberStatus.REMOVED,
    ):
        assert statuses[gone] >= 1, gone
    assert (
        not Member.objects.exclude(status__in=("probationary", "official"))
        .filter(status_changed_on=None)
        .exists()
    )


@slow
def test_card_numbers_and_citizen_ids_are_unique(demo, db):
    cards = list(Member.objects.values_list("card_number", flat=True))
    assert len(set(cards)) == len(cards)
    assert all(len(card) == 8 and card.isdigit() for card in cards)
    ids = list(
        Member.objects.exclude(citizen_id=None).values_list("citizen_id", flat=True)
    )
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 12 and i.isdigit() for i in ids)
    assert len(ids) / len(cards) >= 0.9


@slow
def test_a_sample_of_members_passes_the_membership_rules(demo, db):
    ids = list(Member.objects.values_list("pk", flat=True))
    sample = random.Random(7).sample(ids, 200)
    for member in Member.objects.filter(pk__in=sample).select_related("organization"):
        member.full_clean()
        services.check_member_rules(member)


@slow
def test_some_probationary_members_are_due_for_official_recognition(
    demo, db, admin_user
):
    due = selectors.members_due_official(admin_user)
    assert due.exists()
    probationary = Member.objects.filter(status=MemberStatus.PROBATIONARY)
    assert due.count() < probationary.count()


@slow
def test_interruptions_shorten_party_age(demo, db):
    readmitted = Interruption.objects.filter(
        reason="expelled", ended_on__isnull=False
    ).select_related("member")
    assert readmitted.exists()
    assert Interruption.objects.filter(reason="lost_contact").exists()
    member = readmitted[0].member
    today = timezone.localdate()
    interrupted = selectors.party_age(member, today)
    uninterrupted = compute_party_age(member.admitted_on, [], today)
    assert interrupted.interrupted_days > 0
    assert interrupted.total_months < uninterrupted.total_months
    # expelled and removed members have their open interruption
    for status in (MemberStatus.EXPELLED, MemberStatus.REMOVED):
        for gone in Member.objects.filter(status=status):
            assert gone.interruptions.filter(ended_on=None).exists()


@slow
def test_members_and_ratings_have_their_creation_history(demo, db):
    assert Member.history.filter(history_type="+").count() == Member.objects.count()
    assert Rating.history.filter(history_type="+").count() == Rating.objects.count()


# ---------------------------------------------------------------- leaders


@slow
def test_the_named_leaders_hold_their_positions(demo, db):
    seats = current_seats("TU-BG")
    secretary = seats.get(role=Role.SECRETARY)
    assert secretary.member.full_name == "Nguyễn Văn Gấu"
    assert secretary.term.name == "2020–2025"
    standing_deputy = seats.get(role=Role.STANDING_DEPUTY_SECRETARY)
    assert standing_deputy.member.full_name == "Nguyễn Thị Hương"
    assert standing_deputy.state_title == "Chủ tịch HĐND tỉnh"
    deputy = seats.get(role=Role.DEPUTY_SECRETARY)
    assert deputy.member.full_name == "Nguyễn Việt Oanh"
    assert deputy.state_title == "Chủ tịch UBND tỉnh"
    assert secretary.member.organization.name == "Chi bộ Văn phòng Tỉnh ủy"


@slow
def test_the_province_committee_has_51_members_15_of_them_standing(demo, db):
    seats = current_seats("TU-BG")
    executive = seats.filter(body__in=(Body.EXECUTIVE, Body.STANDING))
    assert executive.values("member").distinct().count() == 51
    assert executive.count() == 51
    standing = seats.filter(body=Body.STANDING)
    assert standing.values("member").distinct().count() == 15
    assert seats.filter(body=Body.INSPECTION, role=Role.INSPECTION_CHAIR).count() == 1
    # a body holds only the roles that sit in it
    for position in Position.objects.all():
        assert position.body in ROLE_BODIES[position.role]


@slow
def test_every_district_level_committee_has_a_secretary(demo, db):
    for org in Organization.objects.filter(depth=2):
        seats = current_seats(org.code)
        assert seats.filter(role=Role.SECRETARY).count() == 1, org
        assert seats.count() >= 4, org
        # the holders are members of the committee's own subtree
        for seat in seats.select_related("member__organization"):
            assert org.contains(seat.member.organization)


@slow
def test_leaders_have_distinct_names(demo, db):
    names = list(Position.objects.values_list("member__full_name", "member").distinct())
    holders = {member: name for name, member in names}
    assert len(set(holders.values())) == len(holders)


@slow
def test_search_without_diacritics_finds_the_secretary(demo, db):
    found = Member.objects.search("nguyen van gau")
    secretary = current_seats("TU-BG").get(role=Role.SECRETARY).member
    assert secretary in found


# ---------------------------------------------------------------- ratings


@slow
def test_ratings_respect_the_quota_in_every_unit_and_year(demo, db):
    units = Organization.objects.filter(pk__in=Rating.objects.values("unit").distinct())
    assert units.count() > 100
    for unit in units:
        for year in range(2020, 2025):
            assert services.quota_breach(unit=unit, year=year) == [], (unit, year)


@slow
def test_ratings_cover_2020_to_2024_with_realistic_shares(demo, db):
    members = Rating.objects.of_members()
    assert set(members.values_list("year", flat=True)) == set(range(2020, 2025))
    grades = Counter(members.values_list("grade", flat=True))
    total = sum(grades.values())
    assert 0.65 <= grades[Grade.GOOD] / total <= 0.8
    assert 0.15 <= grades[Grade.COMPLETED] / total <= 0.25
    assert 0.002 <= grades[Grade.NOT_COMPLETED] / total <= 0.03
    assert 0.03 <= grades[Grade.EXCELLENT] / total <= 0.12
    kinds = set(Rating.objects.of_organizations().values_list("organization__kind"))
    assert {(K.CELL,), (K.GRASSROOTS_COMMITTEE,), (K.DISTRICT,)} <= kinds
    assert not Rating.objects.filter(score__isnull=False).exists()
    regulations = dict(members.values_list("year", "regulation__code").distinct())
    assert regulations[2022] == "132-QĐ/TW"
    assert regulations[2024] == "124-QĐ/TW"


@slow
def test_only_members_active_in_a_year_are_rated_for_it(demo, db):
    ratings = Rating.objects.of_members().select_related("member")
    assert not ratings.filter(member__admitted_on__year__gt=F("year")).exists()
    for rating in ratings.exclude(
        member__status__in=(MemberStatus.OFFICIAL, MemberStatus.PROBATIONARY)
    ):
        assert rating.member.status_changed_on.year > rating.year
    assert Member.objects.exclude(ratings__isnull=False).exists()  # new members


@slow
def test_ratings_are_finalized_by_the_unit_the_service_names(demo, db):
    # Ratings given before a restructuring keep the unit of their time: those
    # of organizations whose unit or whose own place has since changed are
    # left out (Yen Dung, merged into Bac Giang city on 1 December 2024).
    ids = list(
        Rating.objects.filter(unit__status="active")
        .exclude(organization__status="merged")
        .values_list("pk", flat=True)
    )
    sample = random.Random(11).sample(ids, 300)
    ratings = Rating.objects.filter(pk__in=sample).select_related(
        "member__organization", "organization"
    )
    for rating in ratings:
        expected = (
            services.rating_unit(member=rating.member)
            if rating.member_id
            else services.rating_unit(organization=rating.organization)
        )
        assert rating.unit_id == expected.pk
    member_units = Rating.objects.of_members().values_list("unit__kind", flat=True)
    assert set(member_units) <= GRASSROOTS_KINDS


@slow
def test_about_40_members_were_excellent_five_years_in_a_row(demo, db):
    streaks = (
        Member.objects.in_subtree(Organization.objects.get(code="TU-BG"))
        .annotate(
            n=Count(
                "ratings",
                filter=Q(
                    ratings__grade=Grade.EXCELLENT, ratings__year__range=(2020, 2024)
                ),
            )
        )
        .filter(n=5)
        .select_related("organization")
    )
    assert 35 <= streaks.count() <= 45
    districts = {m.organization.ancestor_paths()[1] for m in streaks}
    assert len(districts) >= 8


@slow
def test_2020_to_2023_are_finalized_and_2024_is_open_somewhere(demo, db):
    rated = set(Rating.objects.values_list("unit", "year").distinct())
    finalized = set(
        RatingFinalization.objects.filter(
            status=FinalizationStatus.FINALIZED
        ).values_list("unit", "year")
    )
    assert {(u, y) for u, y in rated if y < 2024} <= finalized
    open_2024 = {(u, y) for u, y in rated if y == 2024} - finalized
    assert open_2024
    assert any((u, 2024) in finalized for u, _y in rated)
    city = Organization.objects.get(code="TP-BG")
    city_units = Organization.objects.filter(path__startswith=city.path)
    assert {(u.pk, 2024) for u in city_units if (u.pk, 2024) in rated} <= open_2024


# ---------------------------------------------------------------- Bac Ninh, Yen Dung


@slow
def test_it_builds_the_bac_ninh_side(demo, db):
    root = Organization.objects.get(code="TU-BN")
    assert root.depth == 1 and root.kind == K.PROVINCE
    below = Organization.objects.filter(path__startswith=root.path, depth=2)
    assert set(below.filter(kind=K.DISTRICT).values_list("name", flat=True)) == {
        "Đảng bộ thành phố Bắc Ninh",
        "Đảng bộ thành phố Từ Sơn",
        "Đảng bộ thị xã Quế Võ",
        "Đảng bộ thị xã Thuận Thành",
        "Đảng bộ huyện Tiên Du",
        "Đảng bộ huyện Yên Phong",
        "Đảng bộ huyện Gia Bình",
        "Đảng bộ huyện Lương Tài",
    }
    assert set(below.filter(kind=K.DIRECT).values_list("code", flat=True)) == {
        "QS-BN",
        "KCQ-BN",
    }
    members = Member.objects.in_subtree(root)
    assert 1_200 <= members.count() <= 1_800
    assert Rating.objects.filter(unit__path__startswith=root.path).count() > 5_000
    assert current_seats("TU-BN").filter(role=Role.SECRETARY).count() == 1
    # citizen IDs registered in Bac Ninh (027)
    ids = members.exclude(citizen_id=None).values_list("citizen_id", flat=True)
    assert all(i.startswith("027") for i in ids)


@slow
def test_the_province_account_covers_bac_giang_only(demo, db):
    province = User.objects.get(username="province")
    bac_ninh = Organization.objects.get(code="TU-BN")
    assert not Member.objects.visible_to(province).in_subtree(bac_ninh).exists()
    assert User.objects.get(username="bacninh").scope == bac_ninh


@slow
def test_yen_dung_merged_into_bac_giang_city_in_december_2024(demo, db):
    from committees.restructuring_selectors import tree_on

    yen_dung = Organization.objects.get(code="HU-YD")
    city = Organization.objects.get(code="TP-BG")
    assert yen_dung.status == "merged"
    assert yen_dung.merged_into == city
    assert yen_dung.ended_on == date(2024, 12, 1)
    assert not Position.objects.current().filter(organization=yen_dung).exists()
    assert Position.objects.filter(organization=yen_dung).exists()  # its history
    assert Organization.objects.get(name="Đảng bộ phường Nham Biền").path.startswith(
        city.path
    )
    admin = User.objects.get(username="admin")
    root = Organization.objects.get(code="TU-BG")

    def district_level(day: date) -> set[str]:
        node = tree_on(admin, day).nodes[root.pk]
        return {child.code for child in node.children if child.kind == K.DISTRICT}

    # Before 1 December 2024: Yen Dung, and no Chu town yet (carved out of
    # Luc Ngan that day); ten district-level committees either way.
    before, after = (
        district_level(date(2024, 11, 30)),
        district_level(date(2025, 1, 14)),
    )
    assert len(before) == len(after) == 10
    assert before - after == {"HU-YD"}
    assert after - before == {"TX-CHU"}
    assert (
        tree_on(admin, date(2024, 11, 30))
        .nodes[Organization.objects.get(name="Đảng bộ phường Nham Biền").pk]
        .name
        == "Đảng bộ thị trấn Nham Biền"
    )


# ---------------------------------------------------------------- terms, accounts


@slow
def test_it_records_the_terms_and_the_rating_regulations(demo, db):
    terms = {t.name: (t.starts_on, t.ends_on) for t in Term.objects.all()}
    assert terms["2020–2025"] == (date(2020, 10, 1), date(2025, 9, 30))
    assert terms["2025–2030"] == (date(2025, 10, 1), date(2030, 9, 30))
    assert terms["2025–2027"] == (date(2025, 4, 1), date(2027, 3, 31))
    regulations = {r.code: r for r in Regulation.objects.all()}
    assert regulations["132-QĐ/TW"].effective_from_year == 2018
    assert regulations["124-QĐ/TW"].effective_from_year == 2023
    latest = regulations["366-QĐ/TW"]
    assert latest.effective_from_year == 2025
    assert latest.grade_for_score(90) == Grade.EXCELLENT
    assert latest.grade_for_score(70) == Grade.GOOD
    assert latest.grade_for_score(50) == Grade.COMPLETED
    assert latest.grade_for_score(49) == Grade.NOT_COMPLETED
    assert {r.excellent_quota_percent for r in regulations.values()} == {Decimal(20)}


@slow
def test_it_creates_the_demo_accounts(demo, db):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    expected = {
        "province": ("TU-BG", set(PortalRole.values), True),
        "city": ("TP-BG", set(PortalRole.values), True),
        "military": ("QS-BG", {PortalRole.VIEWER}, False),
    }
    for username, (code, roles, staff) in expected.items():
        user = User.objects.get(username=username)
        assert user.scope.code == code
        assert set(user.groups.values_list("name", flat=True)) == roles
        assert user.is_staff is staff
        assert not user.is_superuser
        assert user.language == "vi"
        assert user.email == f"{username}@demo.local"
        assert user.full_name
    for user in User.objects.filter(username__in=["admin", *expected]):
        assert user.check_password(settings.DEMO_PASSWORD)


@slow
def test_it_prints_the_url_the_accounts_and_the_password(demo, db):
    assert settings.PORTAL_BASE_URL in demo
    for username in ("admin", "province", "city", "military"):
        assert f"  {username} " in demo
    assert f"Password: {settings.DEMO_PASSWORD}" in demo
    assert "Đảng bộ Quân sự tỉnh Bắc Giang: Viewer" in demo
    assert "Demo province loaded in" in demo


@slow
def test_a_second_load_adds_nothing_and_keeps_passwords(demo, db):
    before = counts()
    city = User.objects.get(username="city")
    city.set_password("changed-by-the-user")
    city.save()
    output = load()
    assert counts() == before
    assert "already loaded" in output
    assert "(password kept)" in output
    city.refresh_from_db()
    assert city.check_password("changed-by-the-user")


@slow
def test_a_second_load_creates_missing_accounts_and_resets_passwords_on_demand(
    demo, db
):
    User.objects.filter(username="military").delete()
    User.objects.filter(username="city").update(password="!")
    load(reset_passwords=True)
    assert User.objects.get(username="military").scope.code == "QS-BG"
    city = User.objects.get(username="city")
    assert city.check_password(settings.DEMO_PASSWORD)


# ---------------------------------------------------------------- no load needed


def test_the_quota_arithmetic_matches_the_service():
    for top in range(0, 300):
        allowed = max_excellent_beside(top, Decimal(20))
        assert services.max_excellent(top - allowed, Decimal(20)) >= allowed
        more = allowed + 1
        if more <= top:
            assert services.max_excellent(top - more, Decimal(20)) < more


def test_the_tree_is_the_same_for_the_same_seed():
    def codes(seed: int) -> list[tuple[str, str]]:
        found = []
        stack = [places.province(random.Random(seed))]
        while stack:
            node = stack.pop()
            found.append((node.code, node.name))
            stack.extend(node.children)
        return found

    assert codes(2025) == codes(2025)
    assert len({code for code, _name in codes(2025)}) == len(codes(2025))


def test_it_runs_the_demo_loads_of_later_apps(monkeypatch):
    calls = []
    name = "committees.fake_demo_for_tests"
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.load = lambda *, stdout: calls.append(stdout)
    monkeypatch.setitem(sys.modules, name, module)
    out = StringIO()
    loaded = run_demo_extensions(
        stdout=out, modules=[name, "committees.no_such_demo", "not_an_app.demo"]
    )
    assert loaded == [name]
    assert calls == [out]


def test_the_demo_loads_later_apps_by_a_fixed_name():
    assert DEMO_EXTENSIONS == ("congresses.demo", "awards.demo")
