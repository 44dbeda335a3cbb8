"""Runs of consecutive excellent years per member, kept by triggers.

PostgreSQL: statement-level triggers (one recount of the affected members'
runs per statement, whatever its size); SQLite: row-level ones. A run is
recounted from the member's excellent ratings (gaps and islands: year minus
its rank is constant along a run); a member who changes organization takes
the runs along. The backfill counts what exists.
"""

import django.db.models.deletion
from django.db import migrations, models

RUNS_OF = """
    SELECT x.member_id, m.organization_id, MIN(x.year), MAX(x.year)
    FROM (
        SELECT r.member_id, r.year,
               r.year - ROW_NUMBER() OVER (
                   PARTITION BY r.member_id ORDER BY r.year
               ) AS island
        FROM committees_rating r
        WHERE r.grade = 'excellent' AND r.member_id IN ({members})
    ) x
    JOIN committees_member m ON m.id = x.member_id
    GROUP BY x.member_id, m.organization_id, x.island"""

INSERT = (
    "INSERT INTO committees_excellentrun "
    "(member_id, organization_id, first_year, last_year) "
)


def _recount(members):
    return (
        f"DELETE FROM committees_excellentrun WHERE member_id IN ({members}); "
        + INSERT
        + RUNS_OF.format(members=members)
        + ";"
    )


def _postgres_function(name, members):
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_recount(members)}
    RETURN NULL;
END $$;"""


AFFECTED = {
    "insert": "SELECT member_id FROM new_rows WHERE member_id IS NOT NULL",
    "delete": "SELECT member_id FROM old_rows WHERE member_id IS NOT NULL",
    "update": (
        "SELECT member_id FROM new_rows WHERE member_id IS NOT NULL "
        "UNION SELECT member_id FROM old_rows WHERE member_id IS NOT NULL"
    ),
}
REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}

POSTGRES_FORWARD = ""
for _event, _members in AFFECTED.items():
    POSTGRES_FORWARD += _postgres_function(f"committees_runs_{_event}", _members)
    POSTGRES_FORWARD += f"""
CREATE TRIGGER committees_rating_runs_{_event} AFTER {_event.upper()}
    ON committees_rating {REFERENCING[_event]}
    FOR EACH STATEMENT EXECUTE FUNCTION committees_runs_{_event}();"""
POSTGRES_FORWARD += """
CREATE FUNCTION committees_runs_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE committees_excellentrun x SET organization_id = n.organization_id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE x.member_id = n.id AND o.organization_id <> n.organization_id;
    RETURN NULL;
END $$;
CREATE TRIGGER committees_member_runs_moved AFTER UPDATE ON committees_member
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION committees_runs_moved();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER committees_member_runs_moved ON committees_member;
DROP FUNCTION committees_runs_moved();
""" + "".join(
    f"DROP TRIGGER committees_rating_runs_{e} ON committees_rating; "
    f"DROP FUNCTION committees_runs_{e}();"
    for e in AFFECTED
)

SQLITE_FORWARD = [
    "CREATE TRIGGER committees_rating_runs_insert AFTER INSERT ON "
    "committees_rating WHEN NEW.member_id IS NOT NULL BEGIN "
    f"{_recount('NEW.member_id')} END;",
    "CREATE TRIGGER committees_rating_runs_delete AFTER DELETE ON "
    "committees_rating WHEN OLD.member_id IS NOT NULL BEGIN "
    f"{_recount('OLD.member_id')} END;",
    "CREATE TRIGGER committees_rating_runs_update AFTER UPDATE OF member_id, "
    "year, grade ON committees_rating BEGIN "
    f"{_recount('OLD.member_id')} {_recount('NEW.member_id')} END;",
    "CREATE TRIGGER committees_member_runs_moved AFTER UPDATE OF organization_id "
    "ON committees_member WHEN NEW.organization_id <> OLD.organization_id BEGIN "
    "UPDATE committees_excellentrun SET organization_id = NEW.organization_id "
    "WHERE member_id = NEW.id; END;",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER {name}"
    for name in (
        "committees_rating_runs_insert",
        "committees_rating_runs_delete",
        "committees_rating_runs_update",
        "committees_member_runs_moved",
    )
]
BACKFILL = INSERT + RUNS_OF.format(
    members="SELECT member_id FROM committees_rating WHERE member_id IS NOT NULL"
)


class Triggers(migrations.RunSQL):
    def __init__(self):
        super().__init__(sql="", reverse_sql="")

    def _run(self, schema_editor, statements):
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            self._run(schema_editor, POSTGRES_FORWARD)
        elif vendor == "sqlite":
            self._run(schema_editor, SQLITE_FORWARD)
        if vendor in ("postgresql", "sqlite"):
            self._run(schema_editor, BACKFILL)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            self._run(schema_editor, POSTGRES_BACKWARD)
        elif vendor == "sqlite":
            self._run(schema_editor, SQLITE_BACKWARD)

    def describe(self):
        return "Triggers that keep the runs of excellent years"


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0010_tally_member_deletes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExcellentRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "first_year",
                    models.PositiveSmallIntegerField(verbose_name="first year"),
                ),
                (
                    "last_year",
                    models.PositiveSmallIntegerField(verbose_name="last year"),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="committees.member",
                        verbose_name="party member",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="committees.organization",
                        verbose_name="organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "run of excellent years",
                "verbose_name_plural": "runs of excellent years",
                "indexes": [
                    models.Index(
                        fields=["organization", "last_year"], name="run_org_idx"
                    ),
                    models.Index(
                        fields=["last_year", "first_year"], name="run_years_idx"
                    ),
                ],
            },
        ),
        Triggers(),
    ]
