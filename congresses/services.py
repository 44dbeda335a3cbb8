"""Services: every change to term plans, congresses and milestones.

Each function takes keyword-only arguments and an ``acting_user`` (None for
system actors such as the demo loader), checks the actor's scope, runs in one
transaction, validates with ``full_clean`` and the schedule rules, and
records the change in the history. Bad input raises ``ValidationError`` and
changes nothing. Nothing here talks to Celery: reminders are the sweep's
business (``congresses/reminders.py``), so marking a milestone done works
whether or not Redis answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees import services as committee_services
from committees.models import (
    Body,
    Member,
    Organization,
    Position,
    Role,
    Term,
)
from portal.access import ensure_in_scope, is_in_scope
from portal.history import attribute

from . import selectors
from .models import (
    DEFAULT_WINDOWS,
    CalendarFeed,
    Congress,
    CongressKind,
    CongressStatus,
    LevelWindow,
    Milestone,
    MilestoneKind,
    MilestoneOwner,
    MilestoneTemplate,
    ReminderPolicy,
    TermPlan,
    new_feed_token,
)

# ---------------------------------------------------------------- plans

#: The milestones of a congress, as Directive 45-CT/TW's guidance sets them.
DEFAULT_TEMPLATES = [
    (MilestoneKind.DRAFTS_SENT, -30, MilestoneOwner.SELF, False),
    (MilestoneKind.PERSONNEL_PLAN_APPROVED, -20, MilestoneOwner.SUPERIOR, True),
    (MilestoneKind.CONGRESS_HELD, 0, MilestoneOwner.SELF, False),
    (MilestoneKind.RESULTS_REPORT_SENT, 15, MilestoneOwner.SELF, False),
]


def _require_superuser(acting_user: Any) -> None:
    if acting_user is not None and not acting_user.is_superuser:
        raise PermissionDenied


@transaction.atomic
def create_term_plan(
    *,
    acting_user: Any,
    term: Term,
    name: str = "",
    with_defaults: bool = True,
) -> TermPlan:
    """A plan for the term; with the defaults of Directive 45-CT/TW (level
    windows in the term's first year, four milestone templates and reminders
    14, 7 and 1 days before, on the day and weekly when overdue)."""
    _require_superuser(acting_user)
    plan = TermPlan(term=term, name=name or _("Congresses %(term)s") % {"term": term})
    plan.full_clean()
    attribute(plan, acting_user)
    plan.save()
    if not with_defaults:
        return plan
    year = term.starts_on.year
    for level, ((month, day), max_days) in DEFAULT_WINDOWS.items():
        window = LevelWindow(
            plan=plan, level=level, deadline=date(year, month, day), max_days=max_days
        )
        window.full_clean()
        attribute(window, acting_user)
        window.save()
    for kind, offset, owner, election in DEFAULT_TEMPLATES:
        template = MilestoneTemplate(
            plan=plan,
            kind=kind,
            offset_days=offset,
            owner=owner,
            is_election_item=election,
        )
        template.full_clean()
        attribute(template, acting_user)
        template.save()
    policy = ReminderPolicy(plan=plan)
    policy.full_clean()
    attribute(policy, acting_user)
    policy.save()
    return plan


# ---------------------------------------------------------------- congresses

CONGRESS_FIELDS = {
    "ordinal",
    "venue",
    "is_model",
    "kind",
    "expected_delegates",
    "committee_appointed",
}


def _check_rules(congress: Congress, acting_user: Any, override_reason: str) -> None:
    """Refuse a congress that breaks a schedule rule, naming the conflict.

    An administrator may accept the breach with a reason, which is kept on
    the congress (the rules then report it as overridden).
    """
    errors = [
        p
        for p in selectors.schedule_problems(term=congress.term, candidate=congress)
        if p.is_error
    ]
    if not errors:
        return
    override_reason = override_reason.strip()
    if override_reason and (acting_user is None or acting_user.is_superuser):
        own = [p for p in errors if p.congress is congress]
        if len(own) == len(errors):
            congress.override_reason = override_reason
            congress.override_by = (
                acting_user if getattr(acting_user, "pk", None) else None
            )
            return
    raise ValidationError([p.message for p in errors])


def _superior(organization: Organization) -> Organization:
    """The parent organization; the root owns its own superior's items."""
    if organization.depth == 1:
        return organization
    return Organization.objects.get(path=organization.parent_path)


