"""The member list, the member page and the member forms."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from committees import services
from committees.dates import add_months
from committees.models import (
    Body,
    Interruption,
    InterruptionReason,
    Member,
    MemberStatus,
    Role,
)
from tests.committees.pages import bulk_members, url
from tests.factories import K, MemberFactory, org, term_2020

# ---------------------------------------------------------------- list


def test_a_search_without_diacritics_finds_the_name(client, city_staff, tree):
    gau = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)
    MemberFactory(full_name="Nguyễn Văn Gầu Khác", organization=tree.city_cell)
    MemberFactory(full_name="Trần Thị Hoa", organization=tree.city_cell)
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"q": "nguyen van gau"})
    assert response.status_code == 200
    rows = list(response.context["page_obj"])
    assert gau in rows and len(rows) == 2
    html = response.content.decode()
    assert html.count('data-testid="member-row"') == 2
    assert 'data-testid="member-search"' in html
    assert 'value="nguyen van gau"' in html


def test_a_search_with_other_case_and_marks_finds_the_name(client, city_staff, tree):
    gau = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)
    client.force_login(city_staff)
    for query in ("NGUYỄN VĂN GẤU", "văn gấu", "Van Gau"):
        response = client.get(url("member_list"), {"q": query})
        assert list(response.context["page_obj"]) == [gau], query


def test_a_search_finds_a_card_number(client, city_staff, tree):
    member = MemberFactory(organization=tree.city_cell, card_number="12.345.678")
    MemberFactory(organization=tree.city_cell)
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"q": "12.345.678"})
    assert list(response.context["page_obj"]) == [member]


def test_both_search_plans_find_the_same_members(tree, admin_user, city_staff):
    """The whole portal searches through the trigram index, a scope member by
    member (``MemberQuerySet.search(scope_first=...)``): same answers, and
    ``%`` or ``_`` typed are letters, not wildcards."""
    from committees import selectors

    MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)
    MemberFactory(full_name="Nguyễn Thị Gầu", organization=tree.city_cell_2)
    MemberFactory(full_name="Trần Văn Hải", organization=tree.district_cell)
    MemberFactory(
        full_name="Lê Thị Mai", organization=tree.city_cell, card_number="98.765.432"
    )
    for query in ("nguyen", "GẤU", "van", "98.765.432", "%", "_", "nguyen_van"):
        plain = Member.objects.search(query)
        scoped = Member.objects.search(query, scope_first=True)
        assert set(plain) == set(scoped), query
    assert not Member.objects.search("%", scope_first=True).exists()
    whole = selectors.member_list(admin_user, q="van")
    city = selectors.member_list(city_staff, q="van")
    assert {m.full_name for m in whole} == {"Nguyễn Văn Gấu", "Trần Văn Hải"}
    assert [m.full_name for m in city] == ["Nguyễn Văn Gấu"]


def test_the_list_shows_only_members_of_the_scope(
    client, city_staff, city_member, district_member
):
    client.force_login(city_staff)
    response = client.get(url("member_list"))
    assert list(response.context["page_obj"]) == [city_member]


def test_the_status_filter_knows_active(client, city_staff, tree):
    official = MemberFactory(organization=tree.city_cell)
    probationary = MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.PROBATIONARY,
        official_on=None,
        admitted_on=date(2024, 1, 5),
    )
    MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2020, 1, 1),
    )
    client.force_login(city_staff)
    active = client.get(url("member_list"), {"status": "active"})
    assert set(active.context["page_obj"]) == {official, probationary}
    only = client.get(url("member_list"), {"status": "probationary"})
    assert list(only.context["page_obj"]) == [probationary]


def test_the_admission_year_filter(client, city_staff, tree):
    old = MemberFactory(organization=tree.city_cell, admitted_on=date(2010, 3, 2))
    MemberFactory(
        organization=tree.city_cell,
        admitted_on=date(2015, 3, 2),
        official_on=date(2016, 3, 2),
    )
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"admission_year": 2010})
    assert list(response.context["page_obj"]) == [old]
    # The choices run from this year back to the scope's earliest admission.
    years = response.context["admission_years"]
    assert years[0] == timezone.localdate().year
    assert years[-1] == 2010
    assert years == sorted(years, reverse=True)


def test_the_organization_select_stops_at_grassroots_level(client, city_staff, tree):
    org(tree.city_grassroots, K.PARTIAL_COMMITTEE, "Đảng bộ bộ phận khu 1")
    client.force_login(city_staff)
    response = client.get(url("member_list"))
    kinds = {o.kind for o in response.context["organizations"]}
    assert kinds == {K.DISTRICT, K.GRASSROOTS_COMMITTEE, K.PARTIAL_COMMITTEE}
    assert tree.city_cell.name not in response.content.decode()


def test_the_organization_filter_takes_the_whole_subtree(client, city_staff, tree):
    a = MemberFactory(organization=tree.city_cell)
    b = MemberFactory(organization=tree.city_cell_2)
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"org": tree.city_grassroots.pk})
    assert set(response.context["page_obj"]) == {a, b}
    assert not response.context["chosen_as_chip"]
    assert f'value="{tree.city_grassroots.pk}" selected' in response.content.decode()


def test_a_cell_filter_shows_as_a_removable_chip(client, city_staff, tree):
    a = MemberFactory(organization=tree.city_cell)
    MemberFactory(organization=tree.city_cell_2)
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"org": tree.city_cell.pk, "q": "nguyen"})
    assert list(response.context["page_obj"]) == [a]
    assert response.context["chosen_as_chip"]
    html = response.content.decode()
    assert 'data-testid="org-chip"' in html
    assert 'href="?q=nguyen"' in html  # the chip's × drops the filter only


def test_an_unknown_sort_falls_back_to_the_name(client, city_staff, tree):
    b = MemberFactory(full_name="Bùi Văn B", organization=tree.city_cell)
    a = MemberFactory(full_name="An Thị A", organization=tree.city_cell)
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"sort": "password"})
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [a, b]
    reverse = client.get(url("member_list"), {"sort": "-name"})
    assert list(reverse.context["page_obj"]) == [b, a]
    # clicking the current column sorts the other way
    assert (
        "sort=-name"
        in client.get(url("member_list"), {"sort": "name"}).content.decode()
    )


def test_the_list_is_paginated_with_its_count(client, city_staff, tree, settings):
    settings.PAGE_SIZE = 10
    bulk_members([tree.city_cell], 25)
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"page": 3})
    assert len(response.context["page_obj"]) == 5
    html = response.content.decode()
    assert "25 party members" in html
    assert "Page 3 of 3" in html


def test_an_empty_result_says_so(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.get(url("member_list"), {"q": "nobody", "admission_year": "abc"})
    assert response.status_code == 200
    assert 'data-testid="member-empty"' in response.content.decode()


# ---------------------------------------------------------------- member page


def test_the_member_page_shows_identity_age_positions_ratings_and_history(
    client, city_staff, tree, city_member
):
    services.add_interruption(
        acting_user=None,
        member=city_member,
        started_on=date(2012, 1, 1),
        ended_on=date(2012, 12, 31),
        reason=InterruptionReason.LOST_CONTACT,
    )
    term = term_2020()
    current = services.appoint_position(
        acting_user=None,
        member=city_member,
        organization=tree.city,
        body=Body.EXECUTIVE,
        role=Role.SECRETARY,
        term=term,
        started_on=date(2021, 1, 1),
    )
    past = services.appoint_position(
        acting_user=None,
        member=city_member,
        organization=tree.city_grassroots,
        body=Body.EXECUTIVE,
        role=Role.MEMBER,
        term=term,
        started_on=date(2021, 1, 1),
    )
    services.end_position(acting_user=None, position=past, ended_on=date(2022, 1, 1))
    services.rate(acting_user=None, member=city_member, year=2023, grade="good")
    services.update_member(
        acting_user=city_staff, member=city_member, note="Ghi chú", reason="typo"
    )
    client.force_login(city_staff)
    response = client.get(url("member_detail", city_member.pk))
    assert response.status_code == 200
    ctx = response.context
    age = ctx["party_age"]
    assert age.interrupted_days == 366
    assert age.counted_from == date(2011, 3, 3)  # 2010-03-02 + 366 days
    assert ctx["current_positions"] == [current]
    assert ctx["past_positions"] == [past]
    assert [r.year for r in ctx["ratings"]] == [2023]
    assert ctx["history"][0]["reason"] == "typo"
    html = response.content.decode()
    assert "01/01/2012 – 31/12/2012" in html
    assert 'data-testid="history-block"' in html
    assert 'data-testid="interruption-form"' in html


def test_a_viewer_sees_the_member_page_without_forms(client, city_viewer, city_member):
    client.force_login(city_viewer)
    response = client.get(url("member_detail", city_member.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="interruption-form"' not in html
    assert url("member_edit", city_member.pk) not in html


def test_a_member_outside_the_scope_answers_404(client, city_staff, district_member):
    client.force_login(city_staff)
    assert client.get(url("member_detail", district_member.pk)).status_code == 404


# ---------------------------------------------------------------- add and edit

MEMBER_DATA = {
    "full_name": "  Phạm   Thị Mai ",
    "birth_date": "15/08/1990",
    "gender": "female",
    "card_number": "77.123.456",
    "citizen_id": "",
    "admitted_on": "19/05/2015",
    "official_on": "19/05/2016",
    "status": "official",
}


def test_the_board_adds_a_member_to_a_cell(client, city_staff, tree):
    client.force_login(city_staff)
    page = client.get(url("member_add"), {"org": tree.city_cell.pk})
    choices = set(page.context["form"].fields["organization"].queryset)
    assert choices == {tree.city_cell, tree.city_cell_2}
    response = client.post(
        url("member_add"), {**MEMBER_DATA, "organization": tree.city_cell.pk}
    )
    member = Member.objects.get(card_number="77.123.456")
    assert response.status_code == 302
    assert response["Location"] == url("member_detail", member.pk)
    assert member.full_name == "Phạm Thị Mai"
    assert member.admitted_on == date(2015, 5, 19)
    assert member.history.first().history_user == city_staff


def test_a_member_admitted_under_18_is_refused_with_the_services_message(
    client, city_staff, tree
):
    client.force_login(city_staff)
    response = client.post(
        url("member_add"),
        {**MEMBER_DATA, "birth_date": "01/01/2000", "organization": tree.city_cell.pk},
    )
    assert response.status_code == 200
    assert "18 or older" in str(response.context["form"].errors["admitted_on"])
    assert not Member.objects.exists()


def test_a_cell_outside_the_scope_is_not_a_choice(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.post(
        url("member_add"), {**MEMBER_DATA, "organization": tree.district_cell.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["organization"]
    assert not Member.objects.exists()


def test_a_viewer_cannot_add_a_member(client, city_viewer, tree):
    client.force_login(city_viewer)
    assert client.get(url("member_add")).status_code == 403
    response = client.post(
        url("member_add"), {**MEMBER_DATA, "organization": tree.city_cell.pk}
    )
    assert response.status_code == 403
    assert not Member.objects.exists()


def test_the_board_edits_a_member_with_a_reason(client, city_staff, tree, city_member):
    client.force_login(city_staff)
    page = client.get(url("member_edit", city_member.pk))
    data = {
        k: v.strftime("%d/%m/%Y") if isinstance(v, date) else v
        for k, v in page.context["form"].initial.items()
        if v is not None
    }
    data.update(organization=tree.city_cell_2.pk, reason="moved house")
    response = client.post(url("member_edit", city_member.pk), data)
    assert response.status_code == 302
    city_member.refresh_from_db()
    assert city_member.organization == tree.city_cell_2
    record = city_member.history.first()
    assert record.history_change_reason == "moved house"
    assert record.history_user == city_staff


def test_a_bad_edit_changes_nothing(client, city_staff, city_member):
    client.force_login(city_staff)
    response = client.post(
        url("member_edit", city_member.pk),
        {
            **MEMBER_DATA,
            "organization": city_member.organization_id,
            "official_on": "01/01/2016",  # under 12 months after admission
        },
    )
    assert response.status_code == 200
    assert "12 months" in str(response.context["form"].errors["official_on"])
    city_member.refresh_from_db()
    assert city_member.full_name == "Nguyễn Văn Gấu"


def test_editing_a_member_outside_the_scope_answers_404(
    client, city_staff, district_member
):
    client.force_login(city_staff)
    response = client.post(url("member_edit", district_member.pk), MEMBER_DATA)
    assert response.status_code == 404


# ---------------------------------------------------------------- official recognition


def _probationary(tree, months_ago: int) -> Member:
    admitted = add_months(timezone.localdate(), -months_ago)
    return MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.PROBATIONARY,
        admitted_on=admitted,
        official_on=None,
        birth_date=date(1995, 1, 1),
    )


def test_the_due_list_shows_probationary_members_past_12_months(
    client, city_staff, tree
):
    due = _probationary(tree, 13)
    _probationary(tree, 6)
    client.force_login(city_staff)
    response = client.get(url("members_due_official"))
    assert list(response.context["page_obj"]) == [due]
    assert url("member_recognize", due.pk) in response.content.decode()


def test_a_due_member_is_recognized_as_official(client, city_staff, tree):
    member = _probationary(tree, 13)
    client.force_login(city_staff)
    page = client.get(url("member_detail", member.pk))
    assert page.context["due_official"]
    today = timezone.localdate()
    response = client.post(
        url("member_recognize", member.pk), {"official_on": today.strftime("%d/%m/%Y")}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.OFFICIAL
    assert member.official_on == today


def test_recognition_before_12_months_is_refused(client, city_staff, tree):
    member = _probationary(tree, 6)
    client.force_login(city_staff)
    response = client.post(
        url("member_recognize", member.pk),
        {"official_on": timezone.localdate().strftime("%d/%m/%Y")},
    )
    assert response.status_code == 200
    assert "12 months" in str(response.context["form"].errors)
    member.refresh_from_db()
    assert member.status == MemberStatus.PROBATIONARY


def test_a_viewer_cannot_recognize(client, city_viewer, tree):
    member = _probationary(tree, 13)
    client.force_login(city_viewer)
    response = client.post(url("member_recognize", member.pk), {"official_on": "x"})
    assert response.status_code == 403


# ---------------------------------------------------------------- interruptions


def test_the_board_adds_and_deletes_an_interruption(client, city_staff, city_member):
    client.force_login(city_staff)
    response = client.post(
        url("interruption_add", city_member.pk),
        {
            "started_on": "01/02/2013",
            "ended_on": "30/06/2013",
            "reason": "lost_contact",
        },
    )
    assert response.status_code == 302
    interruption = city_member.interruptions.get()
    assert interruption.started_on == date(2013, 2, 1)

    confirm = client.get(url("interruption_delete", interruption.pk))
    assert 'data-testid="confirm-delete"' in confirm.content.decode()
    assert Interruption.objects.exists()
    response = client.post(url("interruption_delete", interruption.pk))
    assert response.status_code == 302
    assert not Interruption.objects.exists()


def test_an_overlapping_interruption_is_refused(client, city_staff, city_member):
    services.add_interruption(
        acting_user=None,
        member=city_member,
        started_on=date(2013, 1, 1),
        ended_on=date(2013, 12, 31),
        reason=InterruptionReason.LOST_CONTACT,
    )
    client.force_login(city_staff)
    response = client.post(
        url("interruption_add", city_member.pk),
        {"started_on": "01/06/2013", "ended_on": "", "reason": "other"},
    )
    assert response.status_code == 200
    assert "overlaps" in str(response.context["form"].errors["started_on"])
    assert city_member.interruptions.count() == 1


def test_a_viewer_cannot_add_an_interruption(client, city_viewer, city_member):
    client.force_login(city_viewer)
    response = client.post(
        url("interruption_add", city_member.pk),
        {"started_on": "01/02/2013", "reason": "lost_contact"},
    )
    assert response.status_code == 403
    assert not Interruption.objects.exists()
