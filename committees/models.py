"""Party organizations, members, positions, terms and annual quality ratings.

Business rules that change state live in ``services.py``; reads that pages
share live in ``selectors.py``. Models carry fields, constraints, the scope
of each row (``visible_to``) and small pure helpers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from portal.access import ScopedQuerySet, scope_path
from portal.models import TimeStampedModel

from .text import fold

# ---------------------------------------------------------------- organizations


class OrganizationKind(models.TextChoices):
    PROVINCE = "province", _("Provincial Party Committee")
    DISTRICT = "district", _("District-level party committee")
    DIRECT = "direct", _("Party committee directly under the province")
    COMMUNE = "commune", _("Commune or ward party committee")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots party committee")
    GRASSROOTS_CELL = "grassroots_cell", _("Grassroots party cell")
    PARTIAL_COMMITTEE = "partial_committee", _("Partial party committee")
    CELL = "cell", _("Party cell")
    PARTY_GROUP = "party_group", _("Party group")


class Level(models.TextChoices):
    """The congress levels of Directive 45-CT/TW, lower first."""

    GRASSROOTS = "grassroots", _("Grassroots")
    DISTRICT = "district", _("Above grassroots, communes and wards")
    PROVINCE = "province", _("Province")


K = OrganizationKind

#: Which kinds may hold which (None: a root). A cell cannot hold a committee;
#: a party group sits in a cell.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str | None]] = {
    K.PROVINCE: frozenset({None}),
    K.DISTRICT: frozenset({K.PROVINCE}),
    K.DIRECT: frozenset({K.PROVINCE}),
    K.COMMUNE: frozenset({K.PROVINCE}),
    K.GRASSROOTS_COMMITTEE: frozenset({K.DISTRICT, K.DIRECT, K.COMMUNE}),
    K.GRASSROOTS_CELL: frozenset({K.DISTRICT, K.DIRECT, K.COMMUNE}),
    K.PARTIAL_COMMITTEE: frozenset({K.GRASSROOTS_COMMITTEE, K.COMMUNE}),
    # Since 1 July 2025 a commune committee holds its villages' cells directly
    # (Regulation 294-QĐ/TW): former grassroots committees of communes
    # became commune committees with their cells.
    K.CELL: frozenset({K.GRASSROOTS_COMMITTEE, K.PARTIAL_COMMITTEE, K.COMMUNE}),
    K.PARTY_GROUP: frozenset({K.CELL, K.GRASSROOTS_CELL}),
}

LEVEL_OF_KIND: dict[str, str] = {
    K.PROVINCE: Level.PROVINCE,
    K.DISTRICT: Level.DISTRICT,
    K.DIRECT: Level.DISTRICT,
    K.COMMUNE: Level.DISTRICT,
    K.GRASSROOTS_COMMITTEE: Level.GRASSROOTS,
    K.GRASSROOTS_CELL: Level.GRASSROOTS,
    K.PARTIAL_COMMITTEE: Level.GRASSROOTS,
    K.CELL: Level.GRASSROOTS,
    K.PARTY_GROUP: Level.GRASSROOTS,
}

#: The grassroots organizations: ratings are finalized per one of these.
GRASSROOTS_KINDS = frozenset({K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL})
#: Organizations that finalize their members' ratings: the grassroots ones,
#: and since 1 July 2025 commune committees for the cells they hold directly.
RATING_UNIT_KINDS = GRASSROOTS_KINDS | {K.COMMUNE}
#: Kinds whose members are recorded directly (members belong to a cell).
MEMBER_HOLDING_KINDS = frozenset({K.CELL, K.GRASSROOTS_CELL})


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged")
    DISSOLVED = "dissolved", _("Dissolved")


class OrganizationQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    scope_paths = ("path",)

    def active(self) -> OrganizationQuerySet:
        return self.filter(status=OrganizationStatus.ACTIVE)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node, TimeStampedModel):
    """A party organization in the tree (materialized path, steps of 4)."""

    name = models.CharField(_("name"), max_length=255)
    search_key = models.CharField(max_length=255, editable=False, db_index=True)
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9._-]*$",
                _("Use capital letters, digits, dots, dashes and underscores."),
            )
        ],
        help_text=_("Short unique code, e.g. TU-BG or HU-HH."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrganizationStatus,
        default=OrganizationStatus.ACTIVE,
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("Date it was merged or dissolved."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text=_("What it became when it was merged (its successor)."),
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(excluded_fields=["numchild", "search_key"])
    objects = OrganizationManager()

    node_order_by: list[str] = []

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            models.Index(fields=["kind", "status"]),
            # The ended organizations, left out of the tree as of a day
            # (``restructuring_selectors._DayShape``).
            models.Index(
                fields=["status"],
                condition=~Q(status=OrganizationStatus.ACTIVE),
                name="organization_ended_idx",
            ),
            # The top levels of the tree (the dated tree's first page).
            models.Index(fields=["depth", "path"], name="organization_depth_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(ended_on__gte=F("established_on")),
                name="organization_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(status=OrganizationStatus.ACTIVE)
                | Q(ended_on__isnull=False),
                name="organization_ended_has_end_date",
                violation_error_message=_(
                    "A merged or dissolved organization needs its end date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("committees:organization_detail", args=[self.pk])

    @property
    def level(self) -> str:
        return LEVEL_OF_KIND[self.kind]

    @property
    def is_active(self) -> bool:
        return self.status == OrganizationStatus.ACTIVE

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]

    def ancestor_paths(self, include_self: bool = False) -> list[str]:
        """Paths of the ancestors, root first: no query needed."""
        end = self.depth if include_self else self.depth - 1
        return [self.path[: self.steplen * d] for d in range(1, end + 1)]

    def contains(self, other: Organization) -> bool:
        return other.path.startswith(self.path)


# ---------------------------------------------------------------- terms


class Term(TimeStampedModel):
    """A term of office (nhiệm kỳ), e.g. 2020–2025; 2025–2027 for cells."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="term_ends_after_it_starts",
                violation_error_message=_("A term must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


# ---------------------------------------------------------------- members


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary")
    OFFICIAL = "official", _("Official")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DECEASED = "deceased", _("Deceased")
    EXPELLED = "expelled", _("Expelled")
    REMOVED = "removed", _("Removed from the rolls")


#: Members in the party's ranks (counted, rated, eligible).
ACTIVE_MEMBER_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL)

