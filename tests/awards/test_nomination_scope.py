"""Who may do what: roles, scope, the granting organization, and "an
organization cannot approve its own nomination"; candidates checked the
same way whether chosen from the list or added by hand."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from awards import services
from awards.models import Nomination
from portal.roles import Role
from tests.awards.conftest import excellent, make_kind
from tests.factories import MemberFactory, user


def test_a_viewer_cannot_nominate(tree, city_viewer, member_kind, term_period):
    with pytest.raises(services.NotAllowed):
        services.create_nomination(
            acting_user=city_viewer,
            kind=member_kind,
            period=term_period,
            proposer=tree.city,
        )


def test_staff_cannot_propose_for_an_organization_outside_their_scope(
    tree, city_staff, member_kind, term_period
):
    with pytest.raises(services.NotAllowed):
        services.create_nomination(
            acting_user=city_staff,
            kind=member_kind,
            period=term_period,
            proposer=tree.district,
        )


def test_staff_cannot_nominate_a_member_outside_their_scope(
    tree, city_staff, member_kind, term_period, district_member
):
    excellent(district_member, 2020, 2021, 2022, 2023, 2024)
    with pytest.raises(services.NotAllowed):
        services.nominate(
            acting_user=city_staff,
            kind=member_kind,
            period=term_period,
            proposer=tree.city,
            member_ids=[district_member.pk],
        )
    assert not Nomination.objects.exists()  # nothing half-made


def test_a_candidate_must_lie_under_the_proposing_organization(
    tree, province_staff, member_kind, term_period, district_member
):
    excellent(district_member, 2020, 2021, 2022, 2023, 2024)
    with pytest.raises(ValidationError, match="not a member under"):
        services.nominate(
            acting_user=province_staff,
            kind=member_kind,
            period=term_period,
            proposer=tree.city,
            member_ids=[district_member.pk],
        )


def test_the_proposer_must_lie_under_the_granting_organization(
    tree, province_staff, term_period
):
    city_kind = make_kind(tree.city, "GK-TP")
    with pytest.raises(ValidationError, match="outside"):
        services.create_nomination(
            acting_user=province_staff,
            kind=city_kind,
            period=term_period,
            proposer=tree.district,
        )


def test_a_candidate_not_on_the_list_is_refused_by_name(
    tree, city_staff, member_kind, term_period, city_member, star
):
    with pytest.raises(ValidationError, match=city_member.full_name):
        services.nominate(
            acting_user=city_staff,
            kind=member_kind,
            period=term_period,
            proposer=tree.city,
            member_ids=[star.pk, city_member.pk],
        )
    assert not Nomination.objects.exists()


def test_a_candidate_added_by_hand_needs_a_justification(
    tree, city_staff, member_kind, term_period, city_member
):
    nomination = services.create_nomination(
        acting_user=city_staff, kind=member_kind, period=term_period, proposer=tree.city
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.add_manual_candidate(
            acting_user=city_staff,
            nomination=nomination,
            member=city_member,
            justification="  ",
        )
    item = services.add_manual_candidate(
        acting_user=city_staff,
        nomination=nomination,
        member=city_member,
        justification="Gương điển hình tiên tiến",
    )
    assert (item.source, item.evidence) == ("manual", {})


def test_a_candidate_from_the_list_keeps_its_evidence(
    flow, member_kind, term_period, star
):
    nomination = flow.nominate(member_kind, term_period, members=[star])
    item = nomination.items.get()
    assert item.source == "eligibility"
    assert [y["year"] for y in item.evidence["years"]] == [2020, 2021, 2022, 2023, 2024]


def test_the_wrong_kind_of_recipient_is_refused(
    tree, city_staff, manual_kind, term_period, city_member
):
    nomination = services.create_nomination(
        acting_user=city_staff, kind=manual_kind, period=term_period, proposer=tree.city
    )
    with pytest.raises(ValidationError, match="awarded to organizations"):
        services.add_manual_candidate(
            acting_user=city_staff,
            nomination=nomination,
            member=city_member,
            justification="x",
        )
    with pytest.raises(ValidationError, match="not awarded to organizations of kind"):
        services.add_manual_candidate(
            acting_user=city_staff,
            nomination=nomination,
            organization=tree.city_cell,
            justification="x",
        )
    services.add_manual_candidate(
        acting_user=city_staff,
        nomination=nomination,
        organization=tree.city,
        justification="Dẫn đầu phong trào thi đua",
    )


def test_the_period_must_be_of_the_kinds_type(
    tree, city_staff, member_kind, year_period
):
    with pytest.raises(ValidationError, match="of type “Term”"):
        services.create_nomination(
            acting_user=city_staff,
            kind=member_kind,
            period=year_period,
            proposer=tree.city,
        )


def test_a_candidate_in_another_open_nomination_is_refused_until_rejected(
    flow, member_kind, term_period, star, city_staff, province_staff
):
    first = flow.nominate(member_kind, term_period, members=[star])
    with pytest.raises(ValidationError, match="already in another nomination"):
        flow.nominate(member_kind, term_period, members=[star])
    services.submit_nomination(acting_user=city_staff, nomination=first)
    services.reject_nomination(
        acting_user=province_staff, nomination=first, reason="Hồ sơ chưa đủ"
    )
    flow.nominate(member_kind, term_period, members=[star])


def test_staff_below_the_granting_organization_cannot_approve(
    nomination_submitted, city_staff
):
    with pytest.raises(services.NotAllowed, match="Only the staff"):
        services.approve_nomination(
            acting_user=city_staff, nomination=nomination_submitted
        )


@pytest.fixture
def nomination_submitted(flow, member_kind, term_period, star, city_staff):
    nomination = flow.nominate(member_kind, term_period, members=[star])
    return services.submit_nomination(acting_user=city_staff, nomination=nomination)


def test_an_organization_cannot_approve_its_own_nomination(
    tree, province_staff, admin_user, member_kind, term_period, star
):
    own = services.nominate(
        acting_user=province_staff,
        kind=member_kind,
        period=term_period,
        proposer=tree.province,
        member_ids=[star.pk],
    )
    services.submit_nomination(acting_user=province_staff, nomination=own)
    with pytest.raises(services.NotAllowed):
        services.approve_nomination(acting_user=province_staff, nomination=own)
    with pytest.raises(services.NotAllowed):
        services.reject_nomination(
            acting_user=province_staff, nomination=own, reason="x"
        )
    # Staff scoped above the province (here: a superuser) may approve it.
    services.approve_nomination(acting_user=admin_user, nomination=own)
    own.refresh_from_db()
    assert own.status == "approved"


def test_the_same_rule_at_a_lower_level(tree, term_period, star):
    """A city certificate: the city's own proposal needs the province; a
    ward's proposal is approved by the city."""
    city_kind = make_kind(tree.city, "GK-TP")
    city_staff = user("thanhuy", tree.city, Role.EMULATION)
    ward_staff = user("phuong", tree.city_grassroots, Role.EMULATION)
    province_staff = user("tinhuy", tree.province, Role.EMULATION)
    second = MemberFactory(full_name="Lý Thị Mai", organization=tree.city_cell)
    excellent(second, 2020, 2021, 2022, 2023, 2024)
    own = services.nominate(
        acting_user=city_staff,
        kind=city_kind,
        period=term_period,
        proposer=tree.city,
        member_ids=[star.pk],
    )
    services.submit_nomination(acting_user=city_staff, nomination=own)
    with pytest.raises(services.NotAllowed):
        services.approve_nomination(acting_user=city_staff, nomination=own)
    services.approve_nomination(acting_user=province_staff, nomination=own)
    ward = services.nominate(
        acting_user=ward_staff,
        kind=city_kind,
        period=term_period,
        proposer=tree.city_grassroots,
        member_ids=[second.pk],
    )
    services.submit_nomination(acting_user=ward_staff, nomination=ward)
    with pytest.raises(services.NotAllowed):
        services.approve_nomination(acting_user=ward_staff, nomination=ward)
    services.approve_nomination(acting_user=city_staff, nomination=ward)


def test_emulation_is_the_role_that_reviews(tree, nomination_submitted, province_staff):
    board = user("tochuc", tree.province, Role.ORGANIZATION_BOARD)
    with pytest.raises(services.NotAllowed, match="role"):
        services.approve_nomination(acting_user=board, nomination=nomination_submitted)
    reviewer = user("thidua", tree.province, Role.EMULATION)
    services.approve_nomination(acting_user=reviewer, nomination=nomination_submitted)


def test_the_buttons_follow_the_same_rules(
    tree, nomination_submitted, city_staff, province_staff, city_viewer
):
    assert services.available_actions(city_staff, nomination_submitted) == []
    assert set(services.available_actions(province_staff, nomination_submitted)) >= {
        "approve",
        "reject",
        "return",
    }
    assert services.available_actions(city_viewer, nomination_submitted) == []
