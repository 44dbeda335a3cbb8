"""Services: member transfers (chuyển sinh hoạt đảng) and moves within a scope.

Three kinds, one ``Transfer`` row each (with its history):

- **Internal move** (``move_member``): staff move a member to another cell of
  their scope on an effective date; recorded at once as accepted.
- **Official transfer** (``issue_transfer`` → ``accept_transfer`` or
  ``return_transfer``; the sender may ``cancel_transfer`` while it waits):
  the sending side issues a letter; the member stays on the sender's roll,
  "in transfer", until the receiving side accepts, and then moves. The
  destination may lie outside the sender's scope (any active cell or
  grassroots cell); the receiving side is whoever sees the destination.
- **Temporary transfer** (``issue_transfer(kind="temporary")``): the member
  attends another cell for a period and stays on the sending roll;
  accepting it moves nothing.

What moving a member does (``_move_roll``, shared by moves and accepted
official transfers), in one transaction:

1. the member's open positions in organizations that do not contain the
   destination end on the effective date (the member leaves their subtree);
   positions in an organization above both cells stay;
2. the member's organization changes, with a history row naming the
   transfer; the member's placement (``committees.timeline``) closes on the
   effective date and a new one opens; the member tallies follow by their
   database triggers. Ratings, awards, interruptions and past positions
   stay the member's.

Rules on dates: the effective date is not in the future (the roll is
today's), not before admission, not before the member's current placement
began (the history is written in order), and for an accepted letter not
before the letter's date. A letter is due ``TRANSFER_DUE_DAYS`` (30) days
after its date.

Letter numbers (giấy giới thiệu): typed as on the paper register, ``25``,
``25/GGT`` or ``25-GGT/ĐU`` (a number, then optionally a dash or slash and
capital letters); unique by their number per issuing grassroots organization
and calendar year (registers restart each year). The numbering of
``committees.documents`` (per term, per kind of resolution or decision) does
not fit letters of introduction, which are numbered per year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.access import ensure_in_scope
from portal.history import attribute

from . import services, timeline, transfer_selectors
from .models import (
    MEMBER_HOLDING_KINDS,
    TRANSFER_DUE_DAYS,
    Member,
    MemberPlacement,
    Organization,
    Position,
    Transfer,
    TransferKind,
    TransferStatus,
)

#: ``25``, ``25/GGT``, ``25-GGT/ĐU``: a number, then capital letters.
_LETTER_RE = re.compile(
    r"^(?P<serial>\d{1,6})(?:\s*[-/]\s*(?P<rest>[A-ZĐ][A-ZĐ0-9]*(?:\s*[-/.]\s*[A-ZĐ0-9]+)*))?$"
)


@dataclass(frozen=True)
class LetterNumber:
    text: str
    serial: int


def parse_letter_number(text: str) -> LetterNumber:
    """The letter number in its standard form (capitals, no spaces), and its
    serial number; ValidationError when it is not one."""
    raw = " ".join((text or "").split()).upper()
    match = _LETTER_RE.match(raw)
    if match is None or int(match["serial"]) == 0:
        raise ValidationError(
            {
                "letter_number": _(
                    "Write the letter number as on the register: a number, "
                    "optionally followed by its sign, e.g. 25 or 25-GGT/ĐU."
                )
            }
        )
    normalized = re.sub(r"\s+", "", raw)
    return LetterNumber(normalized, int(match["serial"]))


@dataclass
class MovePlan:
    """What moving a member (a move, or an accepted transfer) would do."""

    member: Member
    to: Organization
    effective_on: date
    positions: list[Position] = field(default_factory=list)

    def digest(self) -> str:
        """The confirmation checks that the positions listed are still those."""
        parts = [str(self.to.pk), self.effective_on.isoformat()]
        parts += [str(p.pk) for p in self.positions]
        return "-".join(parts)


# ---------------------------------------------------------------- checks


def _actor(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "pk", None) else None


def _lock_member(member: Member) -> Member:
    return (
        Member.objects.select_for_update()
        .select_related("organization")
        .get(pk=member.pk)
    )


def _check_member_active(member: Member) -> None:
    if not member.is_active:
        raise ValidationError(
            _("%(member)s is not an active party member (%(status)s).")
            % {"member": member, "status": member.get_status_display()}
        )


def _check_destination(member: Member, to: Organization | None) -> Organization:
    if to is None:
        raise ValidationError({"to": _("Choose the receiving organization.")})
    to = Organization.objects.get(pk=to.pk)
    if to.kind not in MEMBER_HOLDING_KINDS:
        raise ValidationError(
            {"to": _("Members belong to a party cell or a grassroots party cell.")}
        )
    if not to.is_active:
        raise ValidationError({"to": _("%(name)s is no longer active.") % {"name": to}})
    if to.pk == member.organization_id:
        raise ValidationError(
            {
                "to": _("%(member)s already belongs to %(name)s.")
                % {"member": member, "name": to}
            }
        )
    return to


def _check_no_pending(member: Member) -> None:
    pending = member.transfers.filter(status=TransferStatus.ISSUED).first()
    if pending is not None:
        raise ValidationError(
            _(
                "%(member)s is in transfer to %(organization)s (letter "
                "%(number)s): accept, return or cancel it first."
            )
            % {
                "member": member,
                "organization": pending.to_organization,
                "number": pending.letter_number,
            }
        )


def _check_effective_date(member: Member, on: date | None) -> date:
    if on is None:
        raise ValidationError({"effective_on": _("Give the effective date.")})
    if on > timezone.localdate():
        raise ValidationError(
            {
                "effective_on": _(
                    "The effective date cannot be in the future: record it on the day."
                )
            }
        )
    if on < member.admitted_on:
        raise ValidationError(
            {"effective_on": _("The effective date comes before the admission.")}
        )
    placed_since = (
        MemberPlacement.objects.filter(member=member, valid_to__isnull=True)
        .values_list("valid_from", flat=True)
        .first()
    )
    if placed_since is not None and on < placed_since:
        raise ValidationError(
            {
                "effective_on": _(
                    "%(member)s belongs to %(organization)s since %(date)s: a "
                    "move cannot take effect before that."
                )
                % {
                    "member": member,
                    "organization": member.organization,
                    "date": placed_since.strftime("%d/%m/%Y"),
                }
            }
        )
    return on


def positions_left_behind(member: Member, to: Organization) -> list[Position]:
    """Open positions of the member in organizations that do not contain
    ``to``: the member leaves their subtree, so they end."""
    return [
        position
        for position in Position.objects.current()
        .filter(member=member)
        .select_related("organization", "term")
        .order_by("organization__path", "rank", "pk")
        if not to.path.startswith(position.organization.path)
    ]


def _plan_move(member: Member, to: Organization, effective_on: date) -> MovePlan:
    positions = positions_left_behind(member, to)
    late = [p for p in positions if p.started_on > effective_on]
    if late:
        raise ValidationError(
            {
                "effective_on": [
                    _(
                        "%(position)s starts on %(date)s, after the effective "
                        "date: correct it first."
                    )
                    % {"position": p, "date": p.started_on.strftime("%d/%m/%Y")}
                    for p in late
                ]
            }
        )
    return MovePlan(
        member=member, to=to, effective_on=effective_on, positions=positions
    )


def _move_roll(plan: MovePlan, acting_user: Any, why: str) -> None:
    """Carry out a move (see the module docstring). The acting user may not
    see the organizations whose positions end (a receiver accepting a
    transfer): the transfer authorizes it, so no scope is checked here."""
    on = plan.effective_on
    for position in plan.positions:
        position.ended_on = on
        position.full_clean()
        attribute(position, acting_user, why)
        position.save()
    member = plan.member
    old_organization_id = member.organization_id
    member.organization = plan.to
    services.clean_member(member)
    member.validate_constraints()
    attribute(member, acting_user, why)
    member.save()
    timeline.move_members(
        [(member.pk, old_organization_id, member.admitted_on)], to=plan.to.pk, on=on
    )


def _save_transfer(transfer: Transfer, acting_user: Any, why: str) -> Transfer:
    transfer.full_clean()
    attribute(transfer, acting_user, why)
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:  # a concurrent issue won the race
        raise ValidationError(
            _(
                "Someone else has just recorded a transfer of this member; "
                "reload the page."
            )
        ) from exc
    transaction.on_commit(transfer_selectors.forget_overdue_panels)
    return transfer


def _history_reason(transfer: Transfer, event: str, reason: str = "") -> str:
    """``Official transfer 25-GGT/ĐU: returned: …``, the history's reason."""
    events = {
        "issued": pgettext("transfer event", "issued"),
        "accepted": pgettext("transfer event", "accepted"),
        "returned": pgettext("transfer event", "returned"),
        "cancelled": pgettext("transfer event", "cancelled"),
    }
    number = f" {transfer.letter_number}" if transfer.letter_number else ""
    text = f"{transfer.get_kind_display()}{number}: {events[event]}"
    return f"{text}: {reason}" if reason else text


