"""Tallies of members by status and of member ratings by grade, per
organization, kept by database triggers (see ``MemberTally``).

PostgreSQL: statement-level triggers with transition tables, so that a COPY
or a bulk insert of 200,000 members costs one aggregate, not 200,000 row
triggers; rows are upserted in organization order (no deadlock between two
writers). SQLite: row-level triggers with upserts. Both count the same
things: ``committees.tallies.rebuild`` recounts from scratch (the backfill
below), ``committees.tallies.differences`` compares.
"""

import django.db.models.deletion
from django.db import migrations, models

STATUSES = (
    "probationary",
    "official",
    "transferred_out",
    "deceased",
    "expelled",
    "removed",
)
GRADES = ("excellent", "good", "completed", "not_completed")


def _sums(columns, value_column, sign):
    return ", ".join(
        f"SUM(CASE WHEN {value_column} = '{c}' THEN {sign} ELSE 0 END) AS {c}"
        for c in columns
    )


def _adds(columns):
    return ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in columns)


def _nonzero(columns):
    return " OR ".join(f"{c} <> 0" for c in columns)


S_COLS = ", ".join(STATUSES)
G_COLS = ", ".join(GRADES)


def _member_statement(changes):
    return f"""
    INSERT INTO committees_membertally AS t (organization_id, {S_COLS})
    SELECT * FROM (
        SELECT organization_id, {_sums(STATUSES, "status", "d")}
        FROM ({changes}) changes
        GROUP BY organization_id
    ) deltas
    WHERE {_nonzero(STATUSES)}
    ORDER BY organization_id
    ON CONFLICT (organization_id) DO UPDATE SET {_adds(STATUSES)};"""


def _rating_statement(changes):
    return f"""
    INSERT INTO committees_ratingtally AS t (organization_id, year, {G_COLS})
    SELECT * FROM (
        SELECT m.organization_id, c.year, {_sums(GRADES, "c.grade", "c.d")}
        FROM ({changes}) c
        JOIN committees_member m ON m.id = c.member_id
        GROUP BY m.organization_id, c.year
    ) deltas
    WHERE {_nonzero(GRADES)}
    ORDER BY organization_id, year
    ON CONFLICT (organization_id, year) DO UPDATE SET {_adds(GRADES)};"""


MEMBERS_IN = "SELECT organization_id, status, 1 AS d FROM new_rows"
MEMBERS_OUT = "SELECT organization_id, status, -1 AS d FROM old_rows"
RATINGS_IN = (
    "SELECT member_id, year, grade, 1 AS d FROM new_rows WHERE member_id IS NOT NULL"
)
RATINGS_OUT = (
    "SELECT member_id, year, grade, -1 AS d FROM old_rows WHERE member_id IS NOT NULL"
)

POSTGRES_FORWARD = f"""
CREATE FUNCTION committees_member_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_member_statement(MEMBERS_IN)}
    ELSIF TG_OP = 'DELETE' THEN{_member_statement(MEMBERS_OUT)}
    ELSE{_member_statement(f"{MEMBERS_IN} UNION ALL {MEMBERS_OUT}")}
        -- Members who changed organization take their ratings along.
        INSERT INTO committees_ratingtally AS t (organization_id, year, {G_COLS})
        SELECT * FROM (
            SELECT organization_id, year, {_sums(GRADES, "grade", "d")}
            FROM (
                SELECT o.organization_id, r.year, r.grade, -1 AS d
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN committees_rating r ON r.member_id = o.id
                WHERE o.organization_id <> n.organization_id
                UNION ALL
                SELECT n.organization_id, r.year, r.grade, 1
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN committees_rating r ON r.member_id = n.id
                WHERE o.organization_id <> n.organization_id
            ) changes
            GROUP BY organization_id, year
        ) deltas
        WHERE {_nonzero(GRADES)}
        ORDER BY organization_id, year
        ON CONFLICT (organization_id, year) DO UPDATE SET {_adds(GRADES)};
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION committees_rating_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_rating_statement(RATINGS_IN)}
    ELSIF TG_OP = 'DELETE' THEN{_rating_statement(RATINGS_OUT)}
    ELSE{_rating_statement(f"{RATINGS_IN} UNION ALL {RATINGS_OUT}")}
    END IF;
    RETURN NULL;
END $$;
"""
for _table, _function in (
    ("committees_member", "committees_member_tally"),
    ("committees_rating", "committees_rating_tally"),
):
    POSTGRES_FORWARD += f"""
CREATE TRIGGER {_table}_tally_insert AFTER INSERT ON {_table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {_function}();
CREATE TRIGGER {_table}_tally_update AFTER UPDATE ON {_table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {_function}();
CREATE TRIGGER {_table}_tally_delete AFTER DELETE ON {_table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {_function}();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER committees_member_tally_insert ON committees_member;
DROP TRIGGER committees_member_tally_update ON committees_member;
DROP TRIGGER committees_member_tally_delete ON committees_member;
DROP TRIGGER committees_rating_tally_insert ON committees_rating;
DROP TRIGGER committees_rating_tally_update ON committees_rating;
DROP TRIGGER committees_rating_tally_delete ON committees_rating;
DROP FUNCTION committees_member_tally();
DROP FUNCTION committees_rating_tally();
"""


