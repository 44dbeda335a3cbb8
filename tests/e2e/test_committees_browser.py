"""In a real browser: the city's staff find a member, rate them, see it in the
history, switch the language and log out (issue 2, section 6)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission

from committees.models import Rating
from portal.roles import sync_role_permissions
from tests.factories import MemberFactory, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(tree):
    # A flushed database (transactional tests) gets its roles back here.
    sync_role_permissions(Group, Permission)
    account = user("city", tree.city, language="vi")
    MemberFactory(
        full_name="Nguyễn Văn Gấu",
        organization=tree.city_cell,
        admitted_on=date(1990, 3, 2),
        official_on=date(1991, 3, 2),
    )
    MemberFactory(full_name="Nguyễn Văn Giang", organization=tree.city_cell)
    MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.district_cell)
    return account


def test_city_staff_find_rate_and_see_the_history_then_switch_language(
    city, live_server, log_in
):
    from playwright.sync_api import expect

    page = log_in("city")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    # Typed without diacritics, found with them; the namesake of the sibling
    # district stays invisible.
    page.goto(f"{live_server.url}/members/")
    page.get_by_test_id("member-search").fill("nguyen van gau")
    page.get_by_test_id("member-search-submit").click()
    rows = page.get_by_test_id("member-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nguyễn Văn Gấu")
    expect(rows.first).to_contain_text("Chi bộ tổ dân phố số 1")

    rows.first.locator("a").first.click()
    expect(page.get_by_test_id("member-name")).to_have_text("Nguyễn Văn Gấu")

    # Rate the member for 2024.
    page.get_by_test_id("member-actions").locator("a[href$='/rate/']").click()
    form = page.get_by_test_id("rating-form")
    form.locator("input[name=year]").fill("2024")
    form.locator("select[name=grade]").select_option("good")
    form.locator("input[name=score]").fill("")
    page.get_by_test_id("submit").click()

    expect(page.get_by_test_id("member-name")).to_be_visible()
    assert (
        Rating.objects.filter(member__full_name="Nguyễn Văn Gấu", year=2024).count()
        == 1
    )
    expect(page.get_by_test_id("member-ratings")).to_contain_text("2024")
    history = page.get_by_test_id("history-block")
    expect(history).to_contain_text("2024")
    expect(history).to_contain_text("City")  # who: the city staff's name

    # Switch to English: the page and the account keep it.
    page.get_by_test_id("language-switch").locator("button[value=en]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("history-block")).to_contain_text("Change history")
    city.refresh_from_db()
    assert city.language == "en"

    # Log out: back to the login page, and the member page is closed again.
    page.get_by_test_id("user-menu").click()
    page.locator("form[action='/accounts/logout/'] button").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    page.goto(f"{live_server.url}/members/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/members/")
