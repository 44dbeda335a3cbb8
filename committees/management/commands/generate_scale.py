"""``manage.py generate_scale --scale tiny|province|nation [--seed N]``.

Fills an empty database with a generated province or nation for the
benchmark (``bench/generate.py`` says what and how). PostgreSQL only, except
``tiny``, which the test suite also runs on SQLite.
"""

from __future__ import annotations

from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import generate


class Command(BaseCommand):
    help = "Generate a realistic dataset (tiny, province or nation) for the benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(generate.SHAPES), required=True)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the data is generated as of (YYYY-MM-DD; default today).",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="Do not run migrate first (the tables exist already).",
        )

    def handle(self, *args, **options):
        scale = options["scale"]
        if connection.vendor != "postgresql" and scale != "tiny":
            raise CommandError(
                f"The {scale} scale loads with PostgreSQL's COPY: set DATABASE_URL "
                "to an empty PostgreSQL database (only --scale tiny runs on "
                f"{connection.vendor})."
            )
        if not options["no_migrate"]:
            call_command("migrate", verbosity=0, interactive=False)
        found = generate.database_is_empty()
        if found:
            raise CommandError(
                "The database is not empty (it holds "
                + ", ".join(found)
                + "): generate_scale only fills an empty database. Create a new "
                "one (createdb) and point DATABASE_URL to it."
            )

        def say(text: str) -> None:
            self.stdout.write(text)
            self.stdout.flush()

        summary = generate.generate(
            scale, seed=options["seed"], today=options["today"], say=say
        )
        rows = sum(summary.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated the {scale} scale (seed {summary.seed}): {rows:,} rows "
                f"in {summary.seconds:.0f} s."
            )
        )
        for name, count in sorted(summary.rows.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {name}: {count:,}")
        if summary.database_bytes is not None:
            self.stdout.write(
                f"Database size: {summary.database_bytes / 1024**3:.2f} GiB"
            )
