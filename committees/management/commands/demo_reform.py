"""``manage.py demo_reform``: replay the 2025 reform on the demo provinces.

Run it after ``load_demo``; a second run changes nothing. Then compare the
tree on 14 January 2025 and on 1 October 2025:
``/organizations/?on=2025-01-14`` and ``/organizations/?on=2025-10-01``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from committees.demo.reform import NEW_PROVINCE_CODE, replay_reform


class Command(BaseCommand):
    help = (
        "Replay the reform of 1 July 2025 on the demo (district level "
        "abolished, Bac Giang and Bac Ninh merged) through the restructuring "
        "services. Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = replay_reform(stdout=self.stdout)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not summary.replayed:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Reform replayed in {summary.seconds:.1f} s: "
                f"{summary.restructurings} restructurings; the new province is "
                f"{NEW_PROVINCE_CODE}."
            )
        )
        if summary.congress:
            self.stdout.write(f"Scheduled: {summary.congress}.")
        base = settings.PORTAL_BASE_URL
        self.stdout.write(f"Before: {base}/organizations/?on=2025-01-14")
        self.stdout.write(f"After:  {base}/organizations/?on=2025-10-01")