card_number_validator = RegexValidator(
    r"^[0-9][0-9.]{4,14}[0-9]$",
    _("A party card number has 6 to 16 digits (dots allowed)."),
)
citizen_id_validator = RegexValidator(
    r"^[0-9]{12}$", _("A citizen ID number has exactly 12 digits.")
)


class MemberQuerySet(ScopedQuerySet):
    scope_paths = ("organization__path",)

    def active(self) -> MemberQuerySet:
        return self.filter(status__in=ACTIVE_MEMBER_STATUSES)

    def search(self, text: str, *, scope_first: bool = False) -> MemberQuerySet:
        """Insensitive to case and Vietnamese diacritics; card numbers too.

        By default the trigram index finds the names, which suits the whole
        portal. Inside a scope (``scope_first``: a province holds about 3% of
        the nation's members) reading the scope's members one by one is
        cheaper than the trigram index, whose posting lists for common
        syllables ("tran", "thi") run to millions: the name is then compared
        as an expression the index cannot serve (bench/RESULTS.md).
        """
        key = fold(text)
        if not key:
            return self
        if scope_first:
            by_name = Q(search_text__contains=key)
            found = self.alias(search_text=Concat("search_key", Value("")))
        else:
            by_name, found = Q(search_key__contains=key), self
        return found.filter(by_name | Q(card_number=text.strip()))

    def in_subtree(self, organization: Organization) -> MemberQuerySet:
        return self.filter(organization__path__startswith=organization.path)


class AddDays(Func):
    """``date + days`` in the database."""

    arity = 2
    output_field = models.DateField()
    template = "(%(expressions)s)"
    arg_joiner = " + "

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", ",
            **extra,
        )


#: The badge clock's expression (``Member.Meta.indexes``); the badge list's
#: SQL writes it the same way (``awards.selectors``) so that the index is used.
BADGE_CLOCK = AddDays(F("admitted_on"), F("interrupted_days"))

#: The member's fields kept by ``committees.badge_clock`` and
#: ``awards.badge_clock``, never by a save of the member.
BADGE_CLOCK_FIELDS = frozenset({"interrupted_days", "interrupted_until", "badge_held"})

#: ``Member.interrupted_until`` of a member whose interruption is still open.
OPEN_INTERRUPTION = date(9999, 12, 31)


