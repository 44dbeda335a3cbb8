"""Services: every change to organizations, members, positions and ratings.

Each function takes keyword-only arguments and an ``acting_user`` (None for
system actors such as management commands), checks the actor's scope, runs
in one transaction, validates with ``full_clean`` and records the change in
the history. Bad input raises ``ValidationError`` and changes nothing.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.access import ensure_in_scope
from portal.history import attribute

from . import badge_clock, timeline
from .dates import add_months
from .models import (
    ACTIVE_MEMBER_STATUSES,
    ALLOWED_PARENT_KINDS,
    MEMBER_HOLDING_KINDS,
    RATING_UNIT_KINDS,
    ROLE_BODIES,
    FinalizationStatus,
    Grade,
    Interruption,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Position,
    Rating,
    RatingFinalization,
    Regulation,
    Term,
)

PROBATION_MONTHS = 12

# ---------------------------------------------------------------- organizations


def check_parent_kind(kind: str, parent: Organization | None) -> None:
    """Refuse a kind under a parent that may not hold it."""
    allowed = ALLOWED_PARENT_KINDS[kind]
    parent_kind = parent.kind if parent is not None else None
    if parent_kind in allowed:
        return
    kind_label = OrganizationKind(kind).label
    if parent is None:
        raise ValidationError(
            {
                "parent": _("A %(kind)s needs a parent organization.")
                % {"kind": kind_label}
            }
        )
    raise ValidationError(
        {
            "kind": _("A %(parent_kind)s cannot hold a %(kind)s.")
            % {"parent_kind": OrganizationKind(parent_kind).label, "kind": kind_label}
        }
    )


@transaction.atomic
def create_organization(
    *,
    acting_user: Any,
    parent: Organization | None,
    name: str,
    code: str,
    kind: str,
    established_on: date | None = None,
    note: str = "",
) -> Organization:
    if parent is None:
        if acting_user is not None and not acting_user.is_superuser:
            raise PermissionDenied
    else:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        ensure_in_scope(acting_user, parent)
        if not parent.is_active:
            raise ValidationError(
                {"parent": _("%(name)s is no longer active.") % {"name": parent}}
            )
    check_parent_kind(kind, parent)
    organization = Organization(
        name=name.strip(),
        code=code.strip().upper(),
        kind=kind,
        established_on=established_on,
        note=note,
    )
    organization.full_clean(exclude=["path", "depth", "numchild"])
    attribute(organization, acting_user)
    if parent is None:
        organization = Organization.objects.add_root(instance=organization)
    else:
        organization = Organization.objects.add_child(parent, instance=organization)
    # The dated history (committees.timeline) starts with its first version.
    timeline.open_first_version(organization, parent=parent)
    return organization


@transaction.atomic
def update_organization(
    *, acting_user: Any, organization: Organization, **changes: Any
) -> Organization:
    """Change name, code, dates or note. Kind and parent change only through
    restructuring, which keeps the history of both."""
    allowed = {"name", "code", "established_on", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    ensure_in_scope(acting_user, organization)
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.code = organization.code.strip().upper()
    organization.full_clean()
    attribute(organization, acting_user)
    organization.save()
    # A correction: the dated history takes it as it is (a renaming with an
    # effective date is committees.restructuring.rename_organization).
    timeline.correct_current_version(organization)
    return organization


# ---------------------------------------------------------------- members

MEMBER_FIELDS = {
    "full_name",
    "birth_date",
    "gender",
    "card_number",
    "citizen_id",
    "admitted_on",
    "official_on",
    "status",
    "status_changed_on",
    "organization",
    "seriously_ill",
    "note",
}


def check_member_rules(member: Member) -> None:
    """The membership rules a form or an import must respect."""
    errors: dict[str, list[str]] = {}
    if member.organization_id and member.organization.kind not in MEMBER_HOLDING_KINDS:
        errors.setdefault("organization", []).append(
            _("Members belong to a party cell or a grassroots party cell.")
        )
    if member.organization_id and not member.organization.is_active:
        errors.setdefault("organization", []).append(
            _("%(name)s is no longer active.") % {"name": member.organization}
        )
    if member.admitted_on and member.birth_date:
        if add_months(member.birth_date, 18 * 12) > member.admitted_on:
            errors.setdefault("admitted_on", []).append(
                _("A member is admitted at 18 or older.")
            )
    if member.admitted_on and member.admitted_on > timezone.localdate():
        errors.setdefault("admitted_on", []).append(
            _("The admission date cannot be in the future.")
        )
    if member.official_on and member.admitted_on:
        earliest = add_months(member.admitted_on, PROBATION_MONTHS)
        if member.official_on < earliest:
            errors.setdefault("official_on", []).append(
                _(
                    "The official date must be at least 12 months after "
                    "admission (%(date)s or later)."
                )
                % {"date": earliest.strftime("%d/%m/%Y")}
            )
    if member.status == MemberStatus.PROBATIONARY and member.official_on:
        errors.setdefault("status", []).append(
            _("A member with an official date is no longer probationary.")
        )
    if member.status == MemberStatus.OFFICIAL and not member.official_on:
        errors.setdefault("official_on", []).append(
            _("An official member needs an official date.")
        )
    if member.status not in ACTIVE_MEMBER_STATUSES and not member.status_changed_on:
        errors.setdefault("status_changed_on", []).append(
            _("Give the date of this status.")
        )
    if errors:
        raise ValidationError(errors)


def clean_member(member: Member, *, bulk: bool = False) -> None:
    """Tidy a member's fields, then check the field validators and the
    membership rules together, each error next to its field.

    ``bulk`` (imports of many rows) leaves out the checks that cost one
    query per member: uniqueness and the organization's existence. The
    caller checks those for all its rows at once.
    """
    member.full_name = " ".join(member.full_name.split())
    member.card_number = member.card_number.strip()
    member.citizen_id = (member.citizen_id or "").strip() or None
    if member.status in ACTIVE_MEMBER_STATUSES:
        member.status_changed_on = None
    options: dict[str, Any] = {"validate_constraints": False}
    if bulk:
        options.update(exclude=["organization"], validate_unique=False)
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: member.full_clean(**options),
        lambda: check_member_rules(member),
    ):
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(
                    m for m in messages if m not in errors.get(field, [])
                )
    if errors:
        raise ValidationError(errors)


def _save_member(member: Member, acting_user: Any, reason: str = "") -> Member:
    # The table constraints (which say what the rules say, more bluntly) last.
    clean_member(member)
    member.validate_constraints()
    attribute(member, acting_user, reason)
    member.save()
    return member


@transaction.atomic
def create_member(*, acting_user: Any, **data: Any) -> Member:
    unknown = set(data) - MEMBER_FIELDS
    if unknown:
        raise ValueError(f"Unknown member fields {sorted(unknown)}")
    member = Member(**data)
    ensure_in_scope(acting_user, member.organization)
    member = _save_member(member, acting_user)
    timeline.place_new_member(member)
    return member


@transaction.atomic
def update_member(
    *, acting_user: Any, member: Member, reason: str = "", **changes: Any
) -> Member:
    unknown = set(changes) - MEMBER_FIELDS
    if unknown:
        raise ValueError(f"Unknown member fields {sorted(unknown)}")
    member = (
        Member.objects.select_for_update()
        .select_related("organization")
        .get(pk=member.pk)
    )
    ensure_in_scope(acting_user, member.organization)
    old_organization_id = member.organization_id
    for field, value in changes.items():
        setattr(member, field, value)
    ensure_in_scope(acting_user, member.organization)
    member = _save_member(member, acting_user, reason)
    if "admitted_on" in changes:  # interrupted days count from admission
        badge_clock.refresh([member.pk])
    if member.organization_id != old_organization_id:
        # Moved today (a restructuring moves members on its effective date).
        timeline.move_members(
            [(member.pk, old_organization_id, member.admitted_on)],
            to=member.organization_id,
            on=timezone.localdate(),
        )
    return member


@transaction.atomic
def recognize_official(
    *, acting_user: Any, member: Member, official_on: date
) -> Member:
    """End the probation: the member becomes official on ``official_on``."""
    if member.status != MemberStatus.PROBATIONARY:
        raise ValidationError(_("Only a probationary member can become official."))
    return update_member(
        acting_user=acting_user,
        member=member,
        status=MemberStatus.OFFICIAL,
        official_on=official_on,
        reason="official recognition",
    )


@transaction.atomic
def add_interruption(
    *,
    acting_user: Any,
    member: Member,
    started_on: date,
    ended_on: date | None,
    reason: str,
    note: str = "",
) -> Interruption:
    member = (
        Member.objects.select_for_update()
        .select_related("organization")
        .get(pk=member.pk)
    )
    ensure_in_scope(acting_user, member.organization)
    interruption = Interruption(
        member=member,
        started_on=started_on,
        ended_on=ended_on,
        reason=reason,
        note=note,
    )
    interruption.full_clean()
    if started_on < member.admitted_on:
        raise ValidationError(
            {"started_on": _("An interruption cannot start before admission.")}
        )
    overlapping = member.interruptions.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=started_on)
    )
    if ended_on is not None:
        overlapping = overlapping.filter(started_on__lte=ended_on)
    if overlapping.exists():
        raise ValidationError(
            {"started_on": _("This period overlaps another interruption.")}
        )
    attribute(interruption, acting_user)
    interruption.save()
    badge_clock.refresh([member.pk])
    return interruption


@transaction.atomic
def delete_interruption(*, acting_user: Any, interruption: Interruption) -> None:
    ensure_in_scope(acting_user, interruption.member.organization)
    attribute(interruption, acting_user)
    interruption.delete()
    badge_clock.refresh([interruption.member_id])


# ---------------------------------------------------------------- positions


def _check_position(position: Position) -> None:
    errors: dict[str, list[str]] = {}
    if position.body not in ROLE_BODIES[position.role]:
        errors.setdefault("role", []).append(
            _("A %(role)s does not sit in the %(body)s.")
            % {
                "role": position.get_role_display(),
                "body": position.get_body_display(),
            }
        )
    member_org = position.member.organization
    if not member_org.path.startswith(position.organization.path):
        errors.setdefault("member", []).append(
            _(
                "%(member)s is not a member of %(organization)s or of an "
                "organization below it."
            )
            % {"member": position.member, "organization": position.organization}
        )
    if not position.member.is_active and position.ended_on is None:
        errors.setdefault("member", []).append(
            _("%(member)s is not an active party member.") % {"member": position.member}
        )
    term = position.term
    if not term.starts_on <= position.started_on <= term.ends_on:
        errors.setdefault("started_on", []).append(
            _("The start date lies outside the term %(term)s.") % {"term": term}
        )
    if errors:
        raise ValidationError(errors)


def _save_position(position: Position, acting_user: Any) -> Position:
    position.full_clean()
    _check_position(position)
    attribute(position, acting_user)
    try:
        with transaction.atomic():
            position.save()
    except IntegrityError as exc:  # a concurrent appointment won the race
        raise ValidationError(
            _("This seat was just filled by someone else; reload the page.")
        ) from exc
    return position


@transaction.atomic
def appoint_position(
    *,
    acting_user: Any,
    member: Member,
    organization: Organization,
    body: str,
    role: str,
    term: Term,
    started_on: date,
    state_title: str = "",
) -> Position:
    ensure_in_scope(acting_user, organization)
    position = Position(
        member=member,
        organization=organization,
        body=body,
        role=role,
        term=term,
        started_on=started_on,
        state_title=state_title,
    )
    return _save_position(position, acting_user)


@transaction.atomic
def update_position(
    *, acting_user: Any, position: Position, **changes: Any
) -> Position:
    allowed = {"body", "role", "term", "started_on", "ended_on", "state_title"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here")
    position = Position.objects.select_for_update().get(pk=position.pk)
    ensure_in_scope(acting_user, position.organization)
    for field, value in changes.items():
        setattr(position, field, value)
    return _save_position(position, acting_user)


@transaction.atomic
def end_position(*, acting_user: Any, position: Position, ended_on: date) -> Position:
    if position.ended_on is not None:
        raise ValidationError(_("This position has already ended."))
    return update_position(
        acting_user=acting_user, position=position, ended_on=ended_on
    )


@transaction.atomic
def delete_position(*, acting_user: Any, position: Position) -> None:
    """Remove a position entered by mistake (ending it keeps it in history)."""
    ensure_in_scope(acting_user, position.organization)
    attribute(position, acting_user)
    position.delete()


# ---------------------------------------------------------------- ratings


def rating_unit(
    *, member: Member | None = None, organization: Organization | None = None
) -> Organization:
    """The organization that finalizes a rating of this subject.

    A member's rating is finalized by the grassroots organization that holds
    the member's cell; an organization's rating by the grassroots organization
    above it, or, for a grassroots organization and anything higher, by its
    superior.
    """
    if member is not None:
        start = member.organization
        include_self = True
    else:
        start = organization
        include_self = False
    paths = start.ancestor_paths(include_self=include_self)
    if not paths:  # the root is finalized by itself
        return start
    chain = {o.path: o for o in Organization.objects.filter(path__in=paths)}
    for path in reversed(paths):
        node = chain[path]
        if node.kind in RATING_UNIT_KINDS:
            return node
    return chain[paths[-1]]


def regulation_for(year: int) -> Regulation | None:
    return (
        Regulation.objects.filter(effective_from_year__lte=year)
        .order_by("-effective_from_year")
        .first()
    )


def quota_percent(year: int) -> Decimal:
    """The regulation's share of "good" that may be rated excellent (20%
    when no regulation applies)."""
    regulation = regulation_for(year)
    return regulation.excellent_quota_percent if regulation else Decimal(20)


def _locked(unit: Organization, year: int) -> bool:
    return RatingFinalization.objects.filter(
        unit=unit, year=year, status=FinalizationStatus.FINALIZED
    ).exists()


def _check_not_locked(unit: Organization, year: int) -> None:
    if _locked(unit, year):
        raise ValidationError(
            _(
                "The ratings of %(unit)s for %(year)s are finalized; an "
                "administrator must reopen them first."
            )
            % {"unit": unit, "year": year}
        )


def _check_year(year: int) -> None:
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("A year cannot be rated in advance.")})


def _check_member_in_year(member: Member, year: int) -> None:
    if member.admitted_on.year > year:
        raise ValidationError(
            {
                "year": _("%(member)s was not yet a member in %(year)s.")
                % {"member": member, "year": year}
            }
        )


def _check_score(regulation: Regulation | None, grade: str, score: int | None) -> None:
    if score is None or regulation is None or not regulation.uses_score:
        return
    expected = regulation.grade_for_score(score)
    if expected != grade:
        raise ValidationError(
            {
                "grade": _(
                    "Under %(regulation)s a score of %(score)s means “%(grade)s”."
                )
                % {
                    "regulation": regulation,
                    "score": score,
                    "grade": Grade(expected).label,
                }
            }
        )


@transaction.atomic
def rate(
    *,
    acting_user: Any,
    year: int,
    grade: str,
    member: Member | None = None,
    organization: Organization | None = None,
    score: int | None = None,
    note: str = "",
) -> Rating:
    """Record (or change) the draft rating of a member or an organization."""
    if (member is None) == (organization is None):
        raise ValueError("Rate a member or an organization")
    _check_year(year)
    subject_org = member.organization if member is not None else organization
    ensure_in_scope(acting_user, subject_org)
    if member is not None:
        _check_member_in_year(member, year)
    subject = (
        {"member": member} if member is not None else {"organization": organization}
    )
    rating = Rating.objects.select_for_update().filter(year=year, **subject).first()
    unit = rating.unit if rating is not None else rating_unit(**subject)
    _check_not_locked(unit, year)
    regulation = regulation_for(year)
    rating = _prepare_rating(
        rating=rating,
        subject=subject,
        unit=unit,
        regulation=regulation,
        year=year,
        grade=grade,
        score=score,
        note=note,
    )
    attribute(rating, acting_user)
    rating.save()
    return rating


@transaction.atomic
def rate_members_in_bulk(
    *,
    acting_user: Any,
    year: int,
    grades: dict[Member, tuple[str, int | None]],
) -> list[Rating]:
    """Grade many members at once; all or nothing.

    The regulation is read once, the rating unit once per organization and
    the lock once per unit (``rate()`` would repeat them for every member).
    Every row is checked before any is saved; when some are refused a
    ``BulkRatingError`` lists the messages per member and nothing is saved.
    An existing rating keeps its note.
    """
    return _rate_members(acting_user=acting_user, year=year, grades=grades)


@transaction.atomic
def delete_rating(*, acting_user: Any, rating: Rating) -> None:
    subject_org = (
        rating.member.organization if rating.member_id else rating.organization
    )
    ensure_in_scope(acting_user, subject_org)
    _check_not_locked(rating.unit, rating.year)
    attribute(rating, acting_user)
    rating.delete()


def quota_breach(*, unit: Organization, year: int) -> list[str]:
    """Messages for every quota the unit's ratings of the year break."""
    percent = quota_percent(year)
    counts = Rating.objects.filter(unit=unit, year=year).aggregate(
        members_excellent=Count(
            "pk", filter=Q(member__isnull=False, grade=Grade.EXCELLENT)
        ),
        members_good=Count("pk", filter=Q(member__isnull=False, grade=Grade.GOOD)),
        orgs_excellent=Count(
            "pk", filter=Q(organization__isnull=False, grade=Grade.EXCELLENT)
        ),
        orgs_good=Count("pk", filter=Q(organization__isnull=False, grade=Grade.GOOD)),
    )
    messages = []
    for prefix, label in (("members", _("members")), ("orgs", _("organizations"))):
        excellent = counts[f"{prefix}_excellent"]
        allowed = max_excellent(counts[f"{prefix}_good"], percent)
        if excellent > allowed:
            messages.append(
                ngettext(
                    "%(excellent)s %(subjects)s rated excellent, %(over)s more than "
                    "the %(allowed)s allowed (%(percent)s%% of %(good)s rated good).",
                    "%(excellent)s %(subjects)s rated excellent, %(over)s more than "
                    "the %(allowed)s allowed (%(percent)s%% of %(good)s rated good).",
                    excellent,
                )
                % {
                    "excellent": excellent,
                    "subjects": label,
                    "over": excellent - allowed,
                    "allowed": allowed,
                    "percent": f"{percent.normalize():f}",
                    "good": counts[f"{prefix}_good"],
                }
            )
    return messages


