"""The staff pages: eligibility and "nominate selected", the nomination page
and its buttons, decisions, the register, badges; scope (404 outside it),
Viewers (403 on POST), messages instead of errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import Award, Decision, ItemStatus, Nomination, NominationStatus
from committees.models import Term
from tests.awards.conftest import excellent, stars
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _staff_read_english(db, city_staff, province_staff, city_viewer, outsider):
    """The pages follow the user's language: these users read English."""
    from portal.models import User

    User.objects.update(language="en")


def url(name, *args, **query) -> str:
    address = reverse(f"awards:{name}", args=args)
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return address


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---------------------------------------------------------------- eligibility


def test_the_eligibility_page_lists_candidates_with_their_evidence(
    client, city_staff, member_kind, term_period, star
):
    client.force_login(city_staff)
    response = client.get(
        url("eligibility", kind=member_kind.pk, period=term_period.pk)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert star.full_name in page
    assert 'data-testid="candidate-row"' in page
    assert "2024" in page
    assert [c.pk for c in response.context["candidates"]] == [star.pk]


def test_the_eligibility_page_refuses_a_period_of_the_wrong_type(
    client, city_staff, member_kind, year_period
):
    client.force_login(city_staff)
    response = client.get(
        url("eligibility", kind=member_kind.pk, period=year_period.pk)
    )
    assert response.status_code == 200
    assert response.context["candidates"] is None
    assert response.context["form"].errors["period"]


def test_nominate_selected_makes_a_draft_with_the_ticked_candidates(
    client, city_staff, member_kind, term_period, tree
):
    a, b, c = stars(tree.city_cell, 3)
    client.force_login(city_staff)
    response = client.post(
        url("nominate_selected"),
        {
            "kind": member_kind.pk,
            "period": term_period.pk,
            "proposer": tree.city.pk,
            "candidate": [f"m{a.pk}", f"m{b.pk}"],
        },
    )
    nomination = Nomination.objects.get()
    assert response.status_code == 302
    assert response["Location"] == nomination.get_absolute_url()
    assert set(nomination.items.values_list("member", flat=True)) == {a.pk, b.pk}
    assert nomination.created_by == city_staff


def test_nominating_someone_outside_the_scope_is_refused_with_a_message(
    client, city_staff, member_kind, term_period, tree, district_member
):
    excellent(district_member, 2020, 2021, 2022, 2023, 2024)
    client.force_login(city_staff)
    response = client.post(
        url("nominate_selected"),
        {
            "kind": member_kind.pk,
            "period": term_period.pk,
            "proposer": tree.city.pk,
            "candidate": [f"m{district_member.pk}"],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert any("outside your scope" in m for m in messages_of(response))
    assert not Nomination.objects.exists()


def test_a_viewer_sees_the_list_but_cannot_nominate(
    client, city_viewer, member_kind, term_period, star, tree
):
    client.force_login(city_viewer)
    response = client.get(
        url("eligibility", kind=member_kind.pk, period=term_period.pk)
    )
    assert response.status_code == 200
    assert 'name="candidate"' not in response.content.decode()
    response = client.post(
        url("nominate_selected"),
        {
            "kind": member_kind.pk,
            "period": term_period.pk,
            "proposer": tree.city.pk,
            "candidate": [f"m{star.pk}"],
        },
    )
    assert response.status_code == 403
    assert not Nomination.objects.exists()


# ---------------------------------------------------------------- nominations


@pytest.fixture
def draft(flow, member_kind, term_period, tree):
    a, b, c = stars(tree.city_cell, 3)
    return flow.nominate(member_kind, term_period, members=[a, b, c])


def test_the_nomination_page_shows_candidates_history_and_the_proposers_buttons(
    client, city_staff, draft
):
    client.force_login(city_staff)
    response = client.get(draft.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="item-row"') == 3
    assert 'data-testid="action-submit"' in page
    assert 'data-testid="action-approve"' not in page
    assert 'data-action="create"' in page


def test_the_staff_submit_then_the_province_approves_from_the_page(
    client, city_staff, province_staff, draft
):
    client.force_login(city_staff)
    client.post(url("nomination_transition", draft.pk), {"action": "submit"})
    draft.refresh_from_db()
    assert draft.status == NominationStatus.SUBMITTED
    # the city cannot approve: a message, nothing changes
    response = client.post(
        url("nomination_transition", draft.pk), {"action": "approve"}, follow=True
    )
    assert any("Only the staff" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == NominationStatus.SUBMITTED
    client.force_login(province_staff)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="action-approve"' in page
    client.post(url("nomination_transition", draft.pk), {"action": "approve"})
    draft.refresh_from_db()
    assert draft.status == NominationStatus.APPROVED


def test_reject_and_return_ask_for_a_comment_on_a_confirmation_page(
    client, city_staff, province_staff, draft
):
    services.submit_nomination(acting_user=city_staff, nomination=draft)
    client.force_login(province_staff)
    response = client.get(url("nomination_transition", draft.pk, action="reject"))
    assert response.status_code == 200
    assert 'data-testid="confirm-transition"' in response.content.decode()
    response = client.post(
        url("nomination_transition", draft.pk), {"action": "reject", "comment": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["comment"]
    draft.refresh_from_db()
    assert draft.status == NominationStatus.SUBMITTED
    client.post(
        url("nomination_transition", draft.pk),
        {"action": "reject", "comment": "Không đủ tiêu chuẩn"},
    )
    draft.refresh_from_db()
    assert (draft.status, draft.rejection_reason) == (
        NominationStatus.REJECTED,
        "Không đủ tiêu chuẩn",
    )


def test_an_illegal_transition_from_the_page_is_a_message(client, city_staff, draft):
    client.force_login(city_staff)
    response = client.post(
        url("nomination_transition", draft.pk),
        {"action": "forward"},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response)
    draft.refresh_from_db()
    assert draft.status == NominationStatus.DRAFT


def test_a_candidate_is_rejected_with_a_reason_from_the_page(
    client, city_staff, province_staff, draft
):
    services.submit_nomination(acting_user=city_staff, nomination=draft)
    item = draft.items.first()
    client.force_login(province_staff)
    assert client.get(url("item_reject", draft.pk, item.pk)).status_code == 200
    response = client.post(url("item_reject", draft.pk, item.pk), {"reason": ""})
    assert response.context["form"].errors["reason"]
    client.post(url("item_reject", draft.pk, item.pk), {"reason": "Trùng hồ sơ"})
    item.refresh_from_db()
    assert (item.status, item.rejection_reason) == (ItemStatus.REJECTED, "Trùng hồ sơ")
    client.post(url("item_restore", draft.pk, item.pk))
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


def test_candidates_are_added_by_hand_and_removed_on_a_draft(
    client, city_staff, manual_kind, term_period, tree
):
    nomination = services.create_nomination(
        acting_user=city_staff, kind=manual_kind, period=term_period, proposer=tree.city
    )
    client.force_login(city_staff)
    response = client.post(
        url("item_add", nomination.pk),
        {"identifier": "tp-bg", "justification": "Dẫn đầu phong trào thi đua"},
    )
    assert response.status_code == 302
    item = nomination.items.get()
    assert item.organization == tree.city
    # outside the scope: "not found", next to the field
    response = client.post(
        url("item_add", nomination.pk),
        {"identifier": "HU-HH", "justification": "x"},
    )
    assert response.status_code == 200
    assert response.context["manual_form"].errors["identifier"]
    client.post(url("item_remove", nomination.pk, item.pk))
    assert not nomination.items.exists()


def test_a_new_nomination_by_hand(client, city_staff, manual_kind, term_period, tree):
    client.force_login(city_staff)
    assert client.get(url("nomination_create")).status_code == 200
    response = client.post(
        url("nomination_create"),
        {"kind": manual_kind.pk, "period": term_period.pk, "proposer": tree.city.pk},
    )
    nomination = Nomination.objects.get()
    assert response["Location"] == nomination.get_absolute_url()


def test_a_draft_is_deleted_after_confirmation(client, city_staff, draft):
    client.force_login(city_staff)
    assert (
        client.get(url("nomination_transition", draft.pk, action="delete")).status_code
        == 200
    )
    client.post(url("nomination_transition", draft.pk), {"action": "delete"})
    assert not Nomination.objects.exists()


def test_the_nomination_list_filters_and_shows_what_awaits_the_user(
    client, city_staff, province_staff, draft, flow, member_kind, term_period, tree
):
    other = flow.nominate(
        member_kind, term_period, members=stars(tree.city_cell_2, 1, "B")
    )
    services.submit_nomination(acting_user=city_staff, nomination=other)
    client.force_login(province_staff)
    response = client.get(url("nomination_list", awaiting="on"))
    assert [n.pk for n in response.context["page_obj"]] == [other.pk]
    response = client.get(url("nomination_list", status="draft"))
    assert [n.pk for n in response.context["page_obj"]] == [draft.pk]
    response = client.get(url("nomination_list", sort="kind"))
    assert response.status_code == 200


# ---------------------------------------------------------------- decisions


def test_a_decision_is_issued_from_the_page_with_the_next_number(
    client, flow, member_kind, term_period, tree, province_staff, secretary
):
    nomination = flow.approved(
        member_kind, term_period, members=stars(tree.city_cell, 2)
    )
    client.force_login(province_staff)
    response = client.get(url("decision_create"))
    assert response.context["next_number"] is None  # no term covers today
    today = timezone.localdate()
    Term.objects.create(
        name="current",
        starts_on=today - timedelta(days=400),
        ends_on=today + timedelta(days=400),
    )
    response = client.get(url("decision_create"))
    assert response.context["next_number"] == "1-QĐ/TU"
    response = client.post(
        url("decision_create"),
        {
            "issuer": tree.province.pk,
            "nominations": [nomination.pk],
            "signed_on": "10/01/2025",
            "signer": secretary.pk,
            "title": "Tặng Bằng khen",
        },
    )
    decision = Decision.objects.get()
    assert response["Location"] == decision.get_absolute_url()
    page = client.get(decision.get_absolute_url()).content.decode()
    assert "1-QĐ/TU" in page
    assert page.count('data-testid="annex-row"') == 2


def test_a_duplicate_typed_number_shows_next_to_the_field(
    client, flow, member_kind, term_period, tree, province_staff, secretary
):
    flow.conferred(member_kind, term_period, members=stars(tree.city_cell, 1))
    nomination = flow.approved(
        member_kind, term_period, members=stars(tree.city_cell_2, 1, "B")
    )
    client.force_login(province_staff)
    response = client.post(
        url("decision_create"),
        {
            "issuer": tree.province.pk,
            "nominations": [nomination.pk],
            "signed_on": "11/01/2025",
            "signer": secretary.pk,
            "number": "1-QĐ/TU",
        },
    )
    assert response.status_code == 200
    assert "already taken" in response.context["form"].errors["number"][0]
    assert Decision.objects.count() == 1


def test_the_city_cannot_issue_the_provinces_decision(
    client, flow, member_kind, term_period, tree, city_staff
):
    flow.approved(member_kind, term_period, members=stars(tree.city_cell, 1))
    client.force_login(city_staff)
    response = client.get(url("decision_create"))
    assert 'data-testid="nothing-to-confer"' in response.content.decode()


# ---------------------------------------------------------------- register


@pytest.fixture
def conferred(flow, member_kind, term_period, tree):
    members = [
        MemberFactory(full_name="Nguyễn Văn Gấu Con", organization=tree.city_cell),
        MemberFactory(full_name="Trần Thị Hoa", organization=tree.city_cell_2),
    ]
    for m in members:
        excellent(m, 2020, 2021, 2022, 2023, 2024)
    return flow.conferred(member_kind, term_period, members=members)


def test_the_register_searches_names_without_diacritics(client, city_staff, conferred):
    client.force_login(city_staff)
    response = client.get(url("register", q="gau con"))
    assert [a.recipient_name for a in response.context["page_obj"]] == [
        "Nguyễn Văn Gấu Con"
    ]


def test_the_register_filters_by_organization_and_revocation(
    client, city_staff, province_staff, conferred, tree
):
    award = Award.objects.get(member__full_name="Trần Thị Hoa")
    services.revoke_award(
        acting_user=province_staff,
        award=award,
        reason="Sai",
        revoked_at=date(2025, 2, 1),
    )
    client.force_login(city_staff)
    response = client.get(url("register", org=tree.city_cell_2.pk))
    assert [a.pk for a in response.context["page_obj"]] == [award.pk]
    response = client.get(url("register", revoked="yes"))
    assert [a.pk for a in response.context["page_obj"]] == [award.pk]
    assert 'data-testid="revoked"' in response.content.decode()
    response = client.get(url("register", revoked="no", recipient_type="member"))
    assert len(response.context["page_obj"]) == 1
    response = client.get(url("register", sort="name"))
    assert [a.recipient_name for a in response.context["page_obj"]] == [
        "Nguyễn Văn Gấu Con",
        "Trần Thị Hoa",
    ]


def test_the_register_is_scoped_to_the_recipients(client, outsider, conferred):
    client.force_login(outsider)
    response = client.get(url("register"))
    assert response.context["page_obj"].paginator.count == 0


def test_an_award_is_revoked_from_its_page(
    client, province_staff, city_staff, conferred
):
    award = conferred.awards.first()
    client.force_login(city_staff)
    page = client.get(award.get_absolute_url()).content.decode()
    assert 'data-testid="revoke"' not in page  # the city did not grant it
    client.force_login(province_staff)
    assert client.get(url("award_revoke", award.pk)).status_code == 200
    response = client.post(
        url("award_revoke", award.pk), {"revoked_at": "01/02/2025", "reason": ""}
    )
    assert response.context["form"].errors["reason"]
    client.post(
        url("award_revoke", award.pk),
        {"revoked_at": "01/02/2025", "reason": "Vi phạm kỷ luật"},
    )
    award.refresh_from_db()
    assert award.revoked_at == date(2025, 2, 1)


# ---------------------------------------------------------------- badges


def test_the_badge_page_lists_members_due_and_nominates_them_in_bulk(
    client, city_staff, badge_kinds, tree
):
    thirty = MemberFactory(
        full_name="Ba mươi năm",
        organization=tree.city_cell,
        admitted_on=date(1995, 7, 1),
        official_on=date(1996, 7, 1),
    )
    forty = MemberFactory(
        full_name="Bốn mươi năm",
        organization=tree.city_cell,
        admitted_on=date(1985, 8, 1),
        official_on=date(1986, 8, 1),
    )
    client.force_login(city_staff)
    response = client.get(url("badges", year=2025, occasion="09-02"))
    assert response.status_code == 200
    assert [(y, len(rows)) for y, rows in response.context["groups"]] == [
        (40, 1),
        (30, 1),
    ]
    response = client.post(
        url("badges_nominate"),
        {
            "occasion_on": "2025-09-02",
            "proposer": tree.city.pk,
            "candidate": [f"m{thirty.pk}", f"m{forty.pk}"],
        },
    )
    assert response.status_code == 302
    nominations = Nomination.objects.order_by("kind__badge_years")
    assert [(n.kind.badge_years, n.occasion_on) for n in nominations] == [
        (30, date(2025, 9, 2)),
        (40, date(2025, 9, 2)),
    ]
    assert nominations[0].items.get().member == thirty


# ---------------------------------------------------------------- scope


def test_every_object_page_of_another_branch_is_404(
    client, outsider, conferred, city_staff
):
    award = conferred.awards.first()
    nomination = conferred.nominations.get()
    item = nomination.items.first()
    client.force_login(outsider)
    for address in (
        nomination.get_absolute_url(),
        url("nomination_transition", nomination.pk),
        url("item_add", nomination.pk),
        url("item_reject", nomination.pk, item.pk),
        url("item_remove", nomination.pk, item.pk),
        url("item_restore", nomination.pk, item.pk),
        conferred.get_absolute_url(),
        award.get_absolute_url(),
        url("award_revoke", award.pk),
    ):
        assert client.get(address).status_code == 404, address
        assert client.post(address).status_code == 404, address


def test_the_city_does_not_see_the_provinces_decision_page(
    client, city_staff, conferred
):
    client.force_login(city_staff)
    assert client.get(conferred.get_absolute_url()).status_code == 404


def test_read_pages_refuse_a_post(client, city_staff, conferred):
    client.force_login(city_staff)
    for name in (
        "eligibility",
        "nomination_list",
        "register",
        "badges",
        "decision_list",
    ):
        assert client.post(url(name)).status_code == 405