class Member(TimeStampedModel):
    """A party member (đảng viên)."""

    full_name = models.CharField(_("full name"), max_length=150)
    search_key = models.CharField(max_length=150, editable=False)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender)
    card_number = models.CharField(
        _("party card number"),
        max_length=16,
        unique=True,
        validators=[card_number_validator],
    )
    citizen_id = models.CharField(
        _("citizen ID number"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[citizen_id_validator],
    )
    admitted_on = models.DateField(_("admission date"))
    official_on = models.DateField(_("official date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MemberStatus,
        default=MemberStatus.PROBATIONARY,
    )
    status_changed_on = models.DateField(
        _("status since"),
        null=True,
        blank=True,
        help_text=_("Date of death, expulsion, removal or transfer out."),
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    seriously_ill = models.BooleanField(
        _("seriously ill"),
        default=False,
        help_text=_("Allows a membership badge to be presented early."),
    )
    note = models.TextField(_("note"), blank=True)

    # The badge clock: what the badge list needs of the member's party age
    # and awards, kept by the services that change them
    # (``committees.badge_clock.refresh``, ``awards.badge_clock.refresh``),
    # so that the members reaching a badge between two occasions are an
    # index range instead of a party age computed for every member
    # (bench/RESULTS.md).
    #: days of the closed interruptions after admission
    interrupted_days = models.IntegerField(editable=False, db_default=0)
    #: the last day of the latest interruption (``OPEN_INTERRUPTION``: open)
    interrupted_until = models.DateField(editable=False, null=True)
    #: the years of the highest membership badge held (0: none)
    badge_held = models.PositiveSmallIntegerField(editable=False, db_default=0)
    history = HistoricalRecords(
        excluded_fields=["search_key", *sorted(BADGE_CLOCK_FIELDS)]
    )
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["search_key", "id"]
        indexes = [
            # Lists sorted by name read the index alone (status and
            # organization included): a scope's first page, or the page after
            # a cursor, without visiting the table (bench/RESULTS.md).
            models.Index(
                fields=["search_key", "id"],
                include=["status", "organization"],
                name="member_search_idx",
            ),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "admitted_on"]),
            # Admissions of a year (the dashboard), and the members admitted
            # after a day who are active now (the tree as of that day at the
            # national root), read from the index alone.
            models.Index(
                fields=["admitted_on"],
                include=["organization", "status"],
                name="member_admitted_idx",
            ),
            # Admissions and status changes after a day, per organization
            # (the tree as of that day: ``restructuring_selectors.MEMBERS_ON``).
            models.Index(
                fields=["organization", "admitted_on"],
                name="member_org_admitted_idx",
            ),
            models.Index(
                fields=["organization", "status_changed_on"],
                condition=Q(status_changed_on__isnull=False),
                name="member_status_changed_idx",
            ),
            # The tree as of a day at the national root
            # (``restructuring_selectors.COUNTED_ANYWHERE``): the members whose
            # status changed after the day, and the state of the members
            # placed elsewhere on it, read from indexes alone instead of
            # fetching each from the table (migration 0014).
            models.Index(
                fields=["status_changed_on"],
                include=["organization", "status", "admitted_on"],
                condition=Q(status_changed_on__isnull=False),
                name="member_status_changed_on_idx",
            ),
            models.Index(
                fields=["id"],
                include=["organization", "status", "admitted_on", "status_changed_on"],
                name="member_dated_state_idx",
            ),
            # The badge clock: admission moved forward by the interrupted
            # days; a member reaches X years of party age about X years after
            # it. The members reaching a badge between two occasions, read
            # from the index alone (``awards.selectors.badges_due_page``).
            models.Index(
                BADGE_CLOCK,
                include=[
                    "id",
                    "admitted_on",
                    "seriously_ill",
                    "interrupted_days",
                    "interrupted_until",
                    "badge_held",
                    "organization",
                    "search_key",
                ],
                condition=Q(status__in=["probationary", "official"]),
                name="member_badge_clock_idx",
            ),
            # The members whose badge the clock does not tell: an
            # interruption since the previous occasion, died since
            # (``awards.selectors._clock_page``).
            models.Index(
                fields=["interrupted_until"],
                condition=Q(
                    interrupted_until__isnull=False,
                    status__in=["probationary", "official"],
                ),
                name="member_interrupted_until_idx",
            ),
            models.Index(
                fields=["status_changed_on"],
                condition=Q(status="deceased"),
                name="member_died_on_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(official_on__isnull=True)
                | Q(official_on__gt=F("admitted_on")),
                name="member_official_after_admission",
                violation_error_message=_(
                    "The official date must come after the admission date."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=MemberStatus.OFFICIAL)
                | Q(official_on__isnull=False),
                name="member_official_has_official_date",
                violation_error_message=_("An official member needs an official date."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.full_name)
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The badge clock is written by its refresh alone: a member read
            # before an interruption or an award was recorded must not put
            # the old values back.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in BADGE_CLOCK_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("committees:member_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_MEMBER_STATUSES


class InterruptionReason(models.TextChoices):
    EXPELLED = "expelled", _("Expelled")
    REMOVED = "removed", _("Removed from the rolls")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    TRANSFER_GAP = "transfer_gap", _("Gap during a transfer")
    OTHER = "other", _("Other")


class InterruptionQuerySet(ScopedQuerySet):
    scope_paths = ("member__organization__path",)


class Interruption(TimeStampedModel):
    """A period outside party activity; it does not count in party age."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.CASCADE,
        related_name="interruptions",
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(
        _("until"), null=True, blank=True, help_text=_("Empty while it lasts.")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=InterruptionReason)
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()
    objects = InterruptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("interruption of party activity")
        verbose_name_plural = _("interruptions of party activity")
        ordering = ["started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="interruption_ends_after_it_starts",
                violation_error_message=_("An interruption must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.started_on} – {self.ended_on or '…'}"


# ---------------------------------------------------------------- positions


class Body(models.TextChoices):
    EXECUTIVE = "executive", _("Executive Committee")
    STANDING = "standing", _("Standing Committee")
    INSPECTION = "inspection", _("Inspection Committee")


class Role(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    STANDING_DEPUTY_SECRETARY = "standing_deputy", _("Standing Deputy Secretary")
    DEPUTY_SECRETARY = "deputy", _("Deputy Secretary")
    STANDING_MEMBER = "standing_member", _("Standing Committee member")
    MEMBER = "member", _("Executive Committee member")
    INSPECTION_CHAIR = "inspection_chair", _("Inspection Committee chair")
    INSPECTION_DEPUTY = "inspection_deputy", _("Inspection Committee deputy chair")
    INSPECTION_MEMBER = "inspection_member", _("Inspection Committee member")


#: The order in which a committee is listed, Secretary first.
ROLE_RANK = {role: rank for rank, role in enumerate(Role.values, start=1)}

ROLE_BODIES: dict[str, frozenset[str]] = {
    Role.SECRETARY: frozenset({Body.EXECUTIVE, Body.STANDING}),
    Role.STANDING_DEPUTY_SECRETARY: frozenset({Body.EXECUTIVE, Body.STANDING}),
    Role.DEPUTY_SECRETARY: frozenset({Body.EXECUTIVE, Body.STANDING}),
    Role.STANDING_MEMBER: frozenset({Body.STANDING}),
    Role.MEMBER: frozenset({Body.EXECUTIVE}),
    Role.INSPECTION_CHAIR: frozenset({Body.INSPECTION}),
    Role.INSPECTION_DEPUTY: frozenset({Body.INSPECTION}),
    Role.INSPECTION_MEMBER: frozenset({Body.INSPECTION}),
}


class PositionQuerySet(ScopedQuerySet):
    scope_paths = ("organization__path",)

    def current(self, on: date | None = None) -> PositionQuerySet:
        if on is None:
            return self.filter(ended_on__isnull=True)
        return self.filter(started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on)
        )


class Position(TimeStampedModel):
    """A seat in an elected (or appointed) body of an organization for a term."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    body = models.CharField(_("body"), max_length=16, choices=Body)
    role = models.CharField(_("role"), max_length=24, choices=Role)
    rank = models.PositiveSmallIntegerField(editable=False, default=0)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    state_title = models.CharField(
        _("state title"),
        max_length=255,
        blank=True,
        help_text=_("Free text, e.g. Chair of the Provincial People's Council."),
    )

    history = HistoricalRecords(excluded_fields=["rank"])
    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["rank", "started_on", "id"]
        indexes = [
            models.Index(
                fields=["organization", "rank"],
                condition=Q(ended_on__isnull=True),
                name="position_current_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="position_ends_after_it_starts",
                violation_error_message=_("A position must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["organization", "body"],
                condition=Q(role="secretary", ended_on__isnull=True),
                name="position_one_current_secretary",
                violation_error_message=_(
                    "This body already has a current Secretary: end that "
                    "position first."
                ),
            ),
            models.UniqueConstraint(
                fields=["member", "organization", "body"],
                condition=Q(ended_on__isnull=True),
                name="position_one_current_seat_per_body",
                violation_error_message=_(
                    "This member already holds a current seat in this body."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} – {self.member} ({self.organization})"

    def save(self, *args, **kwargs):
        self.rank = ROLE_RANK[self.role]
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


# ---------------------------------------------------------------- ratings


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent completion of tasks")
    GOOD = "good", _("Good completion of tasks")
    COMPLETED = "completed", _("Completion of tasks")
    NOT_COMPLETED = "not_completed", _("Non-completion of tasks")


class Regulation(TimeStampedModel):
    """The rating rules in force from a year on (132-QĐ/TW, 124-QĐ/TW, …)."""

    code = models.CharField(_("regulation"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    effective_from_year = models.PositiveSmallIntegerField(
        _("applies from year"), unique=True
    )
    excellent_quota_percent = models.DecimalField(
        _("excellent at most, % of good"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "In each grassroots organization the number rated excellent may "
            "not exceed this share of the number rated good."
        ),
    )
    score_excellent_min = models.PositiveSmallIntegerField(
        _("minimum score for excellent"), null=True, blank=True
    )
    score_good_min = models.PositiveSmallIntegerField(
        _("minimum score for good"), null=True, blank=True
    )
    score_completed_min = models.PositiveSmallIntegerField(
        _("minimum score for completion"), null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating regulation")
        verbose_name_plural = _("rating regulations")
        ordering = ["-effective_from_year"]

    def __str__(self) -> str:
        return self.code

    @property
    def uses_score(self) -> bool:
        return self.score_excellent_min is not None

    def grade_for_score(self, score: int) -> str:
        if score >= self.score_excellent_min:
            return Grade.EXCELLENT
        if score >= self.score_good_min:
            return Grade.GOOD
        if score >= self.score_completed_min:
            return Grade.COMPLETED
        return Grade.NOT_COMPLETED


class RatingQuerySet(ScopedQuerySet):
    scope_paths = ("member__organization__path", "organization__path")

    def of_members(self) -> RatingQuerySet:
        return self.filter(member__isnull=False)

    def of_organizations(self) -> RatingQuerySet:
        return self.filter(organization__isnull=False)


class Rating(TimeStampedModel):
    """The annual quality rating of a member or of an organization."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.CASCADE,
        related_name="ratings",
        null=True,
        blank=True,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="ratings",
        null=True,
        blank=True,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=16, choices=Grade)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    regulation = models.ForeignKey(
        Regulation,
        verbose_name=_("regulation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        Organization,
        verbose_name=_("finalized by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("The grassroots organization (or superior) that finalizes it."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()
    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("quality rating")
        verbose_name_plural = _("quality ratings")
        ordering = ["-year", "id"]
        indexes = [
            models.Index(fields=["unit", "year", "grade"]),
            models.Index(fields=["year", "grade"]),
            # Eligibility ("excellent N years in a row"): a member's
            # excellent years, a tenth of all ratings.
            models.Index(
                fields=["member", "year"],
                condition=Q(grade="excellent", member__isnull=False),
                name="rating_excellent_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, organization__isnull=True)
                | Q(member__isnull=True, organization__isnull=False),
                name="rating_has_one_subject",
                violation_error_message=_(
                    "A rating is of a member or of an organization, not both."
                ),
            ),
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=Q(member__isnull=False),
                name="rating_one_per_member_and_year",
                violation_error_message=_("This member is already rated for the year."),
            ),
            models.UniqueConstraint(
                fields=["organization", "year"],
                condition=Q(organization__isnull=False),
                name="rating_one_per_organization_and_year",
                violation_error_message=_(
                    "This organization is already rated for the year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="rating_score_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} – {self.year}: {self.get_grade_display()}"

    @property
    def subject(self) -> Member | Organization:
        return self.member if self.member_id else self.organization


class FinalizationStatus(models.TextChoices):
    FINALIZED = "finalized", _("Finalized")
    REOPENED = "reopened", _("Reopened")


class RatingFinalizationQuerySet(ScopedQuerySet):
    scope_paths = ("unit__path",)


class RatingFinalization(TimeStampedModel):
    """The lock on a unit's ratings for a year, reopened only with a reason."""

    unit = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="rating_finalizations",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=FinalizationStatus,
        default=FinalizationStatus.FINALIZED,
    )
    finalized_at = models.DateTimeField(_("finalized at"))
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finalized by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    history = HistoricalRecords()
    objects = RatingFinalizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating finalization")
        verbose_name_plural = _("rating finalizations")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], name="finalization_one_per_unit_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.year}"

    @property
    def is_locked(self) -> bool:
        return self.status == FinalizationStatus.FINALIZED


# ---------------------------------------------------------------- documents


class DocumentKind(models.TextChoices):
    """The kind of a party document: the middle part of ``381-NQ/TU``."""

    RESOLUTION = "NQ", _("Resolution")
    DIRECTIVE = "CT", _("Directive")
    DISPATCH = "CV", _("Official dispatch")
    DECISION = "QĐ", _("Decision or regulation")
    CONCLUSION = "KL", _("Conclusion")
    NOTICE = "TB", _("Notice")
    GUIDANCE = "HD", _("Guidance")
    CIRCULAR = "TT", _("Circular")
    PLAN = "KH", _("Plan")
    REPORT = "BC", _("Report")


class DocumentCounter(TimeStampedModel):
    """The last number issued for one kind of document, by one committee, in
    one term (numbers restart at 1 for each). ``committees.documents`` locks
    this row to issue the next number."""

    issuer = models.ForeignKey(
        Organization,
        verbose_name=_("issuing organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind of document"), max_length=4, choices=DocumentKind)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="+"
    )
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "kind", "term"], name="document_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} – {self.kind} – {self.term}: {self.last_number}"


class DocumentNumber(models.Model):
    """A number taken, issued in sequence or typed in: a typed number that is
    already here is a duplicate, whatever kind of record carries it."""

    issuer = models.ForeignKey(
        Organization,
        verbose_name=_("issuing organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind of document"), max_length=4, choices=DocumentKind)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("number"))
    typed = models.BooleanField(
        _("typed in"), default=False, help_text=_("Not issued in sequence.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        ordering = ["issuer", "kind", "term", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "kind", "term", "number"],
                name="document_number_unique",
                violation_error_message=_("This document number is already taken."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="document_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}-{self.kind} ({self.issuer}, {self.term})"


# ---------------------------------------------------------------- restructuring

#: The first day anything can have existed: the Party was founded on 3
#: February 1930. The first version of an organization without a known
#: establishment date starts here.
BEGINNING = date(1930, 2, 3)


class RestructuringKind(models.TextChoices):
    MERGE = "merge", _("Merger")
    SPLIT = "split", _("Split")
    DISSOLVE = "dissolve", _("Dissolution")
    MOVE = "move", _("Move")
    RENAME = "rename", _("Renaming")
    CHANGE_KIND = "change_kind", _("Change of kind")


class RestructuringRole(models.TextChoices):
    SOURCE = "source", _("Merged, dissolved, split or left")
    TARGET = "target", _("Received or created")
    MOVED = "moved", _("Moved or changed")


class RestructuringQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RestructuringQuerySet:
        """A restructuring is visible to whoever sees one of the organizations
        it touched (an EXISTS, so that no row comes twice)."""
        prefix = scope_path(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        touched = RestructuringOrganization.objects.filter(
            restructuring=models.OuterRef("pk"),
            organization__path__startswith=prefix,
        )
        return self.filter(models.Exists(touched))


class Restructuring(TimeStampedModel):
    """One merger, split, dissolution, move, renaming or change of kind, as a
    decision ordered it; written by ``committees.restructuring`` only."""

    kind = models.CharField(_("kind"), max_length=16, choices=RestructuringKind)
    effective_on = models.DateField(_("effective on"))
    decision_number = models.CharField(
        _("decision number"),
        max_length=32,
        help_text=_("The number of the decision that ordered it, e.g. 381-QĐ/TU."),
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organizations = models.ManyToManyField(
        Organization,
        through="RestructuringOrganization",
        related_name="restructurings",
        verbose_name=_("organizations"),
    )
    summary = models.JSONField(
        _("summary"),
        default=dict,
        blank=True,
        help_text=_("What moved: counts by kind of record."),
    )

    objects = RestructuringQuerySet.as_manager()

    class Meta:
        verbose_name = _("restructuring")
        verbose_name_plural = _("restructurings")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["effective_on", "id"])]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.decision_number} "
            f"({self.effective_on:%d/%m/%Y})"
        )

    def get_absolute_url(self) -> str:
        return reverse("committees:restructuring_detail", args=[self.pk])

    @property
    def history_reason(self) -> str:
        """The change reason written on the history rows it causes."""
        return f"{self.get_kind_display()} {self.decision_number}"


class RestructuringOrganization(models.Model):
    """An organization a restructuring touched, and how."""

    restructuring = models.ForeignKey(
        Restructuring,
        verbose_name=_("restructuring"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="restructuring_links",
    )
    role = models.CharField(_("role"), max_length=16, choices=RestructuringRole)

    class Meta:
        verbose_name = _("organization of a restructuring")
        verbose_name_plural = _("organizations of restructurings")
        ordering = ["restructuring", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["restructuring", "organization", "role"],
                name="restructuring_organization_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"


class DatedQuerySet(ScopedQuerySet):
    scope_paths = ("organization__path",)

    def on(self, day: date) -> DatedQuerySet:
        """Rows valid on ``day``: from ``valid_from`` (included) to
        ``valid_to`` (excluded; empty while it lasts)."""
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )


class OrganizationVersion(models.Model):
    """An organization's parent, name, kind and status over a period.

    Kept beside the treebeard tree (which is always today's tree) by every
    service that changes one of these: the tree as of a date is read from
    here. ``valid_to`` is the first day of the next version.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until (excluded)"), null=True, blank=True)
    parent = models.ForeignKey(
        Organization,
        verbose_name=_("parent organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind)
    status = models.CharField(_("status"), max_length=16, choices=OrganizationStatus)
    restructuring = models.ForeignKey(
        Restructuring,
        verbose_name=_("restructuring"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The restructuring that began this version, if any."),
    )

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization version")
        verbose_name_plural = _("organization versions")
        ordering = ["organization", "valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "valid_from"],
                name="organization_version_one_per_day",
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(valid_to__isnull=True),
                name="organization_version_one_open",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="organization_version_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.valid_from:%d/%m/%Y} – {self.valid_to or '…'}"


class MemberPlacement(models.Model):
    """The organization a member belonged to over a period.

    Written when a member is created or moved (by a member edit or a
    restructuring); members of an organization that moves in the tree keep
    their placement, since their organization is the same.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.CASCADE,
        related_name="placements",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="placements",
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until (excluded)"), null=True, blank=True)
    restructuring = models.ForeignKey(
        Restructuring,
        verbose_name=_("restructuring"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member placement")
        verbose_name_plural = _("member placements")
        ordering = ["member", "valid_from", "id"]
        indexes = [
            models.Index(fields=["member", "valid_from"]),
            models.Index(fields=["organization", "valid_from"]),
            # Placements that ended after a day, per organization (the tree
            # as of that day).
            models.Index(
                fields=["organization", "valid_to"],
                include=["member"],
                condition=Q(valid_to__isnull=False),
                name="member_placement_closed_idx",
            ),
            # The same for the whole portal, by date (the national root).
            models.Index(
                fields=["valid_to"],
                include=["valid_from", "organization", "member"],
                condition=Q(valid_to__isnull=False),
                name="member_placement_ended_idx",
            ),
            # Closed placements that started between two days (the tree of
            # a day from the nearest anchor: committees.dated_tallies).
            models.Index(
                fields=["valid_from"],
                include=["member"],
                condition=Q(valid_to__isnull=False),
                name="member_placement_began_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(valid_to__isnull=True),
                name="member_placement_one_open",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="member_placement_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.member_id} in {self.organization_id}: "
            f"{self.valid_from} – {self.valid_to or '…'}"
        )


# ---------------------------------------------------------------- tallies


class MemberTally(models.Model):
    """The members of one organization (its own, not its subtree's) by
    status: the dashboard, the tree and the member list add these up over a
    subtree instead of counting members (5.6 million at the scale of the
    nation).

    Kept by database triggers on ``Member`` (migration 0007), so that every
    way of writing members keeps it right: the services, the import's
    ``bulk_create``, the restructuring's queryset updates, the admin.
    ``committees.tallies.rebuild`` recounts it; ``differences`` compares.
    """

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="member_tally",
    )
    probationary = models.IntegerField(_("probationary"), db_default=0)
    official = models.IntegerField(_("official"), db_default=0)
    transferred_out = models.IntegerField(_("transferred out"), db_default=0)
    deceased = models.IntegerField(_("deceased"), db_default=0)
    expelled = models.IntegerField(_("expelled"), db_default=0)
    removed = models.IntegerField(_("removed from the rolls"), db_default=0)

    class Meta:
        verbose_name = _("member tally")
        verbose_name_plural = _("member tallies")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.probationary + self.official}"


class RatingTally(models.Model):
    """The ratings of a year of the members of one organization (counted
    where each member is now, as ``Rating.visible_to`` places them), by
    grade. Kept by database triggers on ``Rating`` and ``Member`` (a member
    who moves takes their ratings along)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="rating_tallies",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    excellent = models.IntegerField(_("excellent"), db_default=0)
    good = models.IntegerField(_("good"), db_default=0)
    completed = models.IntegerField(_("completed"), db_default=0)
    not_completed = models.IntegerField(_("not completed"), db_default=0)

    class Meta:
        verbose_name = _("rating tally")
        verbose_name_plural = _("rating tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="rating_tally_unique"
            )
        ]
        indexes = [models.Index(fields=["year", "organization"])]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}"


class DatedTallyDay(models.Model):
    """An anchor day of the dated tallies (the first day of a month) and
    whether its ``DatedTally`` rows hold: database triggers on ``Member`` and
    ``MemberPlacement`` (migration 0015) mark every anchor on or after the
    earliest day a change reaches (a back-dated admission, death or move) as
    not valid; ``committees.dated_tallies.refresh`` counts it again. A change
    dated today reaches no anchor before today."""

    day = models.DateField(_("day"), primary_key=True)
    valid = models.BooleanField(_("valid"), default=False)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dated tally day")
        verbose_name_plural = _("dated tally days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} ({'valid' if self.valid else 'stale'})"


class DatedTally(models.Model):
    """The active members of one organization (its own) on an anchor day,
    as ``restructuring_selectors.members_on`` counts them: the tree of a day
    at the national root starts from the nearest anchor's rows and corrects
    them by the members changed between the two days, instead of going back
    from today over every change since (``committees.dated_tallies``)."""

    day = models.DateField(_("day"))
    # Only organizations with members on the day have rows, and members are
    # deleted before their organization (which invalidates the day): no
    # cascade, no index of its own, nothing to wait on.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    active = models.IntegerField(_("active members"))

    class Meta:
        verbose_name = _("dated tally")
        verbose_name_plural = _("dated tallies")
        constraints = [
            # A day's rows read from the index alone (the national root).
            models.UniqueConstraint(
                fields=["day", "organization"],
                include=["active"],
                name="dated_tally_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} on {self.day}: {self.active}"


# ---------------------------------------------------------------- transfers

#: A transfer letter must be presented at the receiving organization within
#: this many days of its date (DOMAIN.md §3); after that it is overdue.
TRANSFER_DUE_DAYS = 30


class TransferKind(models.TextChoices):
    OFFICIAL = "official", _("Official transfer")
    TEMPORARY = "temporary", _("Temporary transfer")
    INTERNAL = "internal", _("Move within the scope")


class TransferStatus(models.TextChoices):
    ISSUED = "issued", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


class TransferQuerySet(ScopedQuerySet):
    """A transfer is seen by both sides: whoever sees the sending
    organization and whoever sees the receiving one. The receiving side
    sees the transferred member only through the transfer (``Member`` stays
    scoped by the member's organization, the sender's until acceptance)."""

    scope_paths = ("from_organization__path", "to_organization__path")

    def pending(self) -> TransferQuerySet:
        return self.filter(status=TransferStatus.ISSUED)

    def overdue(self, today: date) -> TransferQuerySet:
        return self.filter(status=TransferStatus.ISSUED, due_on__lt=today)


class Transfer(TimeStampedModel):
    """A member's transfer of party activity (chuyển sinh hoạt đảng).

    Official: the sending organization issues a letter; the member stays on
    its roll until the receiving organization accepts (the member moves) or
    returns it. Temporary: the member attends elsewhere for a while and
    stays on the sending roll. Internal: a move within one scope, recorded
    as accepted on its effective date. Written by ``committees.transfers``
    only.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TransferKind)
    from_organization = models.ForeignKey(
        Organization,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    issuer = models.ForeignKey(
        Organization,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The grassroots organization that issued the letter."),
    )
    letter_number = models.CharField(_("letter number"), max_length=32, blank=True)
    letter_serial = models.PositiveIntegerField(null=True, blank=True, editable=False)
    letter_year = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    letter_date = models.DateField(_("letter date"), null=True, blank=True)
    due_on = models.DateField(
        _("to be accepted by"),
        null=True,
        blank=True,
        help_text=_("The letter date plus 30 days."),
    )
    effective_on = models.DateField(
        _("effective on"),
        null=True,
        blank=True,
        help_text=_(
            "The day the member joined the receiving organization (for a "
            "temporary transfer, the first day of attendance there)."
        ),
    )
    ends_on = models.DateField(
        _("until"),
        null=True,
        blank=True,
        help_text=_("The last day of a temporary transfer."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TransferStatus,
        default=TransferStatus.ISSUED,
    )
    reason = models.TextField(_("reason"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(
        _("reason for returning or cancelling"), blank=True
    )

    history = HistoricalRecords(excluded_fields=["letter_serial", "letter_year"])
    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="transfer_status_due_idx"),
            models.Index(fields=["member", "status"], name="transfer_member_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="issued"),
                name="transfer_one_pending_per_member",
                violation_error_message=_(
                    "This member already has a transfer awaiting acceptance."
                ),
            ),
            models.UniqueConstraint(
                fields=["issuer", "letter_year", "letter_serial"],
                condition=Q(letter_serial__isnull=False),
                name="transfer_letter_number_unique",
                violation_error_message=_(
                    "This letter number is already taken for the year."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(from_organization=F("to_organization")),
                name="transfer_goes_somewhere",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(ends_on__gte=F("effective_on")),
                name="transfer_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        number = f" {self.letter_number}" if self.letter_number else ""
        return f"{self.get_kind_display()}{number}: {self.member}"

    def get_absolute_url(self) -> str:
        return reverse("committees:transfer_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == TransferStatus.ISSUED

    def is_overdue(self, today: date) -> bool:
        return self.is_pending and self.due_on is not None and self.due_on < today


class ExcellentRun(models.Model):
    """A member's run of consecutive years rated excellent (2020–2024 is one
    run of five), at the member's organization now: "excellent N years in a
    row" is one indexed look-up here instead of a window over every rating
    of a province (``awards.selectors.consecutive_excellent_members``).

    Kept by database triggers on ``Rating`` and ``Member`` (migration 0011),
    like the tallies; ``committees.tallies.rebuild`` recomputes them.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("party member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # run_org_idx begins with it
    )
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))

    class Meta:
        verbose_name = _("run of excellent years")
        verbose_name_plural = _("runs of excellent years")
        indexes = [
            models.Index(fields=["organization", "last_year"], name="run_org_idx"),
            models.Index(fields=["last_year", "first_year"], name="run_years_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.first_year}–{self.last_year}"
