"""``manage.py load_demo``: the demo provinces and their accounts (``make run``).

Idempotent: each province is built only when it is missing (codes TU-BG and
TU-BN); the accounts are created when missing and keep their password unless
``--reset-passwords``; then the demo data of later apps is loaded
(``committees.demo.extensions``). ``manage.py demo_reform`` then replays the
reform of 1 July 2025 on them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from committees import dated_tallies
from committees.demo import (
    build_demo,
    ensure_demo_accounts,
    run_demo_extensions,
)
from committees.demo.builder import SEED


class Command(BaseCommand):
    help = (
        "Load the demo provinces (Bac Giang and Bac Ninh Provincial Party "
        "Committees, January 2025) and the demo accounts. Running it again adds "
        "nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the password of existing demo accounts to DEMO_PASSWORD.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=SEED,
            help="Random seed of the generated data (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        summary = build_demo(stdout=self.stdout, seed=options["seed"])
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo province loaded in {summary.seconds:.1f} s: "
                    f"{summary.organizations:,} organizations, "
                    f"{summary.members:,} members, {summary.ratings:,} ratings, "
                    f"{summary.positions:,} positions, "
                    f"{summary.interruptions:,} interruptions, "
                    f"{summary.finalizations:,} finalizations."
                )
            )
        else:
            self.stdout.write(
                f"Nothing added: {summary.organizations:,} organizations, "
                f"{summary.members:,} members."
            )
        accounts = ensure_demo_accounts(reset_passwords=options["reset_passwords"])
        run_demo_extensions(stdout=self.stdout)
        # The first days of months the tree of a past day starts from (the
        # beat keeps them; only those a change has reached are counted).
        counted = dated_tallies.refresh()
        if counted:
            self.stdout.write(f"Dated tallies: {len(counted)} first days of months.")

        self.stdout.write("")
        self.stdout.write(f"Portal: {settings.PORTAL_BASE_URL}/")
        width = max((len(a.username) for a in accounts), default=0)
        for account in accounts:
            if account.is_superuser:
                what = "superuser: everything, and the Django admin"
            else:
                roles = ", ".join(account.roles) or "no role"
                what = f"{account.scope}: {roles}"
            note = "" if account.password_set else " (password kept)"
            self.stdout.write(f"  {account.username:<{width}}  {what}{note}")
        self.stdout.write(f"Password: {settings.DEMO_PASSWORD}")
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.")
