"""Services: every change to nominations, decisions and awards.

Each function takes keyword-only arguments and an ``acting_user`` (None for
system actors: the demo, commands), checks the actor's role and scope, runs
in one transaction, validates, and records the change (simple-history rows,
and for nominations a ``NominationEvent`` per transition). Bad input raises
``ValidationError`` and changes nothing; an actor without the role or the
scope for a step gets ``NotAllowed`` (a ``PermissionDenied`` with a message).

The way of a nomination::

    draft ──submit──▶ submitted ──approve──▶ approved ──(decision)──▶ conferred
      ▲                │   │  ╰──reject (reason)──▶ rejected
      │                │   ╰──forward (intermediate level → next level)
      ╰──── returned ◀─return (comments)

- The proposing organization's Emulation staff draft, edit and submit (a
  returned nomination is edited and submitted again).
- When the kind passes through intermediate levels, a submitted nomination
  stops at each committee between the proposer and the granting
  organization (``selectors.review_chain``): their staff forward it, or
  return it.
- The granting organization's Emulation staff (scope = the granting
  organization or above) reject single candidates (with a reason), return,
  approve or reject the nomination. **An organization cannot approve its
  own nomination**: the reviewer's scope organization must not be the
  proposer, so a nomination proposed by the granting organization itself
  is approved only by staff scoped above it (or a superuser).
- Approving respects the kind's quota per period; a decision confers the
  approved candidates and makes the awards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from committees.documents import issue_number, reserve_number, term_on
from committees.models import (
    ACTIVE_MEMBER_STATUSES,
    DocumentKind,
    Member,
    MemberStatus,
    Organization,
    Position,
)
from portal.access import is_in_scope, scope_path
from portal.history import attribute

from . import badge_clock, selectors
from .models import (
    OPEN_STATUSES,
    Award,
    AwardKind,
    Criterion,
    Decision,
    EmulationPeriod,
    ItemSource,
    ItemStatus,
    Nomination,
    NominationAction,
    NominationEvent,
    NominationItem,
    NominationStatus,
    PeriodType,
    is_occasion,
)

CHANGE_NOMINATION = "awards.change_nomination"
ADD_NOMINATION = "awards.add_nomination"
DELETE_NOMINATION = "awards.delete_nomination"
ADD_DECISION = "awards.add_decision"
CHANGE_AWARD = "awards.change_award"


class NotAllowed(PermissionDenied):
    """The actor lacks the role or the scope for this step (with a message
    the page shows)."""


# ---------------------------------------------------------------- checks


def _require(acting_user: Any, permission: str) -> None:
    if acting_user is not None and not acting_user.has_perm(permission):
        raise NotAllowed(_("Your role does not allow this."))


def _require_scope(acting_user: Any, organization: Organization) -> None:
    if acting_user is not None and not is_in_scope(acting_user, organization.path):
        raise NotAllowed(
            _("%(organization)s lies outside your scope.")
            % {"organization": organization}
        )


def _is_own(acting_user: Any, nomination: Nomination) -> bool:
    """True when the actor works for the proposing organization itself."""
    return acting_user is not None and (
        not acting_user.is_superuser and acting_user.scope_id == nomination.proposer_id
    )


def _locked(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update()
        .select_related(
            "kind__granting_organization", "period", "proposer", "at_organization"
        )
        .get(pk=nomination.pk)
    )


def _illegal(nomination: Nomination, action: str) -> ValidationError:
    return ValidationError(
        _(
            "This step (“%(action)s”) is not possible while the nomination "
            "is “%(status)s”."
        )
        % {
            "status": nomination.get_status_display(),
            "action": NominationAction(action).label,
        },
        code="illegal_transition",
    )


def _record(
    nomination: Nomination,
    *,
    acting_user: Any,
    action: str,
    from_status: str,
    comment: str = "",
) -> NominationEvent:
    return NominationEvent.objects.create(
        nomination=nomination,
        action=action,
        from_status=from_status,
        to_status=nomination.status,
        at_organization=nomination.at_organization,
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        comment=comment,
    )


def _save(nomination: Nomination, acting_user: Any, reason: str) -> None:
    nomination.full_clean()
    attribute(nomination, acting_user, reason)
    nomination.save()


def _period_matches(kind: AwardKind, period: EmulationPeriod) -> None:
    if kind.period_type != period.period_type:
        raise ValidationError(
            {
                "period": _(
                    "%(kind)s is awarded per period of type “%(type)s”; "
                    "%(period)s is not one."
                )
                % {
                    "kind": kind,
                    "type": PeriodType(kind.period_type).label,
                    "period": period,
                }
            }
        )


# ---------------------------------------------------------------- periods


@transaction.atomic
def ensure_period(*, period_type: str, start_year: int, end_year: int | None = None):
    """The emulation period, created when missing (badges use the year)."""
    end_year = start_year if period_type == PeriodType.YEAR else end_year
    period = EmulationPeriod.objects.filter(
        period_type=period_type, start_year=start_year, end_year=end_year
    ).first()
    if period is None:
        period = EmulationPeriod(
            period_type=period_type, start_year=start_year, end_year=end_year
        )
        period.full_clean()
        period.save()
    return period


# ---------------------------------------------------------------- drafting


@transaction.atomic
def create_nomination(
    *,
    acting_user: Any,
    kind: AwardKind,
    period: EmulationPeriod,
    proposer: Organization,
    occasion_on: date | None = None,
) -> Nomination:
    """An empty draft, held by the proposing organization."""
    _require(acting_user, ADD_NOMINATION)
    _require_scope(acting_user, proposer)
    if not kind.is_active:
        raise ValidationError({"kind": _("This award kind is no longer in use.")})
    _period_matches(kind, period)
    granting = kind.granting_organization
    if not proposer.path.startswith(granting.path):
        raise ValidationError(
            {
                "proposer": _(
                    "%(proposer)s lies outside %(granting)s, which grants this award."
                )
                % {"proposer": proposer, "granting": granting}
            }
        )
    if not proposer.is_active:
        raise ValidationError(
            {"proposer": _("%(name)s is no longer active.") % {"name": proposer}}
        )
    if kind.is_badge:
        if occasion_on is None or not is_occasion(occasion_on):
            raise ValidationError(
                {
                    "occasion_on": _(
                        "Badges are presented on 3/2, 19/5, 2/9 or 7/11: choose "
                        "one of these days."
                    )
                }
            )
        if occasion_on.year != period.start_year:
            raise ValidationError(
                {"occasion_on": _("The occasion must fall in the period's year.")}
            )
    elif occasion_on is not None:
        raise ValidationError({"occasion_on": _("Only badges have an occasion.")})
    nomination = Nomination(
        kind=kind,
        period=period,
        proposer=proposer,
        at_organization=proposer,
        occasion_on=occasion_on,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    _save(nomination, acting_user, "created")
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.CREATE,
        from_status="",
    )
    return nomination


def _editable(acting_user: Any, nomination: Nomination) -> Nomination:
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(nomination)
    _require_scope(acting_user, nomination.proposer)
    if not nomination.is_editable:
        raise ValidationError(
            _(
                "Candidates can be changed only while the nomination is a draft "
                "or returned."
            )
        )
    return nomination


def _check_subjects(
    nomination: Nomination,
    *,
    members: Sequence[Member] = (),
    organizations: Sequence[Organization] = (),
) -> None:
    """What any candidate must satisfy, from the list or added by hand."""
    kind, period = nomination.kind, nomination.period
    proposer, granting = nomination.proposer, kind.granting_organization
    errors: list[str] = []
    if members and not kind.for_members:
        errors.append(_("%(kind)s is awarded to organizations.") % {"kind": kind})
    if organizations and kind.for_members:
        errors.append(_("%(kind)s is awarded to party members.") % {"kind": kind})
    for member in members:
        path = member.organization.path
        if not path.startswith(proposer.path) or not path.startswith(granting.path):
            errors.append(
                _("%(member)s is not a member under %(proposer)s.")
                % {"member": member, "proposer": proposer}
            )
        deceased_badge = kind.is_badge and member.status == MemberStatus.DECEASED
        if member.status not in ACTIVE_MEMBER_STATUSES and not deceased_badge:
            if not (
                member.status in (MemberStatus.DECEASED, MemberStatus.TRANSFERRED_OUT)
                and member.status_changed_on
                and member.status_changed_on > period.ends_on
            ):
                errors.append(
                    _("%(member)s is not a party member in good standing.")
                    % {"member": member}
                )
    allowed_kinds = set(kind.recipient_kind_list)
    for organization in organizations:
        if not organization.path.startswith(proposer.path) or (
            not organization.path.startswith(granting.path)
            or organization.pk == granting.pk
        ):
            errors.append(
                _("%(organization)s is not an organization under %(proposer)s.")
                % {"organization": organization, "proposer": proposer}
            )
        elif organization.kind not in allowed_kinds:
            errors.append(
                _("%(kind)s is not awarded to organizations of kind “%(org_kind)s”.")
                % {"kind": kind, "org_kind": organization.get_kind_display()}
            )
        elif not organization.is_active:
            errors.append(_("%(name)s is no longer active.") % {"name": organization})
    if errors:
        raise ValidationError(errors)
    _check_not_awarded(nomination, members=members, organizations=organizations)


def _check_not_awarded(
    nomination: Nomination,
    *,
    members: Sequence[Member],
    organizations: Sequence[Organization],
) -> None:
    """Refuse a candidate already awarded the kind for the period, or already
    in another open nomination of them."""
    kind, period = nomination.kind, nomination.period
    awards = Award.objects.filter(revoked_at__isnull=True)
    if kind.is_badge:  # a badge is held for life, with the lower ones
        awards = awards.filter(
            kind__criterion=Criterion.BADGE, kind__badge_years__gte=kind.badge_years
        )
    else:
        awards = awards.filter(kind=kind, period=period)
    open_items = (
        NominationItem.objects.filter(
            nomination__kind=kind,
            nomination__status__in=OPEN_STATUSES,
        )
        .exclude(status=ItemStatus.REJECTED)
        .exclude(nomination=nomination)
    )
    if not kind.is_badge:
        open_items = open_items.filter(nomination__period=period)
    errors = []
    if members:
        for award in awards.filter(member__in=members).select_related("decision"):
            errors.append(
                _("%(name)s already holds it (decision %(decision)s).")
                % {"name": award.recipient_name, "decision": award.decision}
            )
        for item in open_items.filter(member__in=members).select_related("member"):
            errors.append(
                _("%(name)s is already in another nomination (no. %(id)s).")
                % {"name": item.member, "id": item.nomination_id}
            )
    if organizations:
        for award in awards.filter(organization__in=organizations).select_related(
            "decision"
        ):
            errors.append(
                _("%(name)s already holds it (decision %(decision)s).")
                % {"name": award.recipient_name, "decision": award.decision}
            )
        for item in open_items.filter(organization__in=organizations).select_related(
            "organization"
        ):
            errors.append(
                _("%(name)s is already in another nomination (no. %(id)s).")
                % {"name": item.organization, "id": item.nomination_id}
            )
    if errors:
        raise ValidationError(errors)


def _evidence_of(
    nomination: Nomination, *, ids: list[int]
) -> dict[int, selectors.Candidate]:
    """The eligibility rows of these candidates, as of now (one query)."""
    kind = nomination.kind
    if kind.is_badge:
        rows = selectors.badges_due(
            None,
            occasion=nomination.occasion_on,
            member_ids=ids,
            within=nomination.proposer,
        )
        return {row.pk: row for row in rows if row.badge_years == kind.badge_years}
    rows = selectors.eligible_candidates(
        None,
        kind=kind,
        period=nomination.period,
        within=nomination.proposer,
        ids=ids,
    )
    return {row.pk: row for row in rows}


def _add(
    nomination: Nomination,
    acting_user: Any,
    *,
    members: list[Member],
    organizations: list[Organization],
    source: str,
    justification: str,
    evidence: dict[int, selectors.Candidate],
) -> list[NominationItem]:
    items = []
    for subject in [*members, *organizations]:
        field = "member" if isinstance(subject, Member) else "organization"
        candidate = evidence.get(subject.pk)
        item = NominationItem(
            nomination=nomination,
            source=source,
            justification=justification,
            evidence=candidate.evidence if candidate else {},
            **{field: subject},
        )
        item.full_clean(exclude=["nomination"])
        items.append(item)
    try:
        with transaction.atomic():
            return bulk_create_with_history(
                items,
                NominationItem,
                default_user=acting_user if getattr(acting_user, "pk", None) else None,
                default_change_reason="added",
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("One of these candidates is already in the nomination.")
        ) from exc


def _members_and_organizations(
    member_ids: Iterable[int], organization_ids: Iterable[int]
) -> tuple[list[Member], list[Organization]]:
    members = list(
        Member.objects.filter(pk__in=list(member_ids)).select_related("organization")
    )
    organizations = list(Organization.objects.filter(pk__in=list(organization_ids)))
    return members, organizations


@transaction.atomic
def add_candidates(
    *,
    acting_user: Any,
    nomination: Nomination,
    member_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
) -> list[NominationItem]:
    """Add candidates chosen from the eligibility list, with their evidence.

    Every one of them must be on the list now (the list is computed again
    for just these ids, in one query); otherwise nothing is added and the
    message names who is not eligible.
    """
    nomination = _editable(acting_user, nomination)
    members, organizations = _members_and_organizations(member_ids, organization_ids)
    for subject in [*[m.organization for m in members], *organizations]:
        _require_scope(acting_user, subject)
    if not members and not organizations:
        raise ValidationError(_("Choose at least one candidate."))
    if nomination.kind.is_manual:
        raise ValidationError(
            _("%(kind)s has no eligibility list: add candidates by hand.")
            % {"kind": nomination.kind}
        )
    _check_subjects(nomination, members=members, organizations=organizations)
    ids = [s.pk for s in [*members, *organizations]]
    evidence = _evidence_of(nomination, ids=ids)
    missing = [s for s in [*members, *organizations] if s.pk not in evidence]
    if missing:
        raise ValidationError(
            ngettext(
                "Not on the eligibility list: %(names)s. Add it by hand with a "
                "justification if it should be proposed anyway.",
                "Not on the eligibility list: %(names)s. Add them by hand with a "
                "justification if they should be proposed anyway.",
                len(missing),
            )
            % {"names": ", ".join(str(s) for s in missing)}
        )
    return _add(
        nomination,
        acting_user,
        members=members,
        organizations=organizations,
        source=ItemSource.ELIGIBILITY,
        justification="",
        evidence=evidence,
    )


@transaction.atomic
def add_manual_candidate(
    *,
    acting_user: Any,
    nomination: Nomination,
    justification: str,
    member: Member | None = None,
    organization: Organization | None = None,
) -> NominationItem:
    """Add a candidate by hand; the justification carries the case."""
    if (member is None) == (organization is None):
        raise ValidationError(_("Name one member or one organization."))
    nomination = _editable(acting_user, nomination)
    subject_org = member.organization if member is not None else organization
    _require_scope(acting_user, subject_org)
    justification = justification.strip()
    if not justification:
        raise ValidationError(
            {"justification": _("Say why this candidate is proposed.")}
        )
    members = [member] if member is not None else []
    organizations = [organization] if organization is not None else []
    _check_subjects(nomination, members=members, organizations=organizations)
    # Keep the computed evidence where the candidate is on the list anyway.
    evidence = {}
    if not nomination.kind.is_manual:
        evidence = _evidence_of(nomination, ids=[(member or organization).pk])
    return _add(
        nomination,
        acting_user,
        members=members,
        organizations=organizations,
        source=ItemSource.MANUAL,
        justification=justification,
        evidence=evidence,
    )[0]


@transaction.atomic
def remove_candidate(*, acting_user: Any, item: NominationItem) -> None:
    _editable(acting_user, item.nomination)
    attribute(item, acting_user, "removed")
    item.delete()


@transaction.atomic
def nominate(
    *,
    acting_user: Any,
    kind: AwardKind,
    period: EmulationPeriod,
    proposer: Organization,
    member_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
    occasion_on: date | None = None,
) -> Nomination:
    """A draft nomination with the candidates chosen from the eligibility
    list, in one step ("nominate selected")."""
    nomination = create_nomination(
        acting_user=acting_user,
        kind=kind,
        period=period,
        proposer=proposer,
        occasion_on=occasion_on,
    )
    add_candidates(
        acting_user=acting_user,
        nomination=nomination,
        member_ids=member_ids,
        organization_ids=organization_ids,
    )
    return nomination


@transaction.atomic
def nominate_badges(
    *,
    acting_user: Any,
    proposer: Organization,
    occasion_on: date,
    member_ids: Iterable[int],
) -> list[Nomination]:
    """Nominate members from the badge list in bulk: one draft nomination per
    badge due among them."""
    member_ids = list(member_ids)
    if not member_ids:
        raise ValidationError(_("Choose at least one member."))
    due = selectors.badges_due(
        None, occasion=occasion_on, within=proposer, member_ids=member_ids
    )
    found = {row.pk for row in due}
    missing = [m for m in Member.objects.filter(pk__in=member_ids) if m.pk not in found]
    if missing:
        raise ValidationError(
            _("Not due a badge on this occasion: %(names)s.")
            % {"names": ", ".join(str(m) for m in missing)}
        )
    kinds = {k.pk: k for k in AwardKind.objects.filter(pk__in={r.kind_id for r in due})}
    period = ensure_period(period_type=PeriodType.YEAR, start_year=occasion_on.year)
    by_kind: dict[int, list[int]] = {}
    for row in due:
        by_kind.setdefault(row.kind_id, []).append(row.pk)
    nominations = []
    for kind_id, ids in sorted(
        by_kind.items(), key=lambda kv: kinds[kv[0]].badge_years
    ):
        nominations.append(
            nominate(
                acting_user=acting_user,
                kind=kinds[kind_id],
                period=period,
                proposer=proposer,
                member_ids=ids,
                occasion_on=occasion_on,
            )
        )
    return nominations


@transaction.atomic
def delete_nomination(*, acting_user: Any, nomination: Nomination) -> None:
    """Discard a draft (with its candidates) that was never submitted."""
    _require(acting_user, DELETE_NOMINATION)
    nomination = _locked(nomination)
    _require_scope(acting_user, nomination.proposer)
    if nomination.status != NominationStatus.DRAFT:
        raise ValidationError(_("Only a draft can be deleted."))
    attribute(nomination, acting_user, "deleted")
    nomination.delete()


# ---------------------------------------------------------------- the way up


@transaction.atomic
def submit_nomination(*, acting_user: Any, nomination: Nomination) -> Nomination:
    """Send a draft (or a returned nomination, after changes) up: to the
    first intermediate committee, or to the granting organization."""
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(nomination)
    _require_scope(acting_user, nomination.proposer)
    if not nomination.is_editable:
        raise _illegal(nomination, NominationAction.SUBMIT)
    if not nomination.items.exists():
        raise ValidationError(_("Add at least one candidate before submitting."))
    # Candidates may have been awarded or nominated elsewhere meanwhile.
    items = list(
        nomination.items.select_related("member__organization", "organization")
    )
    _check_not_awarded(
        nomination,
        members=[i.member for i in items if i.member_id],
        organizations=[i.organization for i in items if i.organization_id],
    )
    nomination.items.update(status=ItemStatus.PENDING, rejection_reason="")
    from_status = nomination.status
    chain = selectors.review_chain(nomination.kind, nomination.proposer)
    nomination.status = NominationStatus.SUBMITTED
    nomination.at_organization = chain[0]
    nomination.submitted_at = timezone.now()
    _save(nomination, acting_user, "submitted")
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.SUBMIT,
        from_status=from_status,
    )
    return nomination


def _at_stop(acting_user: Any, nomination: Nomination, action: str) -> None:
    """The actor works at (or above) the organization now holding it."""
    if nomination.status != NominationStatus.SUBMITTED:
        raise _illegal(nomination, action)
    holder = nomination.at_organization
    if acting_user is None:
        return
    if not is_in_scope(acting_user, holder.path) or _is_own(acting_user, nomination):
        raise NotAllowed(
            _("Only the staff of %(holder)s (or above it) can do this now.")
            % {"holder": holder}
        )


def _at_granting(acting_user: Any, nomination: Nomination, action: str) -> None:
    _at_stop(acting_user, nomination, action)
    if nomination.at_organization_id != nomination.kind.granting_organization_id:
        raise ValidationError(
            _(
                "The nomination is with %(holder)s, which forwards it to "
                "%(granting)s: only %(granting)s decides on it."
            )
            % {
                "holder": nomination.at_organization,
                "granting": nomination.kind.granting_organization,
            },
            code="illegal_transition",
        )


@transaction.atomic
def forward_nomination(
    *, acting_user: Any, nomination: Nomination, comment: str = ""
) -> Nomination:
    """An intermediate committee sends the nomination on to the next level."""
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(nomination)
    _at_stop(acting_user, nomination, NominationAction.FORWARD)
    chain = selectors.review_chain(nomination.kind, nomination.proposer)
    ids = [o.pk for o in chain]
    here = (
        ids.index(nomination.at_organization_id)
        if nomination.at_organization_id in ids
        else len(ids) - 1
    )
    if here >= len(chain) - 1:
        raise ValidationError(
            _(
                "The nomination is with the granting organization: nothing to "
                "forward to."
            ),
            code="illegal_transition",
        )
    nomination.at_organization = chain[here + 1]
    _save(nomination, acting_user, "forwarded")
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.FORWARD,
        from_status=NominationStatus.SUBMITTED,
        comment=comment.strip(),
    )
    return nomination


@transaction.atomic
def return_nomination(
    *, acting_user: Any, nomination: Nomination, comment: str
) -> Nomination:
    """Send it back to the proposer with comments, to change and resubmit."""
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(nomination)
    _at_stop(acting_user, nomination, NominationAction.RETURN)
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should be changed.")})
    nomination.status = NominationStatus.RETURNED
    nomination.at_organization = nomination.proposer
    nomination.return_comment = comment
    _save(nomination, acting_user, "returned")
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.RETURN,
        from_status=NominationStatus.SUBMITTED,
        comment=comment,
    )
    return nomination


@transaction.atomic
def reject_candidate(
    *, acting_user: Any, item: NominationItem, reason: str
) -> NominationItem:
    """The granting organization leaves one candidate out, with a reason."""
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(item.nomination)
    _at_granting(acting_user, nomination, NominationAction.REJECT_ITEM)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    item = NominationItem.objects.select_for_update().get(pk=item.pk)
    item.status = ItemStatus.REJECTED
    item.rejection_reason = reason
    attribute(item, acting_user, "rejected")
    item.save()
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.REJECT_ITEM,
        from_status=nomination.status,
        comment=f"{item}: {reason}",
    )
    return item


@transaction.atomic
def restore_candidate(*, acting_user: Any, item: NominationItem) -> NominationItem:
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(item.nomination)
    _at_granting(acting_user, nomination, NominationAction.RESTORE_ITEM)
    item = NominationItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.REJECTED:
        raise ValidationError(_("This candidate is not rejected."))
    item.status = ItemStatus.PENDING
    item.rejection_reason = ""
    attribute(item, acting_user, "restored")
    item.save()
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.RESTORE_ITEM,
        from_status=nomination.status,
        comment=str(item),
    )
    return item


@transaction.atomic
def approve_nomination(
    *, acting_user: Any, nomination: Nomination, comment: str = ""
) -> Nomination:
    """Approve every candidate not rejected, within the kind's quota."""
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(nomination)
    _at_granting(acting_user, nomination, NominationAction.APPROVE)
    kind = AwardKind.objects.select_for_update().get(pk=nomination.kind_id)
    pending = nomination.items.filter(status=ItemStatus.PENDING)
    count = pending.count()
    if count == 0:
        raise ValidationError(
            _("Every candidate is rejected: reject the nomination instead.")
        )
    if kind.quota is not None:
        used = selectors.approved_count(kind, nomination.period)
        over = used + count - kind.quota
        if over > 0:
            raise ValidationError(
                ngettext(
                    "The quota of %(kind)s for %(period)s is %(quota)s and "
                    "%(used)s are approved already: approving these %(count)s "
                    "would exceed it by %(over)s. Reject %(over)s candidate first.",
                    "The quota of %(kind)s for %(period)s is %(quota)s and "
                    "%(used)s are approved already: approving these %(count)s "
                    "would exceed it by %(over)s. Reject %(over)s candidates first.",
                    over,
                )
                % {
                    "kind": kind,
                    "period": nomination.period,
                    "quota": kind.quota,
                    "used": used,
                    "count": count,
                    "over": over,
                },
                code="quota",
            )
    pending.update(status=ItemStatus.APPROVED)
    nomination.status = NominationStatus.APPROVED
    nomination.decided_at = timezone.now()
    _save(nomination, acting_user, "approved")
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.APPROVE,
        from_status=NominationStatus.SUBMITTED,
        comment=comment.strip(),
    )
    return nomination