def _member_upsert(row, sign):
    values = ", ".join(f"{sign}({row}.status = '{c}')" for c in STATUSES)
    return (
        f"INSERT INTO committees_membertally (organization_id, {S_COLS}) "
        f"VALUES ({row}.organization_id, {values}) "
        "ON CONFLICT (organization_id) DO UPDATE SET "
        + ", ".join(f"{c} = {c} + excluded.{c}" for c in STATUSES)
        + ";"
    )


def _rating_of_member(row, sign):
    # One rating row: its member's organization.
    grades = ", ".join(f"{sign}({row}.grade = '{g}')" for g in GRADES)
    return (
        f"INSERT INTO committees_ratingtally (organization_id, year, {G_COLS}) "
        f"SELECT m.organization_id, {row}.year, {grades} "
        f"FROM committees_member m WHERE m.id = {row}.member_id "
        "ON CONFLICT (organization_id, year) DO UPDATE SET "
        + ", ".join(f"{g} = {g} + excluded.{g}" for g in GRADES)
        + ";"
    )


def _moved_ratings(row, sign):
    # The ratings of a member who changed organization, by year.
    grades = ", ".join(f"{sign}SUM(grade = '{g}')" for g in GRADES)
    return (
        f"INSERT INTO committees_ratingtally (organization_id, year, {G_COLS}) "
        f"SELECT {row}.organization_id, year, {grades} FROM committees_rating "
        "WHERE member_id = OLD.id GROUP BY year "
        "ON CONFLICT (organization_id, year) DO UPDATE SET "
        + ", ".join(f"{g} = {g} + excluded.{g}" for g in GRADES)
        + ";"
    )


SQLITE_FORWARD = [
    "CREATE TRIGGER committees_member_tally_insert AFTER INSERT ON "
    f"committees_member BEGIN {_member_upsert('NEW', '')} END;",
    "CREATE TRIGGER committees_member_tally_delete AFTER DELETE ON "
    f"committees_member BEGIN {_member_upsert('OLD', '-')} END;",
    "CREATE TRIGGER committees_member_tally_update AFTER UPDATE OF "
    "organization_id, status ON committees_member BEGIN "
    f"{_member_upsert('OLD', '-')} {_member_upsert('NEW', '')} END;",
    "CREATE TRIGGER committees_member_tally_move AFTER UPDATE OF organization_id "
    "ON committees_member WHEN NEW.organization_id <> OLD.organization_id BEGIN "
    f"{_moved_ratings('OLD', '-')} {_moved_ratings('NEW', '')} END;",
    "CREATE TRIGGER committees_rating_tally_insert AFTER INSERT ON "
    "committees_rating WHEN NEW.member_id IS NOT NULL BEGIN "
    f"{_rating_of_member('NEW', '')} END;",
    "CREATE TRIGGER committees_rating_tally_delete AFTER DELETE ON "
    "committees_rating WHEN OLD.member_id IS NOT NULL BEGIN "
    f"{_rating_of_member('OLD', '-')} END;",
    "CREATE TRIGGER committees_rating_tally_update AFTER UPDATE OF "
    "member_id, year, grade ON committees_rating BEGIN "
    f"{_rating_of_member('OLD', '-')} {_rating_of_member('NEW', '')} END;",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER {name}"
    for name in (
        "committees_member_tally_insert",
        "committees_member_tally_delete",
        "committees_member_tally_update",
        "committees_member_tally_move",
        "committees_rating_tally_insert",
        "committees_rating_tally_delete",
        "committees_rating_tally_update",
    )
]