def max_excellent(good: int, percent: Decimal) -> int:
    """How many may be rated excellent beside ``good`` rated good."""
    return math.floor(good * percent / 100)


@transaction.atomic
def finalize_ratings(
    *, acting_user: Any, unit: Organization, year: int
) -> RatingFinalization:
    """Lock the unit's ratings for the year, if they respect the quota."""
    unit = Organization.objects.select_for_update().get(pk=unit.pk)
    ensure_in_scope(acting_user, unit)
    finalization = RatingFinalization.objects.filter(unit=unit, year=year).first()
    if finalization is not None and finalization.is_locked:
        raise ValidationError(
            _("The ratings of %(unit)s for %(year)s are already finalized.")
            % {"unit": unit, "year": year}
        )
    if not Rating.objects.filter(unit=unit, year=year).exists():
        raise ValidationError(
            _("%(unit)s has no ratings for %(year)s to finalize.")
            % {"unit": unit, "year": year}
        )
    breaches = quota_breach(unit=unit, year=year)
    if breaches:
        raise ValidationError(breaches)
    if finalization is None:
        finalization = RatingFinalization(unit=unit, year=year)
    finalization.status = FinalizationStatus.FINALIZED
    finalization.finalized_at = timezone.now()
    finalization.finalized_by = (
        acting_user if getattr(acting_user, "pk", None) else None
    )
    finalization.full_clean()
    attribute(finalization, acting_user, "finalized")
    finalization.save()
    return finalization