# ---------------------------------------------------------------- moves


def _plan_internal(
    *,
    acting_user: Any,
    member: Member,
    to: Organization,
    effective_on: date,
    reason: str,
) -> tuple[MovePlan, str]:
    member = _lock_member(member)
    ensure_in_scope(acting_user, member.organization)
    _check_member_active(member)
    to = _check_destination(member, to)
    ensure_in_scope(acting_user, to)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the member moves.")})
    _check_no_pending(member)
    effective_on = _check_effective_date(member, effective_on)
    return _plan_move(member, to, effective_on), reason


@transaction.atomic
def preview_move_member(
    *,
    acting_user: Any,
    member: Member,
    to: Organization,
    effective_on: date,
    reason: str,
) -> MovePlan:
    """What ``move_member`` would do (the positions that end); writes nothing."""
    plan, _reason = _plan_internal(**locals())
    return plan


@transaction.atomic
def move_member(
    *,
    acting_user: Any,
    member: Member,
    to: Organization,
    effective_on: date,
    reason: str,
) -> Transfer:
    """Move a member to another cell of the actor's scope from
    ``effective_on``; recorded as an accepted internal transfer."""
    plan, reason = _plan_internal(**locals())
    transfer = Transfer(
        member=plan.member,
        kind=TransferKind.INTERNAL,
        from_organization=plan.member.organization,
        to_organization=plan.to,
        effective_on=plan.effective_on,
        status=TransferStatus.ACCEPTED,
        reason=reason,
        issued_by=_actor(acting_user),
        decided_by=_actor(acting_user),
        decided_at=timezone.now(),
    )
    why = _("Move within the scope: %(reason)s") % {"reason": reason}
    _save_transfer(transfer, acting_user, why)
    _move_roll(plan, acting_user, why)
    return transfer