class Triggers(migrations.RunSQL):
    """The triggers of the vendor at hand (PostgreSQL or SQLite)."""

    def __init__(self):
        super().__init__(sql="", reverse_sql="")

    def _run(self, schema_editor, statements):
        if isinstance(statements, str):
            statements = [statements]
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            self._run(schema_editor, POSTGRES_FORWARD)
        elif vendor == "sqlite":
            self._run(schema_editor, SQLITE_FORWARD)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            self._run(schema_editor, POSTGRES_BACKWARD)
        elif vendor == "sqlite":
            self._run(schema_editor, SQLITE_BACKWARD)

    def describe(self):
        return "Triggers that keep the member and rating tallies"


def backfill(apps, schema_editor):
    """Count what exists already (the triggers count from now on)."""
    statuses = ", ".join(
        f"SUM(CASE WHEN status = '{c}' THEN 1 ELSE 0 END)" for c in STATUSES
    )
    grades = ", ".join(
        f"SUM(CASE WHEN r.grade = '{g}' THEN 1 ELSE 0 END)" for g in GRADES
    )
    schema_editor.execute(
        f"INSERT INTO committees_membertally (organization_id, {S_COLS}) "
        f"SELECT organization_id, {statuses} FROM committees_member "
        "GROUP BY organization_id",
        params=None,
    )
    schema_editor.execute(
        f"INSERT INTO committees_ratingtally (organization_id, year, {G_COLS}) "
        f"SELECT m.organization_id, r.year, {grades} FROM committees_rating r "
        "JOIN committees_member m ON m.id = r.member_id GROUP BY m.organization_id, r.year",
        params=None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0006_versions_and_placements"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberTally",
            fields=[
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="member_tally",
                        serialize=False,
                        to="committees.organization",
                        verbose_name="organization",
                    ),
                ),
                (
                    "probationary",
                    models.IntegerField(db_default=0, verbose_name="probationary"),
                ),
                (
                    "official",
                    models.IntegerField(db_default=0, verbose_name="official"),
                ),
                (
                    "transferred_out",
                    models.IntegerField(db_default=0, verbose_name="transferred out"),
                ),
                (
                    "deceased",
                    models.IntegerField(db_default=0, verbose_name="deceased"),
                ),
                (
                    "expelled",
                    models.IntegerField(db_default=0, verbose_name="expelled"),
                ),
                (
                    "removed",
                    models.IntegerField(
                        db_default=0, verbose_name="removed from the rolls"
                    ),
                ),
            ],
            options={
                "verbose_name": "member tally",
                "verbose_name_plural": "member tallies",
            },
        ),
        migrations.CreateModel(
            name="RatingTally",
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
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "excellent",
                    models.IntegerField(db_default=0, verbose_name="excellent"),
                ),
                ("good", models.IntegerField(db_default=0, verbose_name="good")),
                (
                    "completed",
                    models.IntegerField(db_default=0, verbose_name="completed"),
                ),
                (
                    "not_completed",
                    models.IntegerField(db_default=0, verbose_name="not completed"),
                ),
            ],
            options={
                "verbose_name": "rating tally",
                "verbose_name_plural": "rating tallies",
            },
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["admitted_on"],
                include=("organization",),
                name="member_admitted_idx",
            ),
        ),
        migrations.AddField(
            model_name="ratingtally",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rating_tallies",
                to="committees.organization",
                verbose_name="organization",
            ),
        ),
        migrations.AddIndex(
            model_name="ratingtally",
            index=models.Index(
                fields=["year", "organization"], name="committees__year_86f7a8_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="ratingtally",
            constraint=models.UniqueConstraint(
                fields=("organization", "year"), name="rating_tally_unique"
            ),
        ),
        Triggers(),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
