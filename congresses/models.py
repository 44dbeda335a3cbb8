"""Term plans, congresses and their milestones.

The plan of a term is configuration an administrator edits: the window of
each level (deadline, maximum length), the milestone templates a congress
gets when it is scheduled, and the reminder thresholds. Congresses and
milestones are the data the office staff keep. State changes live in
``services.py``; the schedule rules and other reads in ``selectors.py``.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from committees.models import Level, Organization, Term
from portal.access import ScopedQuerySet
from portal.models import TimeStampedModel

# ---------------------------------------------------------------- the plan


class TermPlan(TimeStampedModel):
    """The congress plan of a term (e.g. 2025–2030)."""

    term = models.OneToOneField(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="plan"
    )
    name = models.CharField(_("name"), max_length=255)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term plan")
        verbose_name_plural = _("term plans")
        ordering = ["-term__starts_on"]

    def __str__(self) -> str:
        return self.name


#: Directive 45-CT/TW: (month, day) of the deadline and maximum days per level.
DEFAULT_WINDOWS: dict[str, tuple[tuple[int, int], int]] = {
    Level.GRASSROOTS: ((6, 30), 2),
    Level.DISTRICT: ((8, 31), 2),
    Level.PROVINCE: ((10, 31), 4),
}


class LevelWindow(TimeStampedModel):
    """By when a level holds its congresses, and for how many days at most."""

    plan = models.ForeignKey(
        TermPlan,
        verbose_name=_("term plan"),
        on_delete=models.CASCADE,
        related_name="windows",
    )
    level = models.CharField(_("level"), max_length=16, choices=Level)
    deadline = models.DateField(_("held by"))
    max_days = models.PositiveSmallIntegerField(
        _("maximum length (days)"), validators=[MinValueValidator(1)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("level window")
        verbose_name_plural = _("level windows")
        ordering = ["deadline"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "level"],
                name="levelwindow_one_per_plan_and_level",
                violation_error_message=_("This level already has a window."),
            ),
            models.CheckConstraint(
                condition=Q(max_days__gte=1), name="levelwindow_max_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.deadline:%d/%m/%Y}"


class MilestoneKind(models.TextChoices):
    DRAFTS_SENT = "drafts_sent", _("Draft documents sent to the superior")
    PERSONNEL_PLAN_APPROVED = (
        "personnel_plan_approved",
        _("Personnel plan approved by the superior"),
    )
    CONGRESS_HELD = "congress_held", _("Congress held")
    RESULTS_REPORT_SENT = "results_report_sent", _("Results report sent")


class MilestoneOwner(models.TextChoices):
    SELF = "self", _("The organization holding the congress")
    SUPERIOR = "superior", _("Its superior organization")


def validate_levels(value: str) -> None:
    for part in split_csv(value):
        if part not in Level.values:
            raise ValidationError(
                _("Unknown level “%(level)s”: use %(levels)s."),
                params={"level": part, "levels": ", ".join(Level.values)},
            )


def split_csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class MilestoneTemplate(TimeStampedModel):
    """A milestone every congress of the plan gets, relative to its date."""

    plan = models.ForeignKey(
        TermPlan,
        verbose_name=_("term plan"),
        on_delete=models.CASCADE,
        related_name="templates",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=MilestoneKind)
    title = models.CharField(
        _("title"),
        max_length=255,
        blank=True,
        help_text=_("Empty: the name of the kind."),
    )
    offset_days = models.SmallIntegerField(
        _("offset (days)"),
        help_text=_(
            "Days from the congress's first day: −30 is 30 days before, "
            "+15 is 15 days after."
        ),
    )
    owner = models.CharField(
        _("owned by"), max_length=16, choices=MilestoneOwner, default="self"
    )
    levels = models.CharField(
        _("levels"),
        max_length=64,
        blank=True,
        validators=[validate_levels],
        help_text=_("Levels it applies to, separated by commas; empty: all."),
    )
    is_election_item = models.BooleanField(
        _("election item"),
        default=False,
        help_text=_(
            "Left out for a merged or new organization whose committee is "
            "appointed instead of elected."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone template")
        verbose_name_plural = _("milestone templates")
        ordering = ["offset_days", "id"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or str(MilestoneKind(self.kind).label)

    @property
    def level_list(self) -> list[str]:
        return split_csv(self.levels)

    def applies_to(self, level: str, *, committee_appointed: bool = False) -> bool:
        if committee_appointed and self.is_election_item:
            return False
        levels = self.level_list
        return not levels or level in levels


def parse_days(value: str) -> list[int]:
    """ "14, 7,1" -> [14, 7, 1]: positive, distinct, largest first."""
    days = []
    for part in split_csv(value):
        try:
            day = int(part)
        except ValueError:
            raise ValidationError(
                _("“%(part)s” is not a whole number of days."), params={"part": part}
            ) from None
        if day <= 0:
            raise ValidationError(
                _("Days before must be positive, not %(day)s."), params={"day": day}
            )
        days.append(day)
    return sorted(set(days), reverse=True)


def validate_days(value: str) -> None:
    parse_days(value)


class ReminderPolicy(TimeStampedModel):
    """When the owners of a milestone are reminded of it.

    Thresholds are offsets from the due date: negative before it (``-14``),
    ``0`` on it, positive after it (``7``, ``14``, … while it stays open).
    """

    plan = models.OneToOneField(
        TermPlan,
        verbose_name=_("term plan"),
        on_delete=models.CASCADE,
        related_name="reminder_policy",
    )
    days_before = models.CharField(
        _("days before"),
        max_length=64,
        default="14,7,1",
        blank=True,
        validators=[validate_days],
        help_text=_("Days before the due date, separated by commas, e.g. 14,7,1."),
    )
    on_due_date = models.BooleanField(_("on the due date"), default=True)
    overdue_every_days = models.PositiveSmallIntegerField(
        _("when overdue, every (days)"),
        default=7,
        help_text=_("0: no reminders after the due date."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder thresholds")
        verbose_name_plural = _("reminder thresholds")

    def __str__(self) -> str:
        return str(self.plan)

    @property
    def days_before_list(self) -> list[int]:
        return parse_days(self.days_before)

    @property
    def horizon_days(self) -> int:
        """How far ahead of a due date the first reminder goes."""
        return max(self.days_before_list, default=0)

    def thresholds_crossed(self, due_on: date, today: date) -> list[int]:
        from .selectors import thresholds_crossed

        return thresholds_crossed(
            due_on,
            today,
            days_before=self.days_before_list,
            on_due_date=self.on_due_date,
            overdue_every_days=self.overdue_every_days,
        )


# ---------------------------------------------------------------- congresses


class CongressKind(models.TextChoices):
    DELEGATES = "delegates", _("Delegates' congress")
    ALL_MEMBERS = "all_members", _("All-member congress")


class CongressStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PREPARING = "preparing", _("Preparing")
    HELD = "held", _("Held")
    RESULTS_APPROVED = "results_approved", _("Results approved")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses of a congress that still counts in the schedule.
LIVE_STATUSES = (
    CongressStatus.PLANNED,
    CongressStatus.PREPARING,
    CongressStatus.HELD,
    CongressStatus.RESULTS_APPROVED,
)


class CongressQuerySet(ScopedQuerySet):
    scope_paths = ("organization__path",)

    def live(self) -> CongressQuerySet:
        return self.exclude(status=CongressStatus.CANCELLED)


class Congress(TimeStampedModel):
    """The congress (đại hội) of an organization for a term."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="congresses",
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="+"
    )
    ordinal = models.PositiveSmallIntegerField(
        _("ordinal"),
        validators=[MinValueValidator(1)],
        help_text=_("The 20th congress: 20. A merged or new committee starts at 1."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    is_model = models.BooleanField(
        _("model congress"),
        default=False,
        help_text=_("Held first at its level, to draw lessons for the rest."),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=CongressKind, default=CongressKind.DELEGATES
    )
    expected_delegates = models.PositiveIntegerField(
        _("expected delegates"), null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CongressStatus,
        default=CongressStatus.PLANNED,
    )
    committee_appointed = models.BooleanField(
        _("committee appointed"),
        default=False,
        help_text=_(
            "A merged or new organization whose committee the superior "
            "appoints: no election items."
        ),
    )
    override_reason = models.TextField(
        _("reason for overriding the schedule rules"),
        blank=True,
        help_text=_(
            "An administrator may accept a breach of the schedule rules "
            "(e.g. for a new or merged organization), giving the reason."
        ),
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delegates_to_superior = models.PositiveIntegerField(
        _("delegates elected to the superior congress"), null=True, blank=True
    )
    results_note = models.TextField(_("results"), blank=True)

    history = HistoricalRecords()
    objects = CongressQuerySet.as_manager()

    class Meta:
        verbose_name = _("congress")
        verbose_name_plural = _("congresses")
        ordering = ["starts_on", "id"]
        indexes = [
            models.Index(fields=["term", "starts_on"]),
            models.Index(fields=["status", "starts_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="congress_ends_after_it_starts",
                violation_error_message=_("A congress must end on or after its start."),
            ),
            models.UniqueConstraint(
                fields=["organization", "term"],
                condition=~Q(status="cancelled"),
                name="congress_one_live_per_organization_and_term",
                violation_error_message=_(
                    "This organization already has a congress for the term."
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("%(organization)s, congress no. %(ordinal)s") % {
            "organization": self.organization,
            "ordinal": self.ordinal,
        }

    def get_absolute_url(self) -> str:
        return reverse("congresses:congress_detail", args=[self.pk])

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def is_cancelled(self) -> bool:
        return self.status == CongressStatus.CANCELLED

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def dates_display(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%d/%m/%Y}"
        return f"{self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y}"


class MilestoneQuerySet(ScopedQuerySet):
    scope_paths = ("owner__path", "congress__organization__path")

    def open(self) -> MilestoneQuerySet:
        return self.filter(done_at__isnull=True)

    def overdue(self, today: date) -> MilestoneQuerySet:
        return self.open().filter(due_on__lt=today)


class Milestone(TimeStampedModel):
    """A dated item of a congress: drafts sent up, personnel plan, report."""

    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    template = models.ForeignKey(
        MilestoneTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=MilestoneKind)
    title = models.CharField(_("title"), max_length=255)
    owner = models.ForeignKey(
        Organization,
        verbose_name=_("owned by"),
        on_delete=models.PROTECT,
        related_name="milestones",
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]
        indexes = [
            # The reminder sweep reads open milestones due before a horizon.
            models.Index(fields=["done_at", "due_on"], name="milestone_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_on:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("congresses:congress_detail", args=[self.congress_id])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today


# ---------------------------------------------------------------- calendar feed


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(TimeStampedModel):
    """The secret token of a user's iCalendar feed; renewing replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=new_feed_token
    )

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("congresses:calendar_feed_public") + f"?token={self.token}"


# ---------------------------------------------------------------- stored rule problems


class ScheduleProblemQuerySet(ScopedQuerySet):
    scope_paths = ("congress__organization__path",)


class ScheduleProblem(models.Model):
    """A breach of the schedule rules by a congress, as
    ``selectors.schedule_problems`` finds it, kept for the rules report and
    the timeline of large scopes (``congresses.problems`` refreshes the rows
    of a province whenever one of its congresses, the level windows or its
    tree change). The forms and services check a congress live, not here."""

    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="+"
    )
    congress = models.ForeignKey(
        Congress,
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="schedule_problems",
    )
    #: 0 error, 1 overridden (an accepted error), 2 warning: the report's order
    rank = models.PositiveSmallIntegerField(_("rank"))
    level = models.CharField(_("level"), max_length=16)
    code = models.CharField(_("rule"), max_length=32)
    conflicting = models.ForeignKey(
        Congress,
        verbose_name=_("conflicting congress"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScheduleProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("schedule problem")
        verbose_name_plural = _("schedule problems")
        indexes = [models.Index(fields=["term", "rank"], name="schedule_problem_idx")]

    def __str__(self) -> str:
        return f"{self.congress_id}: {self.code}"
