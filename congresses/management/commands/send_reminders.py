"""Run one reminder sweep now and send the digests in this process."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congresses.reminders import plan_milestone_reminders, sweep_milestone_reminders
from portal import notices
from portal.tasks import send_digest


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today wants YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Sweep the milestones for crossed reminder thresholds now and send "
        "the digests synchronously (no worker needed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be sent to whom; write and send nothing.",
        )
        parser.add_argument(
            "--today",
            type=_date,
            help="Sweep as if today were this date (YYYY-MM-DD).",
        )

    def handle(self, *args, dry_run: bool = False, today: date | None = None, **opts):
        today = today or timezone.localdate()
        if dry_run:
            planned = plan_milestone_reminders(today=today)
            for notice in planned:
                payload = notice.payload
                self.stdout.write(
                    f"{notice.recipient.email}: {payload['organization']} — "
                    f"{payload['title']} — "
                    f"{date.fromisoformat(payload['due_on']):%d/%m/%Y} "
                    f"(threshold {payload['threshold']:+d})"
                )
            recipients = {n.recipient_id for n in planned}
            self.stdout.write(
                f"Dry run for {today:%d/%m/%Y}: {len(planned)} notices for "
                f"{len(recipients)} recipients would be written; nothing was."
            )
            return
        result = sweep_milestone_reminders(today=today, enqueue=False)
        recipients = set(notices.pending_recipients()) | notices.recipients_to_requeue()
        outcomes = [
            send_digest.apply((recipient_id,), throw=False).result
            for recipient_id in sorted(recipients)
        ]
        sent = sum(1 for o in outcomes if isinstance(o, str) and o.startswith("sent"))
        failed = sum(1 for o in outcomes if o == "failed" or isinstance(o, Exception))
        self.stdout.write(
            f"Sweep of {today:%d/%m/%Y}: {result.written} notices written, "
            f"{result.cancelled} cancelled; {sent} emails sent, {failed} failed."
        )
