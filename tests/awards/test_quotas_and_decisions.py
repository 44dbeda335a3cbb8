"""Quotas per kind and period; decisions: numbered in sequence, typed numbers
validated, a signer holding a position, the awards they make, all or
nothing; revocation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from awards import selectors, services
from awards.models import Award, Decision, NominationStatus
from committees.models import DocumentCounter
from tests.awards.conftest import stars
from tests.factories import MemberFactory

JAN_10 = date(2025, 1, 10)


def issue(flow, nominations, **kwargs):
    return services.issue_decision(
        acting_user=flow.province_staff,
        issuer=flow.tree.province,
        nominations=nominations,
        signer=kwargs.pop("signer", flow.secretary),
        signed_on=kwargs.pop("signed_on", JAN_10),
        **kwargs,
    )


# ---------------------------------------------------------------- quotas


@pytest.fixture
def quota_kind(member_kind):
    member_kind.quota = 2
    member_kind.save()
    return member_kind


def test_approving_beyond_the_quota_is_refused_saying_by_how_much(
    flow, quota_kind, term_period, tree, city_staff, province_staff
):
    members = stars(tree.city_cell, 3)
    nomination = flow.nominate(quota_kind, term_period, members=members)
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    with pytest.raises(ValidationError, match="exceed it by 1") as refused:
        services.approve_nomination(acting_user=province_staff, nomination=nomination)
    assert "quota" in refused.value.messages[0]
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED
    services.reject_candidate(
        acting_user=province_staff, item=nomination.items.first(), reason="Hết chỉ tiêu"
    )
    services.approve_nomination(acting_user=province_staff, nomination=nomination)


def test_the_quota_counts_earlier_approvals_and_awards_in_force(
    flow, quota_kind, term_period, tree, province_staff
):
    first = stars(tree.city_cell, 2)
    decision = issue(flow, [flow.approved(quota_kind, term_period, members=first)])
    [late] = stars(tree.city_cell_2, 1, prefix="Muộn")
    with pytest.raises(ValidationError, match="exceed it by 1"):
        flow.approved(quota_kind, term_period, members=[late])
    # a revoked award frees its place
    services.revoke_award(
        acting_user=province_staff,
        award=decision.awards.first(),
        reason="Thu hồi",
        revoked_at=date(2025, 2, 1),
    )
    from awards.models import Nomination

    pending = Nomination.objects.get(status=NominationStatus.SUBMITTED)
    services.approve_nomination(acting_user=province_staff, nomination=pending)
    assert selectors.approved_count(quota_kind, term_period) == 2


def test_the_quota_is_per_period(flow, quota_kind, term_period, tree):
    previous = services.ensure_period(
        period_type="term", start_year=2015, end_year=2020
    )
    members = stars(tree.city_cell, 2)
    flow.approved(quota_kind, term_period, members=members)
    from tests.awards.conftest import excellent

    old = MemberFactory(full_name="Kỳ trước", organization=tree.city_cell)
    excellent(old, 2015, 2016, 2017, 2018, 2019)
    flow.approved(quota_kind, previous, members=[old])


# ---------------------------------------------------------------- decisions


def test_decisions_are_numbered_in_sequence_per_issuer_and_term(
    flow, member_kind, term_period, tree
):
    a, b = stars(tree.city_cell, 2)
    first = issue(flow, [flow.approved(member_kind, term_period, members=[a])])
    second = issue(flow, [flow.approved(member_kind, term_period, members=[b])])
    assert (first.number, second.number) == (1, 2)
    assert first.document_number == "1-QĐ/TU"
    assert str(second) == "2-QĐ/TU"
    assert first.term.name == "2020–2025"


def test_a_typed_number_is_used_and_the_sequence_follows(
    flow, member_kind, term_period, tree
):
    a, b = stars(tree.city_cell, 2)
    typed = issue(
        flow,
        [flow.approved(member_kind, term_period, members=[a])],
        number="1520-QĐ/TU",
    )
    after = issue(flow, [flow.approved(member_kind, term_period, members=[b])])
    assert (typed.number, after.number) == (1520, 1521)


def test_a_duplicate_number_is_refused_and_nothing_is_half_made(
    flow, member_kind, term_period, tree
):
    a, b = stars(tree.city_cell, 2)
    issue(flow, [flow.approved(member_kind, term_period, members=[a])])
    nomination = flow.approved(member_kind, term_period, members=[b])
    counter = DocumentCounter.objects.get().last_number
    with pytest.raises(ValidationError) as refused:
        issue(flow, [nomination], number="1")
    assert "already taken" in refused.value.message_dict["number"][0]
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.APPROVED
    assert Decision.objects.count() == 1
    assert Award.objects.count() == 1
    assert DocumentCounter.objects.get().last_number == counter


def test_the_signer_must_hold_a_position_in_the_issuing_organization(
    flow, member_kind, term_period, star, tree, city_member
):
    nomination = flow.approved(member_kind, term_period, members=[star])
    with pytest.raises(ValidationError) as refused:
        issue(flow, [nomination], signer=city_member)
    assert "holds no position" in refused.value.message_dict["signer"][0]
    # the Secretary's seat starts on 16/10/2020
    with pytest.raises(ValidationError):
        issue(flow, [nomination], signed_on=date(2020, 10, 1))
    assert not Decision.objects.exists()


def test_a_decision_confers_approved_nominations_of_its_issuer_only(
    flow, member_kind, term_period, star, tree, city_staff, province_staff
):
    draft = flow.nominate(member_kind, term_period, members=[star])
    with pytest.raises(ValidationError, match="not approved"):
        issue(flow, [draft])
    with pytest.raises(ValidationError, match="Choose"):
        issue(flow, [])


def test_issuing_makes_an_award_per_approved_candidate(
    flow, member_kind, term_period, tree, city_staff, province_staff
):
    a, b, c = stars(tree.city_cell, 3)
    nomination = flow.nominate(member_kind, term_period, members=[a, b, c])
    services.submit_nomination(acting_user=city_staff, nomination=nomination)
    services.reject_candidate(
        acting_user=province_staff, item=nomination.items.get(member=c), reason="Không"
    )
    services.approve_nomination(acting_user=province_staff, nomination=nomination)
    decision = issue(flow, [nomination], title="Khen thưởng đảng viên 5 năm liền")
    awards = list(selectors.decision_annex(decision))
    assert {aw.member for aw in awards} == {a, b}
    assert {aw.kind for aw in awards} == {member_kind}
    assert all(aw.period == term_period for aw in awards)
    codes = [aw.verification_code for aw in awards]
    assert len(set(codes)) == 2 and all(len(code) >= 16 for code in codes)
    assert decision.issued_by == province_staff
    assert decision.awards.first().history.first().history_user == province_staff
    with pytest.raises(ValidationError, match="not approved"):
        issue(flow, [nomination])  # already conferred


def test_verification_codes_are_unique(flow, member_kind, term_period, star):
    decision = flow.conferred(member_kind, term_period, members=[star])
    award = decision.awards.get()
    clone = Award(
        kind=award.kind,
        period=award.period,
        decision=decision,
        item=award.item,
        member=award.member,
        recipient_name="x",
        verification_code=award.verification_code,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_a_decision_does_not_mix_the_two_bodies(flow, member_kind, term_period, tree):
    from tests.awards.conftest import make_kind

    standing = make_kind(tree.province, "BK-BTV", granting_body="standing")
    a, b = stars(tree.city_cell, 2)
    one = flow.approved(member_kind, term_period, members=[a])
    two = flow.approved(standing, term_period, members=[b])
    with pytest.raises(ValidationError, match="one body"):
        issue(flow, [one, two])


def test_an_award_is_revoked_with_a_reason_and_a_date_and_stays_in_the_register(
    flow, member_kind, term_period, star, province_staff, city_staff
):
    decision = flow.conferred(member_kind, term_period, members=[star])
    award = decision.awards.get()
    with pytest.raises(ValidationError):
        services.revoke_award(
            acting_user=province_staff, award=award, reason="", revoked_at=JAN_10
        )
    with pytest.raises(ValidationError, match="before the decision"):
        services.revoke_award(
            acting_user=province_staff,
            award=award,
            reason="Sai sót",
            revoked_at=date(2024, 12, 1),
        )
    # the city (recipient's scope) cannot revoke the province's award
    with pytest.raises(services.NotAllowed):
        services.revoke_award(
            acting_user=city_staff, award=award, reason="x", revoked_at=JAN_10
        )
    services.revoke_award(
        acting_user=province_staff,
        award=award,
        reason="Vi phạm kỷ luật",
        revoked_at=date(2025, 3, 1),
    )
    award.refresh_from_db()
    assert award.is_revoked
    assert award.revocation_reason == "Vi phạm kỷ luật"
    assert award.revoked_by == province_staff
    register = selectors.award_register(city_staff)
    assert list(register) == [award]
    assert list(selectors.award_register(city_staff, revoked="no")) == []
    with pytest.raises(ValidationError, match="already revoked"):
        services.revoke_award(
            acting_user=province_staff,
            award=award,
            reason="x",
            revoked_at=date(2025, 3, 2),
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_decisions_issued_at_the_same_moment_take_consecutive_numbers(
    tree, member_kind, term_period, secretary
):
    import threading

    from django.db import connection

    nominations = []
    for name in ("Một", "Hai"):
        [member] = stars(tree.city_cell, 1, prefix=name)
        nomination = services.nominate(
            acting_user=None,
            kind=member_kind,
            period=term_period,
            proposer=tree.city,
            member_ids=[member.pk],
        )
        services.submit_nomination(acting_user=None, nomination=nomination)
        nominations.append(
            services.approve_nomination(acting_user=None, nomination=nomination)
        )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def issue_one(nomination) -> None:
        try:
            barrier.wait()
            services.issue_decision(
                acting_user=None,
                issuer=tree.province,
                nominations=[nomination],
                signer=secretary,
                signed_on=JAN_10,
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_one, args=(n,)) for n in nominations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(Decision.objects.values_list("number", flat=True)) == [1, 2]
    assert Award.objects.count() == 2