@transaction.atomic
def reopen_ratings(
    *, acting_user: Any, unit: Organization, year: int, reason: str
) -> RatingFinalization:
    """Unlock finalized ratings: administrators only, with a reason kept."""
    if acting_user is not None and not acting_user.is_superuser:
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the ratings are reopened.")})
    finalization = (
        RatingFinalization.objects.select_for_update()
        .filter(unit=unit, year=year)
        .first()
    )
    if finalization is None or not finalization.is_locked:
        raise ValidationError(
            _("The ratings of %(unit)s for %(year)s are not finalized.")
            % {"unit": unit, "year": year}
        )
    finalization.status = FinalizationStatus.REOPENED
    finalization.reopen_reason = reason
    attribute(finalization, acting_user, f"reopened: {reason}")
    finalization.save()
    return finalization


# ---------------------------------------------------------------- ratings: helpers
# of the staff pages (bulk entry per cell)


def unit_for_members_of(organization: Organization) -> Organization:
    """The organization that finalizes the ratings of the members of a cell."""
    return rating_unit(member=Member(organization=organization))


class BulkRatingError(ValidationError):
    """Rows of a bulk rating that were refused; nothing was saved.

    ``by_member`` maps a member's id to its messages, for the form row; the
    error itself holds the same messages prefixed with the member's name, per
    field as ``rate()`` raises them.
    """

    def __init__(self, errors: dict[Member, ValidationError]) -> None:
        merged: dict[str, list[str]] = {}
        rows: dict[int, list[str]] = {}
        for member, error in errors.items():
            per_field = (
                error.message_dict
                if hasattr(error, "error_dict")
                else {NON_FIELD_ERRORS: error.messages}
            )
            for field, messages in per_field.items():
                for message in messages:
                    merged.setdefault(field, []).append(f"{member}: {message}")
                    rows.setdefault(member.pk, []).append(message)
        super().__init__(merged)
        self.by_member = rows