def _templates_for(congress: Congress) -> list[MilestoneTemplate]:
    templates = MilestoneTemplate.objects.filter(plan__term=congress.term).order_by(
        "offset_days", "id"
    )
    level = congress.organization.level
    return [
        t
        for t in templates
        if t.applies_to(level, committee_appointed=congress.committee_appointed)
    ]


def milestones_from_templates(
    congress: Congress,
    templates: Iterable[MilestoneTemplate] | None = None,
    *,
    superior: Organization | None = None,
) -> list[Milestone]:
    """Unsaved milestones of a congress from its plan's templates (all that
    apply to it, or those given; ``superior`` saves a query when known)."""
    if templates is None:
        templates = _templates_for(congress)
    else:
        level = congress.organization.level
        appointed = congress.committee_appointed
        templates = [
            t for t in templates if t.applies_to(level, committee_appointed=appointed)
        ]
    milestones = []
    for t in templates:
        owner = congress.organization
        if t.owner == MilestoneOwner.SUPERIOR:
            superior = superior or _superior(congress.organization)
            owner = superior
        milestones.append(
            Milestone(
                congress=congress,
                template=t,
                kind=t.kind,
                title=t.display_title,
                owner=owner,
                due_on=congress.starts_on + timedelta(days=t.offset_days),
            )
        )
    return milestones


def _save_milestones(milestones: Iterable[Milestone], acting_user: Any) -> None:
    for m in milestones:
        m.full_clean()
        attribute(m, acting_user)
        m.save()


