"""Emulation and commendation: award kinds, periods, nominations, decisions,
awards (DOMAIN.md §5).

An **award kind** says who grants what to whom and on which criterion; an
**emulation period** is a year or a term. A **nomination** carries a set of
candidates (items) of one kind and period from the proposing organization up
to the granting one; the granting organization's numbered **decision**
confers the approved items, each becoming an **award**. Rules live in
``services.py`` (changes) and ``selectors.py`` (eligibility and lists).
"""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from committees.documents import format_number
from committees.models import (
    DocumentKind,
    Member,
    Organization,
    OrganizationKind,
    Term,
)
from portal.access import ScopedQuerySet
from portal.models import TimeStampedModel

#: Party membership badges: years of party age (Guidance 01-HD/TW of 2021).
BADGE_YEARS: tuple[int, ...] = (30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90)

#: National occasions on which badges are presented: (month, day).
OCCASIONS: tuple[tuple[int, int], ...] = ((2, 3), (5, 19), (9, 2), (11, 7))


def occasion_choices() -> list[tuple[str, str]]:
    return [(f"{m:02d}-{d:02d}", f"{d:02d}/{m:02d}") for m, d in OCCASIONS]


def is_occasion(day: date) -> bool:
    return (day.month, day.day) in OCCASIONS


def new_verification_code() -> str:
    """Random, URL-safe, hard to guess: printed on the certificate."""
    return secrets.token_urlsafe(12)


def split_csv(value: str) -> list[str]:
    return [part for part in (value or "").split(",") if part]


# ---------------------------------------------------------------- configuration


class AwardForm(models.TextChoices):
    FLAG = "flag", _("Emulation flag")
    CERTIFICATE_OF_MERIT = "certificate_of_merit", _("Certificate of merit")
    CERTIFICATE = "certificate", _("Certificate")
    BADGE = "badge", _("Party membership badge")


class GrantingBody(models.TextChoices):
    COMMITTEE = "committee", _("Executive Committee")
    STANDING = "standing", _("Standing Committee")


class RecipientType(models.TextChoices):
    MEMBER = "member", _("Party member")
    ORGANIZATION = "organization", _("Party organization")


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    TERM = "term", _("Term")


class Criterion(models.TextChoices):
    CONSECUTIVE_EXCELLENT_MEMBER = (
        "consecutive_excellent_member",
        _("Member rated excellent N years in a row"),
    )
    EXCELLENT_ORGANIZATION_YEAR = (
        "excellent_organization_year",
        _("Organization rated excellent for the year"),
    )
    CONSECUTIVE_EXCELLENT_ORGANIZATION = (
        "consecutive_excellent_organization",
        _("Organization rated excellent N years in a row"),
    )
    BADGE = "badge", _("Party age reaching X years (membership badge)")
    MANUAL = "manual", _("Manual (the justification carries it)")


#: The recipient type each criterion is about (manual: either).
CRITERION_RECIPIENT: dict[str, str] = {
    Criterion.CONSECUTIVE_EXCELLENT_MEMBER: RecipientType.MEMBER,
    Criterion.EXCELLENT_ORGANIZATION_YEAR: RecipientType.ORGANIZATION,
    Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION: RecipientType.ORGANIZATION,
    Criterion.BADGE: RecipientType.MEMBER,
}

#: Kinds of organization that may receive an award.
RECIPIENT_ORGANIZATION_KINDS = tuple(
    kind for kind in OrganizationKind if kind != OrganizationKind.PROVINCE
)


class AwardKindQuerySet(models.QuerySet):
    def active(self) -> AwardKindQuerySet:
        return self.filter(is_active=True)


