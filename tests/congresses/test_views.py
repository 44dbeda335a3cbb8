"""The staff pages of the congress schedule."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from congresses.models import Congress, CongressStatus, Milestone
from tests.congresses.conftest import schedule
from tests.factories import MemberFactory

pytestmark = pytest.mark.usefixtures("plan")


@pytest.fixture
def grassroots_congress(tree):
    return schedule(tree.city_grassroots, date(2025, 5, 20), date(2025, 5, 21))


def url(name, **kwargs):
    return reverse(f"congresses:{name}", kwargs=kwargs)


# ---------------------------------------------------------------- schedule list


def test_the_schedule_lists_the_scope_only(client, tree, city_staff):
    schedule(tree.city_cell, date(2025, 5, 2))
    schedule(tree.district_cell, date(2025, 5, 3))
    client.force_login(city_staff)
    response = client.get(url("schedule"))
    assert response.status_code == 200
    names = [c.organization.name for c in response.context["page_obj"]]
    assert names == ["Chi bộ tổ dân phố số 1"]


def test_the_schedule_filters_by_level_status_month_and_overdue(
    client, tree, city_staff
):
    cell = schedule(tree.city_cell, date(2025, 4, 2))
    city = schedule(tree.city, date(2025, 8, 20))
    client.force_login(city_staff)

    def listed(**params):
        response = client.get(url("schedule"), params)
        return {c.pk for c in response.context["page_obj"]}

    assert listed(level="district") == {city.pk}
    assert listed(level="grassroots") == {cell.pk}
    assert listed(month="2025-04") == {cell.pk}
    assert listed(month="2025-08") == {city.pk}
    assert listed(status="held") == set()
    assert listed(status="planned") == {cell.pk, city.pk}
    # Both have items due in 2025, long past: both are overdue today.
    for m in cell.milestones.all():
        m.done_at = m.created_at
        m.save()
    assert listed(overdue="on") == {city.pk}


def test_the_schedule_sorts_and_pages(client, tree, city_staff, settings):
    settings.PAGE_SIZE = 1
    schedule(tree.city_cell, date(2025, 4, 2))
    schedule(tree.city_cell_2, date(2025, 4, 1))
    client.force_login(city_staff)
    first = client.get(url("schedule"), {"sort": "-date"}).context["page_obj"]
    assert first.paginator.num_pages == 2
    assert first[0].organization == tree.city_cell
    by_date = client.get(url("schedule"), {"sort": "date"}).context["page_obj"]
    assert by_date[0].organization == tree.city_cell_2


def test_an_empty_schedule_says_so(client, tree, city_staff):
    client.force_login(city_staff)
    assert b'data-testid="empty"' in client.get(url("schedule")).content


def test_without_a_plan_the_pages_say_so(client, tree, city_staff):
    from congresses.models import TermPlan

    TermPlan.objects.all().delete()
    client.force_login(city_staff)
    for name in ("schedule", "timeline", "rules_report"):
        assert b'data-testid="no-plan"' in client.get(url(name)).content


# ---------------------------------------------------------------- timeline, rules


def test_the_timeline_groups_by_level_lower_first_and_marks_breaches(
    client, tree, city_staff
):
    model = schedule(tree.city_cell, date(2025, 5, 2), is_model=True)
    early = Congress.objects.create(
        organization=tree.city_cell_2,
        term=model.term,
        ordinal=1,
        starts_on=date(2025, 5, 1),
        ends_on=date(2025, 5, 1),
    )
    late = Congress.objects.create(
        organization=tree.city,
        term=model.term,
        ordinal=1,
        starts_on=date(2025, 9, 2),
        ends_on=date(2025, 9, 2),
    )
    client.force_login(city_staff)
    response = client.get(url("timeline"))
    timeline = response.context["timeline"]
    assert [row.level for row in timeline.levels] == [
        "grassroots",
        "district",
        "province",
    ]
    assert timeline.months == [date(2025, 5, 1), date(2025, 9, 1)]
    html = response.content.decode()
    assert 'data-testid="model-badge"' in html
    assert (
        f'rule-warning" data-testid="timeline-item" data-congress="{early.pk}"' in html
    )
    assert f'rule-error" data-testid="timeline-item" data-congress="{late.pk}"' in html


def test_the_rules_report_lists_errors_first(client, tree, city_staff):
    term = schedule(tree.city_cell, date(2025, 5, 2), is_model=True).term
    Congress.objects.create(
        organization=tree.city_cell_2,
        term=term,
        ordinal=1,
        starts_on=date(2025, 5, 1),
        ends_on=date(2025, 5, 1),
    )
    Congress.objects.create(
        organization=tree.city,
        term=term,
        ordinal=1,
        starts_on=date(2025, 9, 2),
        ends_on=date(2025, 9, 2),
    )
    client.force_login(city_staff)
    response = client.get(url("rules_report"))
    levels = [p.level for p in response.context["page_obj"]]
    assert levels[0] == "error"
    assert "warning" in levels
    assert response.context["counts"]["error"] == 1


# ---------------------------------------------------------------- congress page


def test_the_congress_page_shows_milestones_and_history(
    client, grassroots_congress, city_staff
):
    client.force_login(city_staff)
    response = client.get(url("congress_detail", congress_id=grassroots_congress.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="milestone-row"') == 4
    assert 'data-testid="history"' in html
    assert "20/05/2025" in html


def test_the_congress_page_is_404_outside_the_scope(
    client, grassroots_congress, outsider
):
    client.force_login(outsider)
    response = client.get(url("congress_detail", congress_id=grassroots_congress.pk))
    assert response.status_code == 404


def test_the_congress_page_shows_the_reminders_sent(
    client, grassroots_congress, city_staff, tree
):
    from portal.models import Notice, NoticeStatus
    from tests.factories import user

    milestone = grassroots_congress.milestones.get(kind="drafts_sent")
    office = user("tranphu", tree.city_grassroots, full_name="Văn phòng Trần Phú")
    Notice.objects.create(
        recipient=office,
        topic=milestone,
        dedupe_key=f"milestone:{milestone.pk}:-7:{milestone.due_on}",
        payload={"title": milestone.title},
        status=NoticeStatus.SENT,
    )
    client.force_login(city_staff)
    html = client.get(
        url("congress_detail", congress_id=grassroots_congress.pk)
    ).content.decode()
    table = html.split('data-testid="notices"')[1].split("</table>")[0]
    assert "Văn phòng Trần Phú" in table
    assert milestone.title in table


# ---------------------------------------------------------------- forms


def test_scheduling_through_the_form_creates_the_milestones(client, tree, city_staff):
    client.force_login(city_staff)
    response = client.post(
        url("congress_create"),
        {
            "organization": tree.city_grassroots.pk,
            "ordinal": 20,
            "starts_on": "20/05/2025",
            "ends_on": "21/05/2025",
            "venue": "Hội trường phường",
            "kind": "delegates",
        },
    )
    congress = Congress.objects.get(organization=tree.city_grassroots)
    assert response.status_code == 302
    assert response["Location"] == congress.get_absolute_url()
    assert congress.milestones.count() == 4


def test_the_form_refuses_a_breach_naming_the_conflicting_congress(
    client, tree, city_staff
):
    schedule(tree.city_cell, date(2025, 6, 12), date(2025, 6, 13))
    client.force_login(city_staff)
    response = client.post(
        url("congress_create"),
        {
            "organization": tree.city_grassroots.pk,
            "ordinal": 20,
            "starts_on": "10/06/2025",
            "ends_on": "10/06/2025",
            "kind": "delegates",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Chi bộ tổ dân phố số 1" in errors
    assert "12/06/2025–13/06/2025" in errors
    assert not Congress.objects.filter(organization=tree.city_grassroots).exists()


def test_the_form_offers_only_organizations_of_the_scope(client, tree, city_staff):
    client.force_login(city_staff)
    response = client.get(url("congress_create"))
    offered = set(response.context["form"].fields["organization"].queryset)
    assert tree.city_grassroots in offered
    assert tree.district_grassroots not in offered
    response = client.post(
        url("congress_create"),
        {
            "organization": tree.district_grassroots.pk,
            "ordinal": 20,
            "starts_on": "20/05/2025",
            "ends_on": "20/05/2025",
            "kind": "delegates",
        },
    )
    assert "organization" in response.context["form"].errors


def test_the_reschedule_form_refuses_a_breach(
    client, tree, city_staff, grassroots_congress
):
    schedule(tree.city_cell, date(2025, 5, 10))
    client.force_login(city_staff)
    response = client.post(
        url("congress_reschedule", congress_id=grassroots_congress.pk),
        {"starts_on": "09/05/2025", "ends_on": "09/05/2025"},
    )
    assert response.status_code == 200
    assert "Chi bộ tổ dân phố số 1" in " ".join(
        response.context["form"].non_field_errors()
    )
    grassroots_congress.refresh_from_db()
    assert grassroots_congress.starts_on == date(2025, 5, 20)


def test_the_reschedule_form_moves_the_congress(
    client, city_staff, grassroots_congress
):
    client.force_login(city_staff)
    response = client.post(
        url("congress_reschedule", congress_id=grassroots_congress.pk),
        {"starts_on": "27/05/2025", "ends_on": "27/05/2025", "reason": "hall busy"},
    )
    assert response.status_code == 302
    grassroots_congress.refresh_from_db()
    assert grassroots_congress.starts_on == date(2025, 5, 27)


def test_an_administrator_overrides_through_the_form(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.post(
        url("congress_create"),
        {
            "organization": tree.city_grassroots.pk,
            "ordinal": 1,
            "starts_on": "05/07/2025",
            "ends_on": "05/07/2025",
            "kind": "delegates",
            "override_reason": "Ward created on 1 July 2025",
        },
    )
    assert response.status_code == 302
    congress = Congress.objects.get(organization=tree.city_grassroots)
    assert congress.override_by == admin_user


def test_the_details_form_saves(client, city_staff, grassroots_congress):
    client.force_login(city_staff)
    response = client.post(
        url("congress_update", congress_id=grassroots_congress.pk),
        {
            "ordinal": 21,
            "venue": "Nhà văn hóa",
            "kind": "all_members",
            "is_model": "on",
        },
    )
    assert response.status_code == 302
    grassroots_congress.refresh_from_db()
    assert (grassroots_congress.ordinal, grassroots_congress.is_model) == (21, True)


def test_cancelling_asks_for_confirmation_then_cancels(
    client, city_staff, grassroots_congress
):
    client.force_login(city_staff)
    page = client.get(url("congress_cancel", congress_id=grassroots_congress.pk))
    assert b'data-testid="confirm-cancel"' in page.content
    grassroots_congress.refresh_from_db()
    assert grassroots_congress.status == CongressStatus.PLANNED
    client.post(
        url("congress_cancel", congress_id=grassroots_congress.pk), {"reason": "merger"}
    )
    grassroots_congress.refresh_from_db()
    assert grassroots_congress.status == CongressStatus.CANCELLED


def test_the_status_buttons_move_the_congress_on(
    client, city_staff, grassroots_congress
):
    client.force_login(city_staff)
    response = client.post(
        url("congress_status", congress_id=grassroots_congress.pk), {"status": "held"}
    )
    assert response.status_code == 302
    grassroots_congress.refresh_from_db()
    assert grassroots_congress.status == CongressStatus.HELD
    # A step that is not allowed is an error message, not a 500.
    response = client.post(
        url("congress_status", congress_id=grassroots_congress.pk),
        {"status": "planned"},
        follow=True,
    )
    assert response.status_code == 200
    assert list(response.context["messages"])


def test_the_results_form_records_the_committee(
    client, tree, city_staff, grassroots_congress
):
    secretary = MemberFactory(organization=tree.city_cell)
    client.force_login(city_staff)
    page = client.get(url("congress_results", congress_id=grassroots_congress.pk))
    assert secretary in page.context["form"].fields["secretary"].queryset
    response = client.post(
        url("congress_results", congress_id=grassroots_congress.pk),
        {"delegates_to_superior": 7, "secretary": secretary.pk},
    )
    assert response.status_code == 302
    detail = client.get(url("congress_detail", congress_id=grassroots_congress.pk))
    assert secretary.full_name in detail.content.decode()


def test_the_results_form_offers_members_of_the_subtree_only(
    client, tree, city_staff, grassroots_congress
):
    stranger = MemberFactory(organization=tree.district_cell)
    client.force_login(city_staff)
    response = client.post(
        url("congress_results", congress_id=grassroots_congress.pk),
        {"delegates_to_superior": 7, "secretary": stranger.pk},
    )
    assert "secretary" in response.context["form"].errors


# ---------------------------------------------------------------- mark done in place


def test_marking_done_with_htmx_swaps_the_row(client, city_staff, grassroots_congress):
    milestone = grassroots_congress.milestones.first()
    client.force_login(city_staff)
    response = client.post(
        url("milestone_done", milestone_id=milestone.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="milestone-{milestone.pk}"')
    assert 'class="table-success"' in html
    assert str(city_staff) in html
    milestone.refresh_from_db()
    assert milestone.done_by == city_staff


def test_marking_done_twice_with_htmx_shows_the_error_in_the_row(
    client, city_staff, grassroots_congress
):
    milestone = grassroots_congress.milestones.first()
    client.force_login(city_staff)
    client.post(
        url("milestone_done", milestone_id=milestone.pk), HTTP_HX_REQUEST="true"
    )
    response = client.post(
        url("milestone_done", milestone_id=milestone.pk), HTTP_HX_REQUEST="true"
    )
    assert b'data-testid="row-error"' in response.content


def test_marking_done_without_htmx_goes_back_to_the_congress(
    client, city_staff, grassroots_congress
):
    milestone = grassroots_congress.milestones.first()
    client.force_login(city_staff)
    response = client.post(url("milestone_done", milestone_id=milestone.pk))
    assert response["Location"] == grassroots_congress.get_absolute_url()


def test_reopening_a_milestone(client, city_staff, grassroots_congress):
    milestone = grassroots_congress.milestones.first()
    client.force_login(city_staff)
    client.post(url("milestone_done", milestone_id=milestone.pk))
    client.post(
        url("milestone_reopen", milestone_id=milestone.pk), HTTP_HX_REQUEST="true"
    )
    milestone.refresh_from_db()
    assert milestone.done_at is None


def test_marking_done_is_post_only(client, city_staff, grassroots_congress):
    milestone = grassroots_congress.milestones.first()
    client.force_login(city_staff)
    assert (
        client.get(url("milestone_done", milestone_id=milestone.pk)).status_code == 405
    )


# ---------------------------------------------------------------- access


def _object_urls(congress):
    milestone = congress.milestones.first()
    return [
        ("get", url("congress_detail", congress_id=congress.pk)),
        ("get", url("congress_update", congress_id=congress.pk)),
        ("get", url("congress_reschedule", congress_id=congress.pk)),
        ("get", url("congress_cancel", congress_id=congress.pk)),
        ("get", url("congress_results", congress_id=congress.pk)),
        ("post", url("congress_status", congress_id=congress.pk)),
        ("post", url("milestone_done", milestone_id=milestone.pk)),
        ("post", url("milestone_reopen", milestone_id=milestone.pk)),
    ]


def test_every_page_of_a_congress_outside_the_scope_is_404(
    client, grassroots_congress, outsider
):
    client.force_login(outsider)
    for method, address in _object_urls(grassroots_congress):
        assert getattr(client, method)(address).status_code == 404, address


def test_a_viewer_gets_403_on_every_change_page(
    client, city_viewer, grassroots_congress
):
    client.force_login(city_viewer)
    for method, address in _object_urls(grassroots_congress)[1:]:
        assert getattr(client, method)(address).status_code == 403, address
    assert client.get(url("congress_create")).status_code == 403
    milestone = grassroots_congress.milestones.first()
    milestone.refresh_from_db()
    assert milestone.done_at is None


def test_a_viewer_reads_the_pages(client, city_viewer, grassroots_congress):
    client.force_login(city_viewer)
    for name in ("schedule", "timeline", "rules_report", "calendar"):
        assert client.get(url(name)).status_code == 200, name
    page = client.get(url("congress_detail", congress_id=grassroots_congress.pk))
    assert page.status_code == 200
    assert b'data-testid="mark-done"' not in page.content


def test_anonymous_visitors_are_sent_to_login(client, grassroots_congress):
    response = client.get(url("congress_detail", congress_id=grassroots_congress.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_history_names_who_marked_an_item_done(
    client, city_staff, grassroots_congress
):
    milestone = grassroots_congress.milestones.first()
    client.force_login(city_staff)
    client.post(url("milestone_done", milestone_id=milestone.pk))
    page = client.get(url("congress_detail", congress_id=grassroots_congress.pk))
    history = page.context["history"]
    done_by = str(Milestone._meta.get_field("done_by").verbose_name)
    change = next(
        c for e in history for c in e["changes"] if str(c["field"]) == done_by
    )
    assert change["new"] == str(city_staff)
