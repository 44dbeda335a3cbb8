"""A deleted member takes the tally of their ratings along.

Django deletes a member's ratings and the member in either order (the
rating's member is nullable, so no order is forced). A rating deleted after
its member can no longer find the member's organization: the member's delete
now subtracts the ratings still there, and a rating deleted later (its
member gone) subtracts nothing, so both orders count right.
"""

from django.db import migrations

STATUSES = (
    "probationary",
    "official",
    "transferred_out",
    "deceased",
    "expelled",
    "removed",
)
GRADES = ("excellent", "good", "completed", "not_completed")
S_COLS = ", ".join(STATUSES)
G_COLS = ", ".join(GRADES)


def _sums(columns, value_column, sign):
    return ", ".join(
        f"SUM(CASE WHEN {value_column} = '{c}' THEN {sign} ELSE 0 END) AS {c}"
        for c in columns
    )


def _adds(columns):
    return ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in columns)


def _nonzero(columns):
    return " OR ".join(f"{c} <> 0" for c in columns)


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


def _ratings_of(members_sql):
    """Tally rows of the ratings (still there) of the members given as
    (organization_id, id, d) rows."""
    return f"""
    INSERT INTO committees_ratingtally AS t (organization_id, year, {G_COLS})
    SELECT * FROM (
        SELECT x.organization_id, r.year, {_sums(GRADES, "r.grade", "x.d")}
        FROM ({members_sql}) x
        JOIN committees_rating r ON r.member_id = x.id
        GROUP BY x.organization_id, r.year
    ) deltas
    WHERE {_nonzero(GRADES)}
    ORDER BY organization_id, year
    ON CONFLICT (organization_id, year) DO UPDATE SET {_adds(GRADES)};"""


MEMBERS_IN = "SELECT organization_id, status, 1 AS d FROM new_rows"
MEMBERS_OUT = "SELECT organization_id, status, -1 AS d FROM old_rows"
MOVED = """
    SELECT o.organization_id, o.id, -1 AS d
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.organization_id <> n.organization_id
    UNION ALL
    SELECT n.organization_id, n.id, 1
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.organization_id <> n.organization_id"""

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION committees_member_tally() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_member_statement(MEMBERS_IN)}
    ELSIF TG_OP = 'DELETE' THEN{_member_statement(MEMBERS_OUT)}
        -- Ratings deleted after their member find no organization: subtract
        -- those still there now.
        {_ratings_of("SELECT organization_id, id, -1 AS d FROM old_rows")}
    ELSE{_member_statement(f"{MEMBERS_IN} UNION ALL {MEMBERS_OUT}")}
        -- Members who changed organization take their ratings along.
        {_ratings_of(MOVED)}
    END IF;
    RETURN NULL;
END $$;
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


def _removed_ratings():
    grades = ", ".join(f"-SUM(grade = '{g}')" for g in GRADES)
    return (
        f"INSERT INTO committees_ratingtally (organization_id, year, {G_COLS}) "
        f"SELECT OLD.organization_id, year, {grades} FROM committees_rating "
        "WHERE member_id = OLD.id GROUP BY year "
        "ON CONFLICT (organization_id, year) DO UPDATE SET "
        + ", ".join(f"{g} = {g} + excluded.{g}" for g in GRADES)
        + ";"
    )


SQLITE_FORWARD = [
    "DROP TRIGGER committees_member_tally_delete",
    "CREATE TRIGGER committees_member_tally_delete AFTER DELETE ON "
    f"committees_member BEGIN {_member_upsert('OLD', '-')} {_removed_ratings()} "
    "END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER committees_member_tally_delete",
    "CREATE TRIGGER committees_member_tally_delete AFTER DELETE ON "
    f"committees_member BEGIN {_member_upsert('OLD', '-')} END;",
]


class Triggers(migrations.RunSQL):
    def __init__(self):
        super().__init__(sql="", reverse_sql="")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(POSTGRES_FUNCTION, params=None)
        elif vendor == "sqlite":
            for statement in SQLITE_FORWARD:
                schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # The function of 0007 counted deletes right in one order only; it
        # stays replaced (harmless), the SQLite trigger goes back.
        if schema_editor.connection.vendor == "sqlite":
            for statement in SQLITE_BACKWARD:
                schema_editor.execute(statement, params=None)

    def describe(self):
        return "A deleted member takes the tally of their ratings along"


class Migration(migrations.Migration):
    dependencies = [("committees", "0009_scale_indexes")]

    operations = [Triggers()]