class AwardKind(TimeStampedModel):
    """What is granted, by whom, to whom, for which period and on which
    criterion. Configured by administrators."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short unique code, e.g. BK-TU-DV5."),
    )
    name = models.CharField(_("name"), max_length=255)
    form = models.CharField(_("form"), max_length=32, choices=AwardForm)
    granting_organization = models.ForeignKey(
        Organization,
        verbose_name=_("granting organization"),
        on_delete=models.PROTECT,
        related_name="granted_award_kinds",
    )
    granting_body = models.CharField(
        _("granting body"),
        max_length=16,
        choices=GrantingBody,
        default=GrantingBody.COMMITTEE,
    )
    recipient_type = models.CharField(
        _("recipients"), max_length=16, choices=RecipientType
    )
    recipient_kinds = models.CharField(
        _("kinds of recipient organization"),
        max_length=255,
        blank=True,
        help_text=_("For organizations: the kinds that may receive it."),
    )
    period_type = models.CharField(_("period"), max_length=8, choices=PeriodType)
    criterion = models.CharField(_("criterion"), max_length=40, choices=Criterion)
    consecutive_years = models.PositiveSmallIntegerField(
        _("years in a row (N)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("For the “N years in a row” criteria."),
    )
    badge_years = models.PositiveSmallIntegerField(
        _("years of party age (X)"),
        null=True,
        blank=True,
        choices=[(y, str(y)) for y in BADGE_YEARS],
        help_text=_("For membership badges."),
    )
    quota = models.PositiveIntegerField(
        _("quota per period"),
        null=True,
        blank=True,
        help_text=_("At most this many approved per period; empty: no limit."),
    )
    through_intermediate_levels = models.BooleanField(
        _("passes through intermediate levels"),
        default=True,
        help_text=_(
            "A nomination goes first to each committee between the proposing "
            "organization and the granting one, which forwards it."
        ),
    )
    includes_merged_history = models.BooleanField(
        _("includes merged organizations' history"),
        default=False,
        help_text=_(
            "An organization's ratings include those of the organizations "
            "merged into it, for years it was not rated itself."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()
    objects = AwardKindQuerySet.as_manager()

    class Meta:
        verbose_name = _("award kind")
        verbose_name_plural = _("award kinds")
        ordering = ["granting_organization__path", "form", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def refuse(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        criterion = self.criterion
        expected = CRITERION_RECIPIENT.get(criterion)
        if expected and self.recipient_type and self.recipient_type != expected:
            refuse(
                "recipient_type",
                _("This criterion needs the recipient type “%(type)s”.")
                % {"type": RecipientType(expected).label},
            )
        consecutive = criterion in (
            Criterion.CONSECUTIVE_EXCELLENT_MEMBER,
            Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION,
        )
        if consecutive and not self.consecutive_years:
            refuse("consecutive_years", _("Say how many years in a row."))
        if not consecutive and self.consecutive_years:
            refuse(
                "consecutive_years",
                _("Only the “N years in a row” criteria take a number of years."),
            )
        if criterion == Criterion.BADGE:
            if not self.badge_years:
                refuse("badge_years", _("Say which badge (years of party age)."))
            if self.form and self.form != AwardForm.BADGE:
                refuse("form", _("The badge criterion is for membership badges."))
            if self.period_type and self.period_type != PeriodType.YEAR:
                refuse("period_type", _("Badges are presented by year."))
        elif self.badge_years:
            refuse("badge_years", _("Only the badge criterion takes badge years."))
        if self.form == AwardForm.BADGE and criterion and criterion != Criterion.BADGE:
            refuse("criterion", _("A membership badge needs the badge criterion."))
        if (
            criterion == Criterion.EXCELLENT_ORGANIZATION_YEAR
            and self.period_type
            and self.period_type != PeriodType.YEAR
        ):
            refuse("period_type", _("“Excellent for the year” needs a year period."))
        kinds = split_csv(self.recipient_kinds)
        unknown = [k for k in kinds if k not in RECIPIENT_ORGANIZATION_KINDS]
        if unknown:
            refuse(
                "recipient_kinds",
                _("Unknown kinds of organization: %(kinds)s.")
                % {"kinds": ", ".join(unknown)},
            )
        if self.recipient_type == RecipientType.ORGANIZATION and not kinds:
            refuse("recipient_kinds", _("Say which kinds of organization receive it."))
        if self.recipient_type == RecipientType.MEMBER and kinds:
            refuse(
                "recipient_kinds",
                _("Kinds of organization apply only to organizations."),
            )
        if errors:
            raise ValidationError(errors)

    @property
    def recipient_kind_list(self) -> list[str]:
        return split_csv(self.recipient_kinds)

    @property
    def is_badge(self) -> bool:
        return self.criterion == Criterion.BADGE

    @property
    def is_manual(self) -> bool:
        return self.criterion == Criterion.MANUAL

    @property
    def for_members(self) -> bool:
        return self.recipient_type == RecipientType.MEMBER

    @property
    def years_in_a_row(self) -> int:
        """N of the rating criteria: 1 for "excellent for the year"."""
        if self.criterion == Criterion.EXCELLENT_ORGANIZATION_YEAR:
            return 1
        return self.consecutive_years or 0


class EmulationPeriod(TimeStampedModel):
    """A year (2024) or a term (2020–2025).

    A term's rated years stop before its last year: the 2020–2025 term is
    judged at its close on the ratings of 2020–2024, since the 2025 rating
    comes after the congress that ends it.
    """

    period_type = models.CharField(_("period"), max_length=8, choices=PeriodType)
    start_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(1930), MaxValueValidator(2200)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("last year"), validators=[MinValueValidator(1930), MaxValueValidator(2200)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("emulation period")
        verbose_name_plural = _("emulation periods")
        ordering = ["-end_year", "period_type", "-start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_type", "start_year", "end_year"],
                name="emulation_period_unique",
                violation_error_message=_("This period exists already."),
            ),
            models.CheckConstraint(
                condition=(Q(period_type="year") & Q(end_year=models.F("start_year")))
                | (Q(period_type="term") & Q(end_year__gt=models.F("start_year"))),
                name="emulation_period_years",
                violation_error_message=_(
                    "A year starts and ends in the same year; a term ends after "
                    "it starts."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.period_type == PeriodType.YEAR:
            return str(self.start_year)
        return f"{self.start_year}–{self.end_year}"

    @property
    def first_rated_year(self) -> int:
        return self.start_year

    @property
    def last_rated_year(self) -> int:
        if self.period_type == PeriodType.YEAR:
            return self.end_year
        return self.end_year - 1

    @property
    def ends_on(self) -> date:
        """The day a candidate must still be in good standing."""
        return date(self.last_rated_year, 12, 31)


# ---------------------------------------------------------------- nominations


class NominationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned with comments")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CONFERRED = "conferred", _("Conferred")


#: A candidate in a nomination in one of these is "already nominated".
OPEN_STATUSES = (
    NominationStatus.DRAFT,
    NominationStatus.SUBMITTED,
    NominationStatus.RETURNED,
    NominationStatus.APPROVED,
)


class NominationQuerySet(ScopedQuerySet):
    # The granting and intermediate organizations lie above the proposer:
    # whoever may review it sees the proposer's subtree.
    scope_paths = ("proposer__path",)


class Nomination(TimeStampedModel):
    """Candidates for one award kind and period, proposed by an organization."""

    kind = models.ForeignKey(
        AwardKind,
        verbose_name=_("award kind"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    period = models.ForeignKey(
        EmulationPeriod,
        verbose_name=_("period"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    proposer = models.ForeignKey(
        Organization,
        verbose_name=_("proposing organization"),
        on_delete=models.PROTECT,
        related_name="award_nominations",
    )
    at_organization = models.ForeignKey(
        Organization,
        verbose_name=_("now with"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The organization whose staff act on it next."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NominationStatus,
        default=NominationStatus.DRAFT,
    )
    occasion_on = models.DateField(
        _("occasion"),
        null=True,
        blank=True,
        help_text=_("Membership badges: the national occasion of presentation."),
    )
    decision = models.ForeignKey(
        "Decision",
        verbose_name=_("decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    return_comment = models.TextField(_("comments when returned"), blank=True)

    history = HistoricalRecords()
    objects = NominationQuerySet.as_manager()

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "period", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} – {self.period} – {self.proposer}"

    def get_absolute_url(self) -> str:
        return reverse("awards:nomination_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (NominationStatus.DRAFT, NominationStatus.RETURNED)


class ItemSource(models.TextChoices):
    ELIGIBILITY = "eligibility", _("Eligibility list")
    MANUAL = "manual", _("Added by hand")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class NominationItemQuerySet(ScopedQuerySet):
    scope_paths = ("nomination__proposer__path",)


class NominationItem(TimeStampedModel):
    """One candidate of a nomination, with the evidence seen when proposed."""

    nomination = models.ForeignKey(
        Nomination,
        verbose_name=_("nomination"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nomination_items",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nomination_items",
    )
    justification = models.TextField(_("justification"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=ItemSource, default=ItemSource.ELIGIBILITY
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus, default=ItemStatus.PENDING
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    history = HistoricalRecords()
    objects = NominationItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("nominated candidate")
        verbose_name_plural = _("nominated candidates")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, organization__isnull=True)
                | Q(member__isnull=True, organization__isnull=False),
                name="nomination_item_has_one_subject",
            ),
            models.UniqueConstraint(
                fields=["nomination", "member"],
                condition=Q(member__isnull=False),
                name="nomination_item_member_once",
                violation_error_message=_("This member is already in the nomination."),
            ),
            models.UniqueConstraint(
                fields=["nomination", "organization"],
                condition=Q(organization__isnull=False),
                name="nomination_item_organization_once",
                violation_error_message=_(
                    "This organization is already in the nomination."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.subject)

    @property
    def subject(self) -> Member | Organization:
        return self.member if self.member_id else self.organization


class NominationAction(models.TextChoices):
    CREATE = "create", _("Created")
    SUBMIT = "submit", _("Submitted")
    FORWARD = "forward", _("Forwarded")
    RETURN = "return", _("Returned with comments")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    CONFER = "confer", _("Conferred")
    REJECT_ITEM = "reject_item", _("Candidate rejected")
    RESTORE_ITEM = "restore_item", _("Candidate restored")


class NominationEvent(models.Model):
    """One step of a nomination's way: who, when, from which state to which,
    where it went, and the comment or reason."""

    nomination = models.ForeignKey(
        Nomination,
        verbose_name=_("nomination"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=16, choices=NominationAction)
    from_status = models.CharField(
        _("from"), max_length=16, choices=NominationStatus, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=NominationStatus)
    at_organization = models.ForeignKey(
        Organization,
        verbose_name=_("now with"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("nomination event")
        verbose_name_plural = _("nomination events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.nomination_id}: {self.get_action_display()}"


# ---------------------------------------------------------------- decisions


class DecisionQuerySet(ScopedQuerySet):
    scope_paths = ("issuer__path",)


class Decision(TimeStampedModel):
    """The granting organization's numbered decision (``12-QĐ/TU``)."""

    issuer = models.ForeignKey(
        Organization,
        verbose_name=_("issuing organization"),
        on_delete=models.PROTECT,
        related_name="award_decisions",
    )
    body = models.CharField(
        _("on behalf of"),
        max_length=16,
        choices=GrantingBody,
        default=GrantingBody.COMMITTEE,
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("number"))
    signed_on = models.DateField(_("date"))
    signer = models.ForeignKey(
        Member,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="signed_award_decisions",
    )
    title = models.CharField(_("title"), max_length=255, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")
        ordering = ["-signed_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "term", "number"],
                name="decision_number_unique",
                violation_error_message=_("This decision number is already taken."),
            )
        ]

    def __str__(self) -> str:
        return self.document_number

    def get_absolute_url(self) -> str:
        return reverse("awards:decision_detail", args=[self.pk])

    @property
    def document_number(self) -> str:
        return format_number(self.number, DocumentKind.DECISION, self.issuer)


