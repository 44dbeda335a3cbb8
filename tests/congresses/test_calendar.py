"""The per-user iCalendar feed at a secret, renewable address."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest
from django.urls import reverse

from congresses import services
from tests.congresses.conftest import schedule

pytestmark = pytest.mark.usefixtures("plan")


def feed_url(token: str) -> str:
    return reverse("congresses:calendar_feed_public") + f"?token={token}"


@pytest.fixture
def congresses(tree):
    return (
        schedule(
            tree.city_grassroots, date(2025, 5, 20), date(2025, 5, 21), is_model=True
        ),
        schedule(tree.district_grassroots, date(2025, 5, 22)),
    )


def test_the_feed_parses_and_lists_the_scope_only(client, city_staff, congresses):
    city, district = congresses
    token = services.calendar_feed_for(user=city_staff).token
    response = client.get(feed_url(token))  # no login: the token is the key
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    uids = {str(e["UID"]).split("@")[0] for e in events}
    assert f"congress-{city.pk}" in uids
    assert f"congress-{district.pk}" not in uids
    milestone_uids = {u for u in uids if u.startswith("milestone-")}
    assert milestone_uids == {f"milestone-{m.pk}" for m in city.milestones.all()}
    congress_event = next(e for e in events if str(e["UID"]).startswith("congress-"))
    assert congress_event.decoded("DTSTART") == date(2025, 5, 20)
    # All-day events end the day after their last day (RFC 5545).
    assert congress_event.decoded("DTEND") == date(2025, 5, 22)
    assert city.get_absolute_url() in str(congress_event["URL"])


def test_a_cancelled_congress_leaves_the_feed(client, city_staff, congresses):
    city, _district = congresses
    services.cancel_congress(acting_user=None, congress=city, reason="merger")
    token = services.calendar_feed_for(user=city_staff).token
    calendar = icalendar.Calendar.from_ical(client.get(feed_url(token)).content)
    assert list(calendar.walk("VEVENT")) == []


def test_a_wrong_or_missing_token_is_404(client, city_staff, congresses):
    services.calendar_feed_for(user=city_staff)
    assert client.get(feed_url("not-a-token")).status_code == 404
    assert client.get(reverse("congresses:calendar_feed_public")).status_code == 404


def test_renewing_invalidates_the_old_address(client, city_staff, congresses):
    old = services.calendar_feed_for(user=city_staff).token
    client.force_login(city_staff)
    response = client.post(reverse("congresses:calendar_renew"))
    assert response.status_code == 302
    client.logout()
    new = services.calendar_feed_for(user=city_staff).token
    assert new != old
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_the_calendar_page_shows_the_users_address(client, city_staff, plan):
    client.force_login(city_staff)
    response = client.get(reverse("congresses:calendar"))
    token = services.calendar_feed_for(user=city_staff).token
    assert token in response.content.decode()


def test_a_deactivated_users_feed_is_404(client, city_staff, congresses):
    token = services.calendar_feed_for(user=city_staff).token
    city_staff.is_active = False
    city_staff.save()
    assert client.get(feed_url(token)).status_code == 404


def test_the_feed_takes_no_post(client, city_staff, congresses):
    token = services.calendar_feed_for(user=city_staff).token
    assert client.post(feed_url(token)).status_code == 405
