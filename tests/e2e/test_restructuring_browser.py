"""In a real browser: the province's staff preview and confirm a merger,
then see the lineage on the target's page and the tree the day before."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from committees.models import Organization, OrganizationStatus, Restructuring
from portal.roles import sync_role_permissions
from tests.committees.restructure import seat
from tests.factories import MemberFactory, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def province_office(tree):
    # A flushed database (transactional tests) gets its roles back here.
    sync_role_permissions(Group, Permission)
    return user("province", tree.province)


def test_province_staff_merge_a_ward_and_look_at_the_day_before(
    tree, province_office, live_server, log_in
):
    from playwright.sync_api import expect

    member = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)
    seat(member, tree.city_grassroots)
    user("ward", tree.city_grassroots)
    page = log_in("province")

    # From the ward's page: Restructure → Merge.
    page.goto(f"{live_server.url}{tree.city_grassroots.get_absolute_url()}")
    page.get_by_test_id("restructure").click()
    page.get_by_test_id("restructure-merge").click()
    page.select_option("select[name=target]", str(tree.district_grassroots.pk))
    page.fill("input[name=effective_on]", "01/07/2025")
    page.fill("input[name=decision_number]", "381-QĐ/TU")
    page.fill("textarea[name=reason]", "Sắp xếp đơn vị hành chính cấp xã")
    page.get_by_test_id("preview").click()

    # The preview: what moves, nothing written yet.
    expect(page.get_by_test_id("restructuring-preview")).to_be_visible()
    expect(page.get_by_test_id("count-organizations")).to_have_text("2")
    expect(page.get_by_test_id("count-members")).to_have_text("1")
    expect(page.get_by_test_id("count-positions")).to_have_text("1")
    expect(page.get_by_test_id("count-staff")).to_have_text("1")
    expect(page.get_by_test_id("preview-staff")).to_contain_text("ward")
    expect(page.get_by_test_id("preview-positions")).to_contain_text("Nguyễn Văn Gấu")
    assert not Restructuring.objects.exists()
    page.get_by_test_id("confirm").click()

    # The record of it.
    expect(page.get_by_test_id("restructuring-title")).to_contain_text("381-QĐ/TU")
    expect(page.get_by_test_id("role-source")).to_contain_text("Trần Phú")
    ward = Organization.objects.get(pk=tree.city_grassroots.pk)
    assert ward.status == OrganizationStatus.MERGED
    assert ward.merged_into_id == tree.district_grassroots.pk

    # The target's page shows its lineage.
    page.get_by_test_id("role-target").get_by_role("link").first.click()
    expect(page.get_by_test_id("org-name")).to_contain_text("Đức Thắng")
    lineage = page.get_by_test_id("lineage")
    expect(lineage).to_contain_text("Đảng bộ phường Trần Phú")
    expect(lineage.get_by_test_id("lineage-entry")).to_have_count(1)

    # The tree as of the day before: the ward under the city, with its cells.
    page.goto(f"{live_server.url}/organizations/")
    page.fill("input[name=on]", "30/06/2025")
    page.get_by_test_id("as-of-submit").click()
    expect(page.get_by_test_id("tree-title")).to_contain_text("30/06/2025")
    city_node = page.locator(f'[data-testid=dated-node][data-org="{tree.city.pk}"]')
    expect(city_node.get_by_test_id("dated-count").first).to_have_text("1")
    # Deeper levels come when opened, as they stood on the day.
    ward_node = page.locator(f'[data-testid=dated-node][data-org="{ward.pk}"]')
    expect(ward_node).to_have_count(0)
    city_node.get_by_test_id("dated-toggle").first.click()
    expect(ward_node).to_have_count(1)
    expect(ward_node).to_contain_text("Đảng bộ phường Trần Phú")

    # …and on the day itself it is gone, its cells under the commune.
    page.fill("input[name=on]", "01/07/2025")
    page.get_by_test_id("as-of-submit").click()
    expect(page.get_by_test_id("tree-title")).to_contain_text("01/07/2025")
    expect(
        page.locator(f'[data-testid=dated-node][data-org="{ward.pk}"]')
    ).to_have_count(0)
    district = page.locator(f'[data-testid=dated-node][data-org="{tree.district.pk}"]')
    district.get_by_test_id("dated-toggle").first.click()
    commune = page.locator(
        f'[data-testid=dated-node][data-org="{tree.district_grassroots.pk}"]'
    )
    expect(commune.get_by_test_id("dated-count").first).to_have_text("1")
    page.screenshot(path="/tmp/restructuring_tree_on.png", full_page=True)