# ---------------------------------------------------------------- transfers


def next_letter_serial(issuer: Organization, year: int) -> int:
    """The number after the highest one the issuer used in the year."""
    last = (
        Transfer.objects.filter(issuer=issuer, letter_year=year)
        .order_by("-letter_serial")
        .values_list("letter_serial", flat=True)
        .first()
    )
    return (last or 0) + 1


def letter_issuer(member: Member) -> Organization:
    """The grassroots organization above (or at) the member's cell: it
    issues the member's letters of introduction."""
    return services.rating_unit(member=member)


@transaction.atomic
def issue_transfer(
    *,
    acting_user: Any,
    member: Member,
    kind: str,
    to: Organization,
    letter_number: str,
    letter_date: date,
    effective_on: date | None = None,
    ends_on: date | None = None,
    reason: str = "",
) -> Transfer:
    """Issue an official or temporary transfer letter for a member.

    ``to`` is any active cell or grassroots cell, inside the actor's scope
    or not. A temporary transfer names its period (``effective_on`` to
    ``ends_on``); an official one gets its effective date on acceptance.
    """
    if kind not in (TransferKind.OFFICIAL, TransferKind.TEMPORARY):
        raise ValidationError(
            {"kind": _("Choose an official or a temporary transfer.")}
        )
    member = _lock_member(member)
    ensure_in_scope(acting_user, member.organization)
    _check_member_active(member)
    errors: dict[str, list[str]] = {}
    try:
        to = _check_destination(member, to)
    except ValidationError as error:
        errors.update(error.message_dict)
    letter = None
    try:
        letter = parse_letter_number(letter_number)
    except ValidationError as error:
        errors.update(error.message_dict)
    today = timezone.localdate()
    if letter_date is None:
        errors["letter_date"] = [_("Give the date of the letter.")]
    elif letter_date > today:
        errors["letter_date"] = [_("The letter date cannot be in the future.")]
    if kind == TransferKind.TEMPORARY:
        if effective_on is None:
            errors["effective_on"] = [
                _("Give the first day of the temporary transfer.")
            ]
        elif letter_date is not None and effective_on < letter_date:
            errors["effective_on"] = [_("The transfer cannot start before its letter.")]
        if ends_on is None:
            errors["ends_on"] = [_("Give the last day of the temporary transfer.")]
        elif effective_on is not None and ends_on < effective_on:
            errors["ends_on"] = [_("The transfer must end after it starts.")]
    else:
        effective_on = ends_on = None
    if errors:
        raise ValidationError(errors)
    _check_no_pending(member)
    issuer = letter_issuer(member)
    if Transfer.objects.filter(
        issuer=issuer, letter_year=letter_date.year, letter_serial=letter.serial
    ).exists():
        raise ValidationError(
            {
                "letter_number": _(
                    "%(issuer)s already issued letter number %(serial)s in "
                    "%(year)s (the next free one is %(next)s)."
                )
                % {
                    "issuer": issuer,
                    "serial": letter.serial,
                    "year": letter_date.year,
                    "next": next_letter_serial(issuer, letter_date.year),
                }
            }
        )
    transfer = Transfer(
        member=member,
        kind=kind,
        from_organization=member.organization,
        to_organization=to,
        issuer=issuer,
        letter_number=letter.text,
        letter_serial=letter.serial,
        letter_year=letter_date.year,
        letter_date=letter_date,
        due_on=letter_date + timedelta(days=TRANSFER_DUE_DAYS),
        effective_on=effective_on,
        ends_on=ends_on,
        reason=(reason or "").strip(),
        issued_by=_actor(acting_user),
    )
    return _save_transfer(transfer, acting_user, _history_reason(transfer, "issued"))


