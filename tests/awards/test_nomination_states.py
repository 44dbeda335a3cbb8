"""The way of a nomination: every legal transition, illegal ones refused with
a message, intermediate levels, the history of every step."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from awards import services
from awards.models import (
    ItemStatus,
    NominationAction,
    NominationStatus,
)
from tests.awards.conftest import make_kind, stars

S = NominationStatus


@pytest.fixture
def nomination(flow, member_kind, term_period, star):
    return flow.nominate(member_kind, term_period, members=[star])


def steps(nomination) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.from_status, e.to_status)
        for e in nomination.events.order_by("created_at", "id")
    ]


def test_draft_submitted_approved_conferred(
    nomination, city_staff, province_staff, secretary, tree
):
    assert (nomination.status, nomination.at_organization) == (S.DRAFT, tree.city)
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.at_organization) == (
        S.SUBMITTED,
        tree.province,
    )
    services.approve_nomination(acting_user=province_staff, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.status == S.APPROVED
    assert set(nomination.items.values_list("status", flat=True)) == {
        ItemStatus.APPROVED
    }
    decision = services.issue_decision(
        acting_user=province_staff,
        issuer=tree.province,
        nominations=[nomination],
        signer=secretary,
        signed_on=date(2025, 1, 10),
    )
    nomination.refresh_from_db()
    assert (nomination.status, nomination.decision) == (S.CONFERRED, decision)
    assert steps(nomination) == [
        ("create", "", S.DRAFT),
        ("submit", S.DRAFT, S.SUBMITTED),
        ("approve", S.SUBMITTED, S.APPROVED),
        ("confer", S.APPROVED, S.CONFERRED),
    ]
    actors = [e.actor for e in nomination.events.order_by("id")]
    assert actors == [city_staff, city_staff, province_staff, province_staff]
    # simple-history keeps every version too
    assert nomination.history.count() == 4


def test_returned_with_comments_then_resubmitted(
    nomination, city_staff, province_staff, tree
):
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    services.return_nomination(
        acting_user=province_staff,
        nomination=nomination,
        comment="Bổ sung bản thành tích",
    )
    nomination.refresh_from_db()
    assert (nomination.status, nomination.at_organization) == (S.RETURNED, tree.city)
    assert nomination.return_comment == "Bổ sung bản thành tích"
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.status == S.SUBMITTED
    assert steps(nomination)[-2:] == [
        ("return", S.SUBMITTED, S.RETURNED),
        ("submit", S.RETURNED, S.SUBMITTED),
    ]
    assert nomination.events.get(action="return").comment == "Bổ sung bản thành tích"


def test_rejected_with_a_reason_which_is_required(
    nomination, city_staff, province_staff
):
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    with pytest.raises(ValidationError, match="reason"):
        services.reject_nomination(
            acting_user=province_staff, nomination=nomination, reason="  "
        )
    services.reject_nomination(
        acting_user=province_staff, nomination=nomination, reason="Không đủ hồ sơ"
    )
    nomination.refresh_from_db()
    assert nomination.status == S.REJECTED
    assert nomination.rejection_reason == "Không đủ hồ sơ"
    assert steps(nomination)[-1] == ("reject", S.SUBMITTED, S.REJECTED)


def test_a_return_needs_comments(nomination, city_staff, province_staff):
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    with pytest.raises(ValidationError, match="changed"):
        services.return_nomination(
            acting_user=province_staff, nomination=nomination, comment=""
        )


def test_single_candidates_are_rejected_with_a_reason_and_the_rest_approved(
    flow, member_kind, term_period, tree, city_staff, province_staff
):
    a, b, c = stars(tree.city_cell, 3)
    nomination = flow.nominate(member_kind, term_period, members=[a, b, c])
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    item = nomination.items.get(member=c)
    services.reject_candidate(
        acting_user=province_staff, item=item, reason="Chưa đủ tiêu chuẩn"
    )
    services.restore_candidate(acting_user=province_staff, item=item)
    services.reject_candidate(
        acting_user=province_staff, item=item, reason="Chưa đủ tiêu chuẩn"
    )
    services.approve_nomination(acting_user=province_staff, nomination=nomination)
    statuses = dict(nomination.items.values_list("member__full_name", "status"))
    assert statuses == {
        a.full_name: ItemStatus.APPROVED,
        b.full_name: ItemStatus.APPROVED,
        c.full_name: ItemStatus.REJECTED,
    }
    assert [e.action for e in nomination.events.all()][-4:] == [
        "reject_item",
        "restore_item",
        "reject_item",
        "approve",
    ]


def test_approval_needs_a_candidate_left(nomination, city_staff, province_staff):
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    services.reject_candidate(
        acting_user=province_staff, item=nomination.items.get(), reason="Không đạt"
    )
    with pytest.raises(ValidationError, match="reject the nomination instead"):
        services.approve_nomination(acting_user=province_staff, nomination=nomination)


@pytest.fixture
def through(tree, term_period):
    """A kind that passes the district-level committee."""
    return make_kind(tree.province, "BK-QUA", through_intermediate_levels=True)


def test_a_grassroots_proposal_passes_the_district_level_committee(
    through, term_period, star, tree, province_staff
):
    from tests.factories import user

    grassroots_staff = user("phuong", tree.city_grassroots)
    city_staff = user("thanhuy", tree.city)
    nomination = services.nominate(
        acting_user=grassroots_staff,
        kind=through,
        period=term_period,
        proposer=tree.city_grassroots,
        member_ids=[star.pk],
    )
    services.submit_nomination(acting_user=grassroots_staff, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.at_organization == tree.city
    # the province cannot decide while the district level holds it
    with pytest.raises(ValidationError, match="only .* decides"):
        services.approve_nomination(acting_user=province_staff, nomination=nomination)
    # the proposer cannot forward its own nomination
    with pytest.raises(services.NotAllowed):
        services.forward_nomination(acting_user=grassroots_staff, nomination=nomination)
    services.forward_nomination(
        acting_user=city_staff, nomination=nomination, comment="Đề nghị khen"
    )
    nomination.refresh_from_db()
    assert nomination.at_organization == tree.province
    with pytest.raises(ValidationError, match="nothing to forward"):
        services.forward_nomination(acting_user=province_staff, nomination=nomination)
    services.approve_nomination(acting_user=province_staff, nomination=nomination)
    assert steps(nomination)[1:] == [
        ("submit", S.DRAFT, S.SUBMITTED),
        ("forward", S.SUBMITTED, S.SUBMITTED),
        ("approve", S.SUBMITTED, S.APPROVED),
    ]
    forward = nomination.events.get(action="forward")
    assert (forward.at_organization, forward.comment) == (tree.province, "Đề nghị khen")


def test_the_district_level_may_return_it_to_the_grassroots(
    through, term_period, star, tree
):
    from tests.factories import user

    grassroots_staff = user("phuong", tree.city_grassroots)
    city_staff = user("thanhuy", tree.city)
    nomination = services.nominate(
        acting_user=grassroots_staff,
        kind=through,
        period=term_period,
        proposer=tree.city_grassroots,
        member_ids=[star.pk],
    )
    services.submit_nomination(acting_user=grassroots_staff, nomination=nomination)
    services.return_nomination(
        acting_user=city_staff, nomination=nomination, comment="Thiếu biên bản"
    )
    nomination.refresh_from_db()
    assert (nomination.status, nomination.at_organization) == (
        S.RETURNED,
        tree.city_grassroots,
    )
    services.submit_nomination(acting_user=grassroots_staff, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.at_organization == tree.city  # the way starts again


ILLEGAL = [
    # (status reached first, transition attempted)
    ("draft", "approve"),
    ("draft", "reject"),
    ("draft", "return"),
    ("draft", "forward"),
    ("submitted", "submit"),
    ("approved", "submit"),
    ("approved", "approve"),
    ("approved", "reject"),
    ("approved", "return"),
    ("rejected", "approve"),
    ("rejected", "submit"),
    ("conferred", "approve"),
    ("conferred", "return"),
]


@pytest.mark.parametrize(("reached", "attempt"), ILLEGAL)
def test_an_illegal_transition_is_refused_with_a_message(
    nomination, reached, attempt, city_staff, province_staff, secretary, tree
):
    if reached != "draft":
        services.submit_nomination(acting_user=city_staff, nomination=nomination)
    if reached in ("approved", "conferred"):
        services.approve_nomination(acting_user=province_staff, nomination=nomination)
    if reached == "rejected":
        services.reject_nomination(
            acting_user=province_staff, nomination=nomination, reason="Không"
        )
    if reached == "conferred":
        services.issue_decision(
            acting_user=province_staff,
            issuer=tree.province,
            nominations=[nomination],
            signer=secretary,
            signed_on=date(2025, 1, 10),
        )
    nomination.refresh_from_db()
    before = (nomination.status, nomination.events.count())
    actor = city_staff if attempt == "submit" else province_staff
    extra = {"comment": "x"} if attempt == "return" else {}
    extra |= {"reason": "x"} if attempt == "reject" else {}
    with pytest.raises(ValidationError) as refused:
        services.TRANSITIONS[attempt](acting_user=actor, nomination=nomination, **extra)
    assert refused.value.messages[0]
    nomination.refresh_from_db()
    assert (nomination.status, nomination.events.count()) == before


def test_only_a_draft_can_be_deleted(nomination, city_staff):
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.delete_nomination(acting_user=city_staff, nomination=nomination)


def test_a_draft_is_deleted_with_its_candidates(nomination, city_staff):
    services.delete_nomination(acting_user=city_staff, nomination=nomination)
    from awards.models import Nomination, NominationItem

    assert not Nomination.objects.exists()
    assert not NominationItem.objects.exists()


def test_candidates_are_fixed_once_submitted(
    nomination, city_staff, province_staff, tree
):
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    with pytest.raises(ValidationError, match="only while"):
        services.remove_candidate(acting_user=city_staff, item=nomination.items.get())


def test_submitting_needs_a_candidate(flow, member_kind, term_period, tree, city_staff):
    empty = services.create_nomination(
        acting_user=city_staff, kind=member_kind, period=term_period, proposer=tree.city
    )
    with pytest.raises(ValidationError, match="at least one candidate"):
        services.submit_nomination(acting_user=city_staff, nomination=empty)


def test_every_action_names_its_event_label():
    # the event labels are what the history shows
    assert {a.value for a in NominationAction} >= set(services.TRANSITIONS)
