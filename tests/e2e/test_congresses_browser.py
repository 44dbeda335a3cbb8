"""In a real browser: the city's office staff follow their congresses."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission

from congresses.models import Congress, Milestone
from portal.roles import sync_role_permissions
from tests.congresses.conftest import plan_2025, schedule
from tests.factories import user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city_office(tree):
    # A flushed database (transactional tests) gets its roles back here.
    sync_role_permissions(Group, Permission)
    plan_2025()
    return user("city", tree.city)


def test_city_moves_a_congress_into_a_breach_is_refused_then_marks_an_item_done(
    tree, city_office, live_server, log_in
):
    from playwright.sync_api import expect

    schedule(tree.city_cell, date(2025, 6, 1), is_model=True)
    grassroots = schedule(tree.city_grassroots, date(2025, 6, 10), date(2025, 6, 11))
    page = log_in("city")

    # The timeline: lower levels first, the model congress marked.
    page.goto(f"{live_server.url}/congresses/timeline/")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_be_visible()
    expect(timeline.locator("tbody tr").first).to_have_attribute(
        "data-level", "grassroots"
    )
    expect(page.get_by_test_id("model-badge")).to_have_count(1)
    page.locator(f'[data-congress="{grassroots.pk}"] a').click()
    expect(page.get_by_test_id("congress-title")).to_contain_text("Trần Phú")

    # Move it before the congress of a cell below it: refused, with the cell named.
    page.get_by_test_id("reschedule").click()
    page.fill("input[name=starts_on]", "31/05/2025")
    page.fill("input[name=ends_on]", "31/05/2025")
    page.get_by_test_id("submit").click()
    error = page.locator(".alert-danger, .invalid-feedback, .errorlist").first
    expect(error).to_contain_text("Chi bộ tổ dân phố số 1")
    expect(error).to_contain_text("01/06/2025")
    grassroots.refresh_from_db()
    assert grassroots.starts_on == date(2025, 6, 10)

    # Back on the congress page: mark an item done in place.
    page.goto(f"{live_server.url}{grassroots.get_absolute_url()}")
    drafts = grassroots.milestones.get(kind="drafts_sent")
    row = page.locator(f"#milestone-{drafts.pk}")
    url_before = page.url
    row.get_by_test_id("mark-done").click()
    expect(page.locator(f"#milestone-{drafts.pk}")).to_have_class(
        re.compile("table-success")
    )
    expect(page.locator(f"#milestone-{drafts.pk}")).to_contain_text("City")
    assert page.url == url_before  # swapped in place, no navigation
    drafts = Milestone.objects.get(pk=drafts.pk)
    assert drafts.done_by == city_office
    assert Congress.objects.get(pk=grassroots.pk).starts_on == date(2025, 6, 10)
