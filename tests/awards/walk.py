"""Objects of the awards app for the URL walk (tests/portal/test_url_walk.py):
a nomination carried to its decision and award inside one branch."""

from __future__ import annotations

from datetime import date

from awards import services
from awards.models import AwardForm, AwardKind, Criterion, PeriodType, RecipientType


def walk_kwargs(*, top, grassroots, cell, member) -> dict:
    """``member`` holds a position in ``top`` (the walk appointed it), so it
    signs ``top``'s decision."""
    kind = AwardKind(
        code=f"WALK-{top.code}",
        name=f"Giấy khen của {top.name}",
        form=AwardForm.CERTIFICATE,
        granting_organization=top,
        recipient_type=RecipientType.MEMBER,
        period_type=PeriodType.TERM,
        criterion=Criterion.MANUAL,
        through_intermediate_levels=False,
    )
    kind.full_clean()
    kind.save()
    period = services.ensure_period(
        period_type=PeriodType.TERM, start_year=2020, end_year=2025
    )
    nomination = services.create_nomination(
        acting_user=None, kind=kind, period=period, proposer=grassroots
    )
    item = services.add_manual_candidate(
        acting_user=None,
        nomination=nomination,
        member=member,
        justification="Hoàn thành xuất sắc nhiệm vụ",
    )
    services.submit_nomination(acting_user=None, nomination=nomination)
    services.approve_nomination(acting_user=None, nomination=nomination)
    decision = services.issue_decision(
        acting_user=None,
        issuer=top,
        nominations=[nomination],
        signer=member,
        signed_on=date(2025, 1, 10),
    )
    return {
        "nomination_id": nomination.pk,
        "item_id": item.pk,
        "decision_id": decision.pk,
        "award_id": decision.awards.get().pk,
    }
