"""Dated tallies: the active members per organization on anchor days (the
first day of each month), so that the tree of a day at the national root
starts from the nearest anchor instead of going back from today over every
change since the day (``committees.dated_tallies``).

Triggers mark an anchor not valid when a change reaches it: a member
admitted, deleted, or whose admission, status or date of status change is
edited, on or after the earliest day whose count it alters; a placement
written, deleted or edited, from the earliest day it covers differently.
PostgreSQL: statement-level triggers with transition tables (one update for
an import's 200,000 rows); they update the anchors' rows whether valid or
not, so that a refresh counting an anchor (which locks its row first) and a
change reaching it wait for each other instead of leaving a stale anchor
marked valid. SQLite: row-level triggers (its writers are serialized).
"""

import django.db.models.deletion
from django.db import migrations, models

from portal.migration_ops import VendorSQL

ACTIVE = "('probationary', 'official')"


def _status_since(row, far):
    """The first day whose count a status change of ``row`` can alter."""
    return (
        f"CASE WHEN {row}.status IN {ACTIVE} THEN {far} "
        f"ELSE COALESCE({row}.status_changed_on, {row}.admitted_on) END"
    )


def _member_since(least, far, o="o", n="n"):
    return f"""{least}(
        CASE WHEN {o}.admitted_on <> {n}.admitted_on
            THEN {least}({o}.admitted_on, {n}.admitted_on) ELSE {far} END,
        CASE WHEN {o}.status <> {n}.status
                OR {o}.status_changed_on IS DISTINCT FROM {n}.status_changed_on
            THEN {least}({_status_since(o, far)}, {_status_since(n, far)})
            ELSE {far} END)"""


def _placement_since(least, far, o="o", n="n"):
    return f"""CASE
        WHEN {o}.member_id <> {n}.member_id
                OR {o}.organization_id <> {n}.organization_id
                OR {o}.valid_from <> {n}.valid_from
            THEN {least}({o}.valid_from, {n}.valid_from)
        WHEN {o}.valid_to IS DISTINCT FROM {n}.valid_to
            THEN {least}(COALESCE({o}.valid_to, {far}), COALESCE({n}.valid_to, {far}))
        ELSE {far} END"""


PG_FAR = "'infinity'::date"
POSTGRES_FORWARD = f"""
CREATE FUNCTION committees_dated_tally_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    since date;
BEGIN
    IF TG_TABLE_NAME = 'committees_member' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT min(admitted_on) INTO since FROM new_rows;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT min(admitted_on) INTO since FROM old_rows;
        ELSE
            SELECT min({_member_since("LEAST", PG_FAR)}) INTO since
            FROM old_rows o JOIN new_rows n ON n.id = o.id;
        END IF;
    ELSE
        IF TG_OP = 'INSERT' THEN
            SELECT min(valid_from) INTO since FROM new_rows;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT min(valid_from) INTO since FROM old_rows;
        ELSE
            SELECT min({_placement_since("LEAST", PG_FAR)}) INTO since
            FROM old_rows o JOIN new_rows n ON n.id = o.id;
        END IF;
    END IF;
    IF since IS NOT NULL AND since < 'infinity'::date THEN
        UPDATE committees_datedtallyday SET valid = false WHERE day >= since;
    END IF;
    RETURN NULL;
END $$;
"""
TABLES = ("committees_member", "committees_memberplacement")
for _table in TABLES:
    POSTGRES_FORWARD += f"""
CREATE TRIGGER {_table}_dated_insert AFTER INSERT ON {_table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION committees_dated_tally_stale();
CREATE TRIGGER {_table}_dated_update AFTER UPDATE ON {_table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION committees_dated_tally_stale();
CREATE TRIGGER {_table}_dated_delete AFTER DELETE ON {_table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION committees_dated_tally_stale();
"""
POSTGRES_BACKWARD = (
    "".join(
        f"DROP TRIGGER {table}_dated_{event} ON {table};\n"
        for table in TABLES
        for event in ("insert", "update", "delete")
    )
    + "DROP FUNCTION committees_dated_tally_stale();"
)


def _stale_from(since):
    return (
        f"UPDATE committees_datedtallyday SET valid = 0 WHERE valid AND day >= {since};"
    )


SQLITE_FAR = "'9999-12-31'"
SQLITE_FORWARD = [
    "CREATE TRIGGER committees_member_dated_insert AFTER INSERT ON "
    f"committees_member BEGIN {_stale_from('NEW.admitted_on')} END;",
    "CREATE TRIGGER committees_member_dated_delete AFTER DELETE ON "
    f"committees_member BEGIN {_stale_from('OLD.admitted_on')} END;",
    "CREATE TRIGGER committees_member_dated_update AFTER UPDATE OF "
    "admitted_on, status, status_changed_on ON committees_member BEGIN "
    + _stale_from(_member_since("min", SQLITE_FAR, "OLD", "NEW"))
    + " END;",
    "CREATE TRIGGER committees_memberplacement_dated_insert AFTER INSERT ON "
    f"committees_memberplacement BEGIN {_stale_from('NEW.valid_from')} END;",
    "CREATE TRIGGER committees_memberplacement_dated_delete AFTER DELETE ON "
    f"committees_memberplacement BEGIN {_stale_from('OLD.valid_from')} END;",
    "CREATE TRIGGER committees_memberplacement_dated_update AFTER UPDATE OF "
    "member_id, organization_id, valid_from, valid_to ON committees_memberplacement "
    "BEGIN " + _stale_from(_placement_since("min", SQLITE_FAR, "OLD", "NEW")) + " END;",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER {table}_dated_{event}"
    for table in TABLES
    for event in ("insert", "update", "delete")
]


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0014_dated_tree_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DatedTally",
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
                ("day", models.DateField(verbose_name="day")),
                ("active", models.IntegerField(verbose_name="active members")),
            ],
            options={
                "verbose_name": "dated tally",
                "verbose_name_plural": "dated tallies",
            },
        ),
        migrations.CreateModel(
            name="DatedTallyDay",
            fields=[
                (
                    "day",
                    models.DateField(
                        primary_key=True, serialize=False, verbose_name="day"
                    ),
                ),
                ("valid", models.BooleanField(default=False, verbose_name="valid")),
                (
                    "refreshed_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="refreshed at"
                    ),
                ),
            ],
            options={
                "verbose_name": "dated tally day",
                "verbose_name_plural": "dated tally days",
                "ordering": ["day"],
            },
        ),
        migrations.AddIndex(
            model_name="memberplacement",
            index=models.Index(
                condition=models.Q(("valid_to__isnull", False)),
                fields=["valid_from"],
                include=("member",),
                name="member_placement_began_idx",
            ),
        ),
        migrations.AddField(
            model_name="datedtally",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="committees.organization",
                verbose_name="organization",
            ),
        ),
        migrations.AddConstraint(
            model_name="datedtally",
            constraint=models.UniqueConstraint(
                fields=("day", "organization"),
                include=("active",),
                name="dated_tally_unique",
            ),
        ),
        VendorSQL(
            postgresql=POSTGRES_FORWARD,
            postgresql_reverse=POSTGRES_BACKWARD,
            sqlite=SQLITE_FORWARD,
            sqlite_reverse=SQLITE_BACKWARD,
            description="Triggers that mark the dated tallies a change reaches",
        ),
    ]