@transaction.atomic
def reject_nomination(
    *, acting_user: Any, nomination: Nomination, reason: str
) -> Nomination:
    """Refuse the whole nomination; the reason is required and kept."""
    _require(acting_user, CHANGE_NOMINATION)
    nomination = _locked(nomination)
    _at_granting(acting_user, nomination, NominationAction.REJECT)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"comment": _("Give the reason for the rejection.")})
    nomination.status = NominationStatus.REJECTED
    nomination.rejection_reason = reason
    nomination.decided_at = timezone.now()
    _save(nomination, acting_user, "rejected")
    _record(
        nomination,
        acting_user=acting_user,
        action=NominationAction.REJECT,
        from_status=NominationStatus.SUBMITTED,
        comment=reason,
    )
    return nomination


#: What each step of the pages calls, by the name of the button.
TRANSITIONS = {
    "submit": submit_nomination,
    "forward": forward_nomination,
    "return": return_nomination,
    "approve": approve_nomination,
    "reject": reject_nomination,
}


def available_actions(acting_user: Any, nomination: Nomination) -> list[str]:
    """The buttons a user sees on a nomination (the services decide anyway)."""
    if not acting_user.has_perm(CHANGE_NOMINATION):
        return []
    prefix = scope_path(acting_user)
    if prefix is None:
        return []
    actions = []
    if nomination.is_editable and nomination.proposer.path.startswith(prefix):
        actions.append("submit")
        if nomination.status == NominationStatus.DRAFT and acting_user.has_perm(
            DELETE_NOMINATION
        ):
            actions.append("delete")
    if nomination.status == NominationStatus.SUBMITTED:
        holder = nomination.at_organization
        if holder.path.startswith(prefix) and not _is_own(acting_user, nomination):
            if holder.pk == nomination.kind.granting_organization_id:
                actions += ["approve", "reject", "return", "reject_item"]
            else:
                actions += ["forward", "return"]
    return actions