def _lock_transfer(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update()
        .select_related("member", "from_organization", "to_organization")
        .get(pk=transfer.pk)
    )


def _check_pending(transfer: Transfer) -> None:
    if transfer.status != TransferStatus.ISSUED:
        raise ValidationError(
            _("This transfer is no longer awaiting acceptance (%(status)s).")
            % {"status": transfer.get_status_display()}
        )


def _plan_accept(
    *, acting_user: Any, transfer: Transfer, effective_on: date | None
) -> tuple[Transfer, MovePlan | None]:
    transfer = _lock_transfer(transfer)
    ensure_in_scope(acting_user, transfer.to_organization)
    _check_pending(transfer)
    member = _lock_member(transfer.member)
    _check_member_active(member)
    if transfer.kind == TransferKind.TEMPORARY:
        return transfer, None
    to = transfer.to_organization
    if not to.is_active:
        raise ValidationError(
            _("%(name)s is no longer active: return the transfer.") % {"name": to}
        )
    if to.pk == member.organization_id:
        raise ValidationError(
            _("%(member)s already belongs to %(name)s.")
            % {"member": member, "name": to}
        )
    effective_on = effective_on or timezone.localdate()
    if transfer.letter_date and effective_on < transfer.letter_date:
        raise ValidationError(
            {"effective_on": _("The member cannot join before the letter's date.")}
        )
    effective_on = _check_effective_date(member, effective_on)
    return transfer, _plan_move(member, to, effective_on)


@transaction.atomic
def preview_accept_transfer(
    *, acting_user: Any, transfer: Transfer, effective_on: date | None = None
) -> MovePlan | None:
    """What accepting would do (None for a temporary transfer: nothing
    moves); writes nothing."""
    _transfer, plan = _plan_accept(**locals())
    return plan


@transaction.atomic
def accept_transfer(
    *, acting_user: Any, transfer: Transfer, effective_on: date | None = None
) -> Transfer:
    """The receiving side accepts: an official transfer moves the member
    (from ``effective_on``, today by default); a temporary one is noted."""
    transfer, plan = _plan_accept(**locals())
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by = _actor(acting_user)
    transfer.decided_at = timezone.now()
    if plan is not None:
        transfer.effective_on = plan.effective_on
    why = _history_reason(transfer, "accepted")
    _save_transfer(transfer, acting_user, why)
    if plan is not None:
        _move_roll(plan, acting_user, why)
    return transfer


@transaction.atomic
def return_transfer(*, acting_user: Any, transfer: Transfer, reason: str) -> Transfer:
    """The receiving side refuses the letter, saying why; nothing moves."""
    transfer = _lock_transfer(transfer)
    ensure_in_scope(acting_user, transfer.to_organization)
    _check_pending(transfer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the transfer is returned.")})
    transfer.status = TransferStatus.RETURNED
    transfer.decided_by = _actor(acting_user)
    transfer.decided_at = timezone.now()
    transfer.decision_reason = reason
    return _save_transfer(
        transfer, acting_user, _history_reason(transfer, "returned", reason)
    )


@transaction.atomic
def cancel_transfer(*, acting_user: Any, transfer: Transfer, reason: str) -> Transfer:
    """The sending side withdraws a letter not yet accepted; nothing moves.
    Its number stays taken (the paper exists)."""
    transfer = _lock_transfer(transfer)
    ensure_in_scope(acting_user, transfer.from_organization)
    _check_pending(transfer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the transfer is cancelled.")})
    transfer.status = TransferStatus.CANCELLED
    transfer.decided_by = _actor(acting_user)
    transfer.decided_at = timezone.now()
    transfer.decision_reason = reason
    return _save_transfer(
        transfer, acting_user, _history_reason(transfer, "cancelled", reason)
    )
