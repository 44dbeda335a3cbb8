"""In a real browser: from the register to an award's certificate (PDF),
then its code checked on the public verification page, signed out."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth.models import Group, Permission

from awards import services
from awards.models import PeriodType
from committees import services as committee_services
from committees.models import Body, Role
from portal.roles import sync_role_permissions
from tests.awards.conftest import excellent, make_kind
from tests.factories import MemberFactory, term_2020, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def award(tree):
    # A flushed database (transactional tests) gets its roles back here.
    sync_role_permissions(Group, Permission)
    province = user("province", tree.province)
    city = user("city", tree.city)
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
    kind = make_kind(tree.province, "BK-DV5", name="Bằng khen của Tỉnh ủy")
    period = services.ensure_period(
        period_type=PeriodType.TERM, start_year=2020, end_year=2025
    )
    star = MemberFactory(full_name="Nguyễn Thị Sao", organization=tree.city_cell)
    excellent(star, 2020, 2021, 2022, 2023, 2024)
    nomination = services.nominate(
        acting_user=city,
        kind=kind,
        period=period,
        proposer=tree.city,
        member_ids=[star.pk],
        organization_ids=[],
    )
    services.submit_nomination(acting_user=city, nomination=nomination)
    services.approve_nomination(acting_user=province, nomination=nomination)
    decision = services.issue_decision(
        acting_user=province,
        issuer=tree.province,
        nominations=[nomination],
        signer=secretary,
        signed_on=date(2025, 1, 10),
    )
    return decision.awards.get()


def test_province_opens_a_certificate_from_the_register_and_a_visitor_checks_it(
    award, live_server, log_in, browser_page
):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    page = log_in("province")
    page.goto(f"{live_server.url}/awards/register/")
    expect(page.get_by_test_id("register-row")).to_have_count(1)
    page.get_by_test_id("register-row").get_by_role("link").first.click()
    expect(page.get_by_test_id("award-title")).to_contain_text("Nguyễn Thị Sao")

    link = page.get_by_test_id("certificate")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.body()))
    text = reader.pages[0].extract_text()
    assert "Nguyễn Thị Sao" in text
    assert "BẰNG KHEN" in text

    # Signed out, from the login page's link: the code says "valid".
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("login-verify").get_by_role("link").click()
    page.get_by_test_id("verify-code").fill(award.verification_code)
    page.get_by_test_id("verify-submit").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id("verify-recipient")).to_have_text("Nguyễn Thị Sao")
