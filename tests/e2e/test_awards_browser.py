"""In a real browser: the city nominates three eligible members, the
province approves two, rejects one with a reason, issues the decision and
finds the awards in the register."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission

from awards import services
from awards.models import Award, Decision, ItemStatus, Nomination, NominationStatus
from committees import services as committee_services
from committees.models import Body, Grade, Role
from portal.roles import sync_role_permissions
from tests.awards.conftest import make_kind
from tests.factories import MemberFactory, term_2020, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ("Nguyễn Thị Lan", "Trần Văn Minh", "Lê Thị Hồng")


@pytest.fixture
def ceremony(tree):
    # A flushed database (transactional tests) gets its roles back here.
    sync_role_permissions(Group, Permission)
    city = user("city", tree.city)
    province = user("province", tree.province)
    kind = make_kind(
        tree.province,
        "BK-DV5",
        name="Bằng khen của Tỉnh ủy cho đảng viên",
        through_intermediate_levels=True,
    )
    period = services.ensure_period(period_type="term", start_year=2020, end_year=2025)
    members = []
    for name in NAMES:
        member = MemberFactory(full_name=name, organization=tree.city_cell)
        for year in range(2020, 2025):
            committee_services.rate(
                acting_user=None, member=member, year=year, grade=Grade.EXCELLENT
            )
        members.append(member)
    secretary = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell_2)
    committee_services.appoint_position(
        acting_user=None,
        member=secretary,
        organization=tree.province,
        body=Body.STANDING,
        role=Role.SECRETARY,
        term=term_2020(),
        started_on=date(2020, 10, 16),
    )
    return {
        "city": city,
        "province": province,
        "kind": kind,
        "period": period,
        "members": members,
        "secretary": secretary,
    }


def test_nominate_review_decide_and_find_the_awards_in_the_register(
    ceremony, live_server, log_in
):
    from playwright.sync_api import expect

    kind, period = ceremony["kind"], ceremony["period"]
    rejected_name = NAMES[2]

    # The city's staff tick the three eligible members and nominate them.
    page = log_in("city")
    page.get_by_test_id("nav-awards").click()
    page.goto(
        f"{live_server.url}/awards/eligibility/?kind={kind.pk}&period={period.pk}"
    )
    rows = page.get_by_test_id("candidate-row")
    expect(rows).to_have_count(3)
    expect(rows.first.get_by_test_id("evidence")).to_contain_text("2024")
    page.get_by_test_id("select-all").check()
    page.get_by_test_id("nominate-selected").click()
    expect(page.get_by_test_id("nomination-status")).to_have_attribute(
        "data-status", "draft"
    )
    expect(page.get_by_test_id("item-row")).to_have_count(3)
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("nomination-status")).to_have_attribute(
        "data-status", "submitted"
    )
    nomination = Nomination.objects.get()
    assert nomination.created_by == ceremony["city"]
    # The city sees no button to approve its own proposal.
    expect(page.get_by_test_id("action-approve")).to_have_count(0)

    # The province rejects one candidate with a reason, approves the others.
    page.context.clear_cookies()  # log out
    page = log_in("province")
    page.goto(f"{live_server.url}{nomination.get_absolute_url()}")
    row = page.locator('[data-testid="item-row"]', has_text=rejected_name)
    row.get_by_test_id("item-reject").click()
    page.fill("textarea[name=reason]", "Chưa đủ hồ sơ minh chứng")
    page.get_by_test_id("submit").click()
    row = page.locator('[data-testid="item-row"]', has_text=rejected_name)
    expect(row).to_have_attribute("data-status", "rejected")
    expect(row.get_by_test_id("item-reason")).to_contain_text("Chưa đủ hồ sơ")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("nomination-status")).to_have_attribute(
        "data-status", "approved"
    )
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.APPROVED
    statuses = dict(nomination.items.values_list("member__full_name", "status"))
    assert statuses[rejected_name] == ItemStatus.REJECTED

    # The decision: numbered in sequence, signed by the Secretary.
    page.goto(f"{live_server.url}/awards/decisions/new/")
    expect(page.get_by_test_id("next-number")).to_have_count(0)  # no term today
    page.check(f"input[name=nominations][value='{nomination.pk}']")
    page.fill("input[name=signed_on]", "10/01/2025")
    page.select_option("select[name=signer]", str(ceremony["secretary"].pk))
    page.fill("input[name=title]", "Tặng Bằng khen cho đảng viên 5 năm liền")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("decision-title")).to_contain_text("1-QĐ/TU")
    expect(page.get_by_test_id("annex-row")).to_have_count(2)
    decision = Decision.objects.get()
    assert decision.number == 1
    assert Award.objects.filter(decision=decision).count() == 2

    # The register: the two awards, found by a name typed without diacritics.
    page.goto(f"{live_server.url}/awards/register/")
    expect(page.get_by_test_id("register-row")).to_have_count(2)
    page.fill("input[name=q]", "nguyen thi lan")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("register-row")).to_have_count(1)
    expect(page.get_by_test_id("register-row")).to_contain_text(NAMES[0])
    expect(page.get_by_test_id("register-row")).to_contain_text("1-QĐ/TU")
