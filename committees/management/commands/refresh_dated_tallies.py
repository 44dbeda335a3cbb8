"""``manage.py refresh_dated_tallies``: count again the first days of months
the tree of a past day starts from (``committees.dated_tallies``), as the
beat does; ``--all`` counts every one, valid or not (after data were
repaired around the services and their triggers)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from committees import dated_tallies


class Command(BaseCommand):
    help = (
        "Count the members of each organization on the first days of the last "
        f"{dated_tallies.ANCHOR_MONTHS} months again where a change dated back "
        "reached them (--all: every one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Count every day, valid or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        days = dated_tallies.refresh(recount=options["all"])
        self.stdout.write(
            f"{len(days)} days counted in {time.perf_counter() - started:.1f} s."
        )