# ---------------------------------------------------------------- decisions


@transaction.atomic
def issue_decision(
    *,
    acting_user: Any,
    issuer: Organization,
    nominations: Iterable[Nomination],
    signer: Member,
    signed_on: date,
    number: int | str | None = None,
    title: str = "",
) -> Decision:
    """The granting organization's numbered decision conferring approved
    nominations: takes the next ``QĐ`` number of the issuer in the term (or
    the typed one, validated), makes an award for every approved candidate
    and marks the nominations conferred. All or nothing."""
    _require(acting_user, ADD_DECISION)
    _require_scope(acting_user, issuer)
    ids = [n.pk for n in nominations]
    if not ids:
        raise ValidationError({"nominations": _("Choose the nominations it confers.")})
    locked = list(
        Nomination.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("kind", "period", "proposer")
        .order_by("pk")
    )
    errors = []
    for nomination in locked:
        if nomination.status != NominationStatus.APPROVED or nomination.decision_id:
            errors.append(
                _("Nomination no. %(id)s is not approved and waiting for a decision.")
                % {"id": nomination.pk}
            )
        elif nomination.kind.granting_organization_id != issuer.pk:
            errors.append(
                _("%(kind)s is granted by another organization than %(issuer)s.")
                % {"kind": nomination.kind, "issuer": issuer}
            )
    if errors:
        raise ValidationError({"nominations": errors})
    bodies = {n.kind.granting_body for n in locked}
    if len(bodies) > 1:
        raise ValidationError(
            {
                "nominations": _(
                    "A decision is issued on behalf of one body: do not mix the "
                    "Executive Committee's awards with the Standing Committee's."
                )
            }
        )
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("A decision cannot be dated ahead.")})
    holds_position = (
        Position.objects.current(signed_on)
        .filter(organization=issuer, member=signer)
        .exists()
    )
    if not holds_position:
        raise ValidationError(
            {
                "signer": _("%(member)s holds no position in %(issuer)s on %(date)s.")
                % {
                    "member": signer,
                    "issuer": issuer,
                    "date": signed_on.strftime("%d/%m/%Y"),
                }
            }
        )
    term = term_on(signed_on)
    if term is None:
        raise ValidationError({"signed_on": _("No term covers this date.")})
    kind = DocumentKind.DECISION
    if number in (None, ""):
        taken = issue_number(issuer=issuer, kind=kind, term=term)
    else:
        try:
            taken = reserve_number(issuer=issuer, kind=kind, term=term, number=number)
        except ValidationError as error:
            raise ValidationError({"number": error.messages}) from error
    decision = Decision(
        issuer=issuer,
        body=bodies.pop(),
        term=term,
        number=taken,
        signed_on=signed_on,
        signer=signer,
        title=title.strip(),
        issued_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    decision.full_clean()
    attribute(decision, acting_user, "issued")
    decision.save()
    items = list(
        NominationItem.objects.filter(
            nomination__in=locked, status=ItemStatus.APPROVED
        ).select_related("member", "organization", "nomination")
    )
    awards = [
        Award(
            kind_id=item.nomination.kind_id,
            period_id=item.nomination.period_id,
            decision=decision,
            item=item,
            member=item.member,
            organization=item.organization,
            recipient_name=str(item.subject),
            occasion_on=item.nomination.occasion_on,
        )
        for item in items
    ]
    for award in awards:
        award.full_clean(exclude=["decision", "item", "verification_code"])
    bulk_create_with_history(
        awards,
        Award,
        default_user=acting_user if getattr(acting_user, "pk", None) else None,
        default_change_reason=f"conferred by {decision.document_number}",
    )
    badge_clock.refresh(award.member_id for award in awards if award.member_id)
    for nomination in locked:
        nomination.status = NominationStatus.CONFERRED
        nomination.decision = decision
        _save(nomination, acting_user, "conferred")
        _record(
            nomination,
            acting_user=acting_user,
            action=NominationAction.CONFER,
            from_status=NominationStatus.APPROVED,
            comment=decision.document_number,
        )
    return decision


@transaction.atomic
def revoke_award(
    *, acting_user: Any, award: Award, reason: str, revoked_at: date
) -> Award:
    """Revoke a conferred award: the granting organization, with a reason and
    a date; the register keeps it, marked revoked."""
    _require(acting_user, CHANGE_AWARD)
    award = (
        Award.objects.select_for_update()
        .select_related("decision__issuer")
        .get(pk=award.pk)
    )
    _require_scope(acting_user, award.decision.issuer)
    if award.is_revoked:
        raise ValidationError(_("This award is already revoked."))
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for the revocation.")
    if revoked_at > timezone.localdate():
        errors["revoked_at"] = _("The date cannot be in the future.")
    elif revoked_at < award.decision.signed_on:
        errors["revoked_at"] = _(
            "The date cannot come before the decision (%(date)s)."
        ) % {"date": award.decision.signed_on.strftime("%d/%m/%Y")}
    if errors:
        raise ValidationError(errors)
    award.revoked_at = revoked_at
    award.revocation_reason = reason
    award.revoked_by = acting_user if getattr(acting_user, "pk", None) else None
    attribute(award, acting_user, f"revoked: {reason}")
    award.save()
    if award.member_id:
        badge_clock.refresh([award.member_id])
    return award
