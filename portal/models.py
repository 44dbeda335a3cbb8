from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PortalUserManager(UserManager):
    def get_queryset(self):
        # The scope organization is read on every request (access checks):
        # load it with the user instead of one more query.
        return super().get_queryset().select_related("scope")


class User(AbstractUser):
    """A member of staff, working inside the subtree of one organization."""

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    reminders_enabled = models.BooleanField(
        _("Email me reminders"),
        default=True,
        help_text=_("Deadline reminders by email, at most one digest a day."),
    )
    scope = models.ForeignKey(
        "committees.Organization",
        verbose_name=_("scope organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_(
            "The user sees and changes this organization and everything below "
            "it. Empty only for superusers."
        ),
    )

    objects = PortalUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(scope__isnull=False),
                name="user_scope_required_unless_superuser",
                violation_error_message=_(
                    "Every user except a superuser needs a scope organization."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username


# ---------------------------------------------------------------- notices (outbox)


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Notice(models.Model):
    """One line of a reminder digest, written before anything is sent.

    The outbox of Healthchecks' ``sendalerts``: a sweep writes the row (its
    ``dedupe_key`` makes a second sweep write nothing), a sender claims it
    with a conditional ``UPDATE … WHERE status = 'pending'`` and marks it
    sent. ``topic`` is what it is about (a congress milestone, a badge
    occasion); ``payload`` is what the digest line shows, so that sending
    needs nothing but this row.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("about (id)"))
    topic = GenericForeignKey("content_type", "object_id")
    dedupe_key = models.CharField(
        _("key"),
        max_length=200,
        help_text=_("What makes this notice unique for its recipient."),
    )
    payload = models.JSONField(_("content"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NoticeStatus,
        default=NoticeStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claim_token = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    digest = models.ForeignKey(
        "Digest",
        verbose_name=_("email"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notice_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="notice_topic_idx"),
            # The sender's and the sweep's scans: pending rows by age.
            models.Index(fields=["status", "created_at"], name="notice_status_idx"),
            models.Index(fields=["recipient", "status"], name="notice_recipient_idx"),
            models.Index(fields=["claim_token"], name="notice_claim_idx"),
        ]

    def __str__(self) -> str:
        return self.payload.get("title") or self.dedupe_key


class DigestStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Waiting to retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Digest(models.Model):
    """The one reminder email of a recipient on a day (unique per day).

    Its ``message_id`` is chosen and stored before the SMTP conversation, so
    that a send interrupted by a crash is completed with the same Message-ID
    (see ``portal/notices.py`` for the guarantees).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="digests",
    )
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=16, choices=DigestStatus, default=DigestStatus.SENDING
    )
    message_id = models.CharField(_("message id"), max_length=255)
    claim_token = models.CharField(max_length=64, editable=False)
    task_id = models.CharField(max_length=255, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"))
    retry_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder email")
        verbose_name_plural = _("reminder emails")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day"], name="digest_one_per_recipient_and_day"
            )
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="digest_status_idx")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day:%d/%m/%Y}"