def _prepare_rating(
    *,
    rating: Rating | None,
    subject: dict[str, Any],
    unit: Organization | None,
    regulation: Regulation | None,
    year: int,
    grade: str,
    score: int | None,
    note: str | None,
) -> Rating:
    """Check and fill a rating, not yet saved (``note=None`` keeps the note)."""
    _check_score(regulation, grade, score)
    if rating is None:
        rating = Rating(year=year, unit=unit, **subject)
    rating.grade = grade
    rating.score = score
    if note is not None:
        rating.note = note
    rating.regulation = regulation
    rating.full_clean()
    return rating


def _rate_members(
    *,
    acting_user: Any,
    year: int,
    grades: dict[Member, tuple[str, int | None]],
) -> list[Rating]:
    _check_year(year)
    members = list(grades)
    for member in members:
        ensure_in_scope(acting_user, member.organization)
    existing = {
        r.member_id: r
        for r in Rating.objects.select_for_update().filter(
            year=year, member__in=members
        )
    }
    units: dict[int, Organization] = {}  # organization id -> rating unit
    unit_ids = {r.unit_id for r in existing.values()}
    for member in members:
        if member.pk not in existing and member.organization_id not in units:
            units[member.organization_id] = rating_unit(member=member)
            unit_ids.add(units[member.organization_id].pk)
    locked = (
        RatingFinalization.objects.filter(
            unit_id__in=unit_ids, year=year, status=FinalizationStatus.FINALIZED
        )
        .select_related("unit")
        .first()
    )
    if locked is not None:
        _check_not_locked(locked.unit, year)
    regulation = regulation_for(year)
    prepared: list[Rating] = []
    errors: dict[Member, ValidationError] = {}
    for member, (grade, score) in grades.items():
        try:
            _check_member_in_year(member, year)
            rating = existing.get(member.pk)
            prepared.append(
                _prepare_rating(
                    rating=rating,
                    subject={"member": member},
                    # an existing rating keeps its unit: no need to load it
                    unit=units.get(member.organization_id),
                    regulation=regulation,
                    year=year,
                    grade=grade,
                    score=score,
                    note=None,
                )
            )
        except ValidationError as error:
            errors[member] = error
    if errors:
        raise BulkRatingError(errors)
    try:
        with transaction.atomic():
            for rating in prepared:
                attribute(rating, acting_user)
                rating.save()
    except IntegrityError as exc:  # another user rated one of them meanwhile
        raise ValidationError(
            _("Someone else has just rated some of these members; reload the page.")
        ) from exc
    return prepared