@transaction.atomic
def schedule_congress(
    *,
    acting_user: Any,
    organization: Organization,
    term: Term,
    ordinal: int,
    starts_on: date,
    ends_on: date,
    venue: str = "",
    is_model: bool = False,
    kind: str = CongressKind.DELEGATES,
    expected_delegates: int | None = None,
    committee_appointed: bool = False,
    override_reason: str = "",
) -> Congress:
    """Schedule an organization's congress and create its milestones."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    ensure_in_scope(acting_user, organization)
    if not organization.is_active:
        raise ValidationError(
            {
                "organization": _("%(name)s is no longer active.")
                % {"name": organization}
            }
        )
    if organization.kind not in selectors.CONGRESS_KINDS:
        raise ValidationError(
            {"organization": _("A party group does not hold a congress.")}
        )
    if not TermPlan.objects.filter(term=term).exists():
        raise ValidationError(
            {"term": _("The term %(term)s has no congress plan yet.") % {"term": term}}
        )
    congress = Congress(
        organization=organization,
        term=term,
        ordinal=ordinal,
        starts_on=starts_on,
        ends_on=ends_on,
        venue=venue.strip(),
        is_model=is_model,
        kind=kind,
        expected_delegates=expected_delegates,
        committee_appointed=committee_appointed,
    )
    congress.full_clean()
    _check_rules(congress, acting_user, override_reason)
    attribute(congress, acting_user, "scheduled")
    congress.save()
    _save_milestones(milestones_from_templates(congress), acting_user)
    return congress


def _lock(congress: Congress) -> Congress:
    return (
        Congress.objects.select_for_update()
        .select_related("organization", "term")
        .get(pk=congress.pk)
    )


@transaction.atomic
def update_congress(
    *, acting_user: Any, congress: Congress, **changes: Any
) -> Congress:
    """Change the details of a congress (not its dates: see reschedule)."""
    unknown = set(changes) - CONGRESS_FIELDS
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here")
    congress = _lock(congress)
    ensure_in_scope(acting_user, congress.organization)
    _refuse_if_closed(congress)
    was_appointed = congress.committee_appointed
    for name, value in changes.items():
        setattr(congress, name, value)
    congress.venue = congress.venue.strip()
    # None of these fields enters the schedule rules (dates do: reschedule).
    congress.full_clean()
    attribute(congress, acting_user)
    congress.save()
    if congress.committee_appointed != was_appointed:
        _sync_election_items(congress, acting_user)
    return congress


def _sync_election_items(congress: Congress, acting_user: Any) -> None:
    """An appointed committee has no election items; an elected one has them."""
    if congress.committee_appointed:
        for m in congress.milestones.filter(
            done_at__isnull=True, template__is_election_item=True
        ):
            attribute(m, acting_user, "committee appointed")
            m.delete()
        return
    present = set(congress.milestones.values_list("template_id", flat=True))
    missing = [t for t in _templates_for(congress) if t.pk not in present]
    _save_milestones(milestones_from_templates(congress, missing), acting_user)


def _refuse_if_closed(congress: Congress) -> None:
    if congress.status == CongressStatus.CANCELLED:
        raise ValidationError(_("This congress is cancelled."))


@transaction.atomic
def reschedule_congress(
    *,
    acting_user: Any,
    congress: Congress,
    starts_on: date,
    ends_on: date,
    override_reason: str = "",
    reason: str = "",
) -> Congress:
    """Move a congress; its open milestones move with it, done ones stay.

    Notices already written for a milestone stay as they are: they are keyed
    by the due date, so the new date gets reminders of its own and the old
    date's are not repeated.
    """
    congress = _lock(congress)
    ensure_in_scope(acting_user, congress.organization)
    _refuse_if_closed(congress)
    if congress.status in (CongressStatus.HELD, CongressStatus.RESULTS_APPROVED):
        raise ValidationError(_("A congress that was held cannot be moved."))
    shift = timedelta(days=(starts_on - congress.starts_on).days)
    congress.starts_on = starts_on
    congress.ends_on = ends_on
    congress.full_clean()
    _check_rules(congress, acting_user, override_reason)
    attribute(congress, acting_user, reason or "rescheduled")
    congress.save()
    if shift:
        for m in congress.milestones.filter(done_at__isnull=True):
            m.due_on += shift
            attribute(m, acting_user, "congress rescheduled")
            m.save()
    return congress


@transaction.atomic
def set_rules_override(
    *, acting_user: Any, congress: Congress, reason: str
) -> Congress:
    """An administrator accepts a congress's breach of the schedule rules
    with a reason (kept on the congress), or withdraws it (empty reason)."""
    _require_superuser(acting_user)
    reason = reason.strip()
    congress = _lock(congress)
    congress.override_reason = reason
    congress.override_by = (
        acting_user if reason and getattr(acting_user, "pk", None) else None
    )
    attribute(
        congress, acting_user, "rules overridden" if reason else "override withdrawn"
    )
    congress.save()
    return congress


@transaction.atomic
def cancel_congress(*, acting_user: Any, congress: Congress, reason: str) -> Congress:
    congress = _lock(congress)
    ensure_in_scope(acting_user, congress.organization)
    _refuse_if_closed(congress)
    if congress.status in (CongressStatus.HELD, CongressStatus.RESULTS_APPROVED):
        raise ValidationError(_("A congress that was held cannot be cancelled."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the congress is cancelled.")})
    congress.status = CongressStatus.CANCELLED
    attribute(congress, acting_user, f"cancelled: {reason}")
    congress.save()
    return congress


#: status -> the statuses it may move on to (cancelling has its own service).
STATUS_STEPS = {
    CongressStatus.PLANNED: (CongressStatus.PREPARING, CongressStatus.HELD),
    CongressStatus.PREPARING: (CongressStatus.HELD,),
    CongressStatus.HELD: (CongressStatus.RESULTS_APPROVED,),
    CongressStatus.RESULTS_APPROVED: (),
    CongressStatus.CANCELLED: (),
}


@transaction.atomic
def set_congress_status(
    *, acting_user: Any, congress: Congress, status: str, today: date | None = None
) -> Congress:
    """Move a congress on: planned → preparing → held → results approved.

    Marking it held also marks its open "congress held" milestone done.
    """
    today = today or timezone.localdate()
    congress = _lock(congress)
    ensure_in_scope(acting_user, congress.organization)
    if status not in STATUS_STEPS[congress.status]:
        raise ValidationError(
            _("A congress that is “%(old)s” cannot become “%(new)s”.")
            % {
                "old": congress.get_status_display(),
                "new": CongressStatus(status).label,
            }
        )
    if status == CongressStatus.HELD and congress.starts_on > today:
        raise ValidationError(
            _("The congress starts on %(date)s: it cannot be held yet.")
            % {"date": congress.starts_on.strftime("%d/%m/%Y")}
        )
    congress.status = status
    attribute(congress, acting_user, f"status: {status}")
    congress.save()
    if status == CongressStatus.HELD:
        for m in congress.milestones.filter(
            done_at__isnull=True, kind=MilestoneKind.CONGRESS_HELD
        ):
            _mark_done(m, acting_user, "")
    return congress


# ---------------------------------------------------------------- milestones


def _ensure_milestone_in_scope(acting_user: Any, milestone: Milestone) -> None:
    """The owner's staff and the congress's staff may both act on it."""
    if acting_user is None:
        return
    if not (
        is_in_scope(acting_user, milestone.owner.path)
        or is_in_scope(acting_user, milestone.congress.organization.path)
    ):
        raise PermissionDenied


def _mark_done(milestone: Milestone, acting_user: Any, note: str) -> Milestone:
    milestone.done_at = timezone.now()
    milestone.done_by = acting_user if getattr(acting_user, "pk", None) else None
    if note:
        milestone.note = note.strip()
    milestone.full_clean()
    attribute(milestone, acting_user, "done")
    milestone.save()
    return milestone


def _lock_milestone(milestone: Milestone) -> Milestone:
    return (
        Milestone.objects.select_for_update()
        .select_related("congress__organization", "owner")
        .get(pk=milestone.pk)
    )


@transaction.atomic
def mark_milestone_done(
    *, acting_user: Any, milestone: Milestone, note: str = ""
) -> Milestone:
    """Record that a milestone is done, by whom and when.

    No task is enqueued: the reminder sweep stops reminding of a milestone
    once it is done, so this works with Redis down.
    """
    milestone = _lock_milestone(milestone)
    _ensure_milestone_in_scope(acting_user, milestone)
    if milestone.congress.status == CongressStatus.CANCELLED:
        raise ValidationError(_("The congress is cancelled."))
    if milestone.done_at is not None:
        raise ValidationError(
            _("This item was already marked done on %(when)s.")
            % {"when": timezone.localtime(milestone.done_at).strftime("%d/%m/%Y")}
        )
    return _mark_done(milestone, acting_user, note)


@transaction.atomic
def reopen_milestone(*, acting_user: Any, milestone: Milestone) -> Milestone:
    """Undo "done" (marked by mistake): the item is open again."""
    milestone = _lock_milestone(milestone)
    _ensure_milestone_in_scope(acting_user, milestone)
    if milestone.done_at is None:
        raise ValidationError(_("This item is not done."))
    milestone.done_at = None
    milestone.done_by = None
    attribute(milestone, acting_user, "reopened")
    milestone.save()
    return milestone


MILESTONE_FIELDS = {"kind", "title", "owner", "due_on", "note"}


def _check_owner(milestone: Milestone) -> None:
    congress_org = milestone.congress.organization
    owner = milestone.owner
    if not (
        owner.pk == congress_org.pk
        or owner.path == congress_org.parent_path
        or owner.path.startswith(congress_org.path)
    ):
        raise ValidationError(
            {
                "owner": _(
                    "An item is owned by %(organization)s, its superior or an "
                    "organization below it."
                )
                % {"organization": congress_org}
            }
        )


@transaction.atomic
def add_milestone(
    *,
    acting_user: Any,
    congress: Congress,
    kind: str,
    title: str,
    owner: Organization,
    due_on: date,
    note: str = "",
) -> Milestone:
    """An item of a congress beside those of the templates."""
    congress = _lock(congress)
    ensure_in_scope(acting_user, congress.organization)
    _refuse_if_closed(congress)
    milestone = Milestone(
        congress=congress,
        kind=kind,
        title=title.strip() or str(MilestoneKind(kind).label),
        owner=owner,
        due_on=due_on,
        note=note,
    )
    milestone.full_clean()
    _check_owner(milestone)
    attribute(milestone, acting_user)
    milestone.save()
    return milestone


@transaction.atomic
def update_milestone(
    *, acting_user: Any, milestone: Milestone, **changes: Any
) -> Milestone:
    """Change an item; a new due date is reminded afresh (see reminders)."""
    unknown = set(changes) - MILESTONE_FIELDS
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here")
    milestone = _lock_milestone(milestone)
    _ensure_milestone_in_scope(acting_user, milestone)
    for name, value in changes.items():
        setattr(milestone, name, value)
    milestone.full_clean()
    _check_owner(milestone)
    attribute(milestone, acting_user)
    milestone.save()
    return milestone


@transaction.atomic
def delete_milestone(*, acting_user: Any, milestone: Milestone) -> None:
    milestone = _lock_milestone(milestone)
    ensure_in_scope(acting_user, milestone.congress.organization)
    attribute(milestone, acting_user)
    milestone.delete()


# ---------------------------------------------------------------- results


@transaction.atomic
def record_results(
    *,
    acting_user: Any,
    congress: Congress,
    delegates_to_superior: int | None,
    results_note: str = "",
    secretary: Member | None = None,
    standing: Iterable[Member] = (),
    executive: Iterable[Member] = (),
    elected_on: date | None = None,
    today: date | None = None,
) -> list[Position]:
    """Record what the congress decided.

    The new executive committee, Standing Committee and Secretary become
    positions of the congress's term through the committees services (one
    record of them, not a copy), from the election day or the term's first
    day if later; the outgoing term's seats in those bodies end the day
    before. The Secretary sits in both bodies (in the Standing
    Committee only if there is one); a Standing Committee member also sits
    in the executive committee.
    """
    today = today or timezone.localdate()
    congress = _lock(congress)
    ensure_in_scope(acting_user, congress.organization)
    _refuse_if_closed(congress)
    if congress.starts_on > today:
        raise ValidationError(
            _("Results can be recorded once the congress has been held.")
        )
    if delegates_to_superior is not None and delegates_to_superior < 0:
        raise ValidationError(
            {"delegates_to_superior": _("Give a number of delegates, 0 or more.")}
        )
    standing = [m for m in standing if m != secretary]
    executive = [m for m in executive if m != secretary and m not in standing]
    organization = congress.organization
    # Seats of the new term start on the election day, or on the first day
    # of the term when the congress comes before it (the outgoing term's
    # seats run until then).
    elected_on = max(elected_on or congress.ends_on, congress.term.starts_on)
    appointing = secretary is not None or standing or executive
    if appointing and (
        Position.objects.filter(organization=organization, term=congress.term)
        .filter(body__in=(Body.EXECUTIVE, Body.STANDING))
        .exists()
    ):
        raise ValidationError(
            _(
                "The committee of %(organization)s for %(term)s is already "
                "recorded: change it on the organization's page."
            )
            % {"organization": organization, "term": congress.term}
        )
    congress.delegates_to_superior = delegates_to_superior
    congress.results_note = results_note.strip()
    if congress.status in (CongressStatus.PLANNED, CongressStatus.PREPARING):
        congress.status = CongressStatus.HELD
        for m in congress.milestones.filter(
            done_at__isnull=True, kind=MilestoneKind.CONGRESS_HELD
        ):
            _mark_done(m, acting_user, "")
    congress.full_clean()
    attribute(congress, acting_user, "results recorded")
    congress.save()
    if not appointing:
        return []

    # The outgoing committee's seats end before the new ones start.
    outgoing = (
        Position.objects.current()
        .filter(organization=organization, body__in=(Body.EXECUTIVE, Body.STANDING))
        .exclude(term=congress.term)
    )
    for position in outgoing:
        committee_services.end_position(
            acting_user=acting_user,
            position=position,
            ended_on=max(position.started_on, elected_on - timedelta(days=1)),
        )

    seats: list[tuple[Member, str, str]] = []
    if secretary is not None:
        seats.append((secretary, Body.EXECUTIVE, Role.SECRETARY))
        if standing:
            seats.append((secretary, Body.STANDING, Role.SECRETARY))
    for member in standing:
        seats.append((member, Body.STANDING, Role.STANDING_MEMBER))
        seats.append((member, Body.EXECUTIVE, Role.MEMBER))
    for member in executive:
        seats.append((member, Body.EXECUTIVE, Role.MEMBER))
    return [
        committee_services.appoint_position(
            acting_user=acting_user,
            member=member,
            organization=organization,
            body=body,
            role=role,
            term=congress.term,
            started_on=elected_on,
        )
        for member, body, role in seats
    ]


# ---------------------------------------------------------------- calendar feed


@transaction.atomic
def calendar_feed_for(*, user: Any) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def renew_calendar_feed(*, user: Any) -> CalendarFeed:
    """A new secret address; the old one answers 404 from now on."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user)
    feed.token = new_feed_token()
    feed.save(update_fields=["token", "updated_at"])
    return feed