class AwardQuerySet(ScopedQuerySet):
    # Where the recipient is now (the member's organization, or the
    # organization), kept on the award by database triggers: one indexed
    # range instead of two joins (migration 0002, bench/RESULTS.md).
    scope_paths = ("recipient_path",)

    def in_force(self) -> AwardQuerySet:
        return self.filter(revoked_at__isnull=True)


class Award(TimeStampedModel):
    """An award conferred by a decision on a member or an organization.

    Read-only once made, except for its revocation (date and reason), after
    which the register still lists it, marked revoked.
    """

    kind = models.ForeignKey(
        AwardKind, verbose_name=_("award kind"), on_delete=models.PROTECT
    )
    period = models.ForeignKey(
        EmulationPeriod, verbose_name=_("period"), on_delete=models.PROTECT
    )
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    item = models.OneToOneField(
        NominationItem,
        verbose_name=_("nominated candidate"),
        on_delete=models.PROTECT,
        related_name="award",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
    )
    recipient_name = models.CharField(
        _("recipient"),
        max_length=255,
        help_text=_("The name as it stood on the decision."),
    )
    occasion_on = models.DateField(_("occasion"), null=True, blank=True)
    verification_code = models.CharField(
        _("verification code"),
        max_length=32,
        unique=True,
        default=new_verification_code,
        editable=False,
    )
    revoked_at = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Copies kept by database triggers (migration 0002), for the register:
    # the path of the recipient's organization (the member's, as it is
    # now) and the decision's date (a decision does not change once issued).
    recipient_path = models.CharField(
        max_length=255, null=True, blank=True, editable=False
    )
    signed_on = models.DateField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["recipient_path", "signed_on"])
    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-decision__signed_on", "recipient_name", "id"]
        indexes = [
            models.Index(fields=["kind", "period"]),
            # The register: newest decisions first, then by name.
            models.Index(
                fields=["-signed_on", "recipient_name", "id"],
                name="award_register_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, organization__isnull=True)
                | Q(member__isnull=True, organization__isnull=False),
                name="award_has_one_recipient",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="award_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} – {self.recipient_name} ({self.decision})"

    def get_absolute_url(self) -> str:
        return reverse("awards:award_detail", args=[self.pk])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def recipient(self) -> Member | Organization:
        return self.member if self.member_id else self.organization
