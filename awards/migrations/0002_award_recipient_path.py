"""The award's recipient path and decision date, kept by database triggers.

The register lists the awards whose recipient lies in the user's scope now
(a transferred member's awards follow the member). Reading that through the
member and organization tables took two joins and seconds at the scale of a
nation; the path on the award is one indexed range. Triggers keep it right
whatever writes: a new award, a member who changes organization, an
organization whose path changes (a move or a merger in the tree), a decision
whose date is corrected.
"""

from django.conf import settings
from django.db import migrations, models

PATH_OF_RECIPIENT = """
    COALESCE(
        (SELECT o.path FROM committees_member m
         JOIN committees_organization o ON o.id = m.organization_id
         WHERE m.id = {row}.member_id),
        (SELECT o.path FROM committees_organization o
         WHERE o.id = {row}.organization_id)
    )"""
SIGNED_ON = "(SELECT d.signed_on FROM awards_decision d WHERE d.id = {row}.decision_id)"

POSTGRES_FORWARD = f"""
CREATE INDEX award_recipient_path_idx
    ON awards_award (recipient_path varchar_pattern_ops);

CREATE FUNCTION awards_award_copies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A new award may come with its copies (the generator's COPY); a
    -- change of recipient or decision always takes fresh ones.
    IF NEW.recipient_path IS NULL OR TG_OP = 'UPDATE' THEN
        NEW.recipient_path := {PATH_OF_RECIPIENT.format(row="NEW")};
    END IF;
    IF NEW.signed_on IS NULL OR TG_OP = 'UPDATE' THEN
        NEW.signed_on := {SIGNED_ON.format(row="NEW")};
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER awards_award_copies BEFORE INSERT OR UPDATE OF member_id,
    organization_id, decision_id ON awards_award
    FOR EACH ROW EXECUTE FUNCTION awards_award_copies();

CREATE FUNCTION awards_member_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE awards_award a SET recipient_path = o.path
    FROM new_rows n
    JOIN old_rows p ON p.id = n.id
    JOIN committees_organization o ON o.id = n.organization_id
    WHERE a.member_id = n.id AND p.organization_id <> n.organization_id;
    RETURN NULL;
END $$;
CREATE TRIGGER awards_member_moved AFTER UPDATE ON committees_member
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awards_member_moved();

CREATE FUNCTION awards_organization_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE awards_award a SET recipient_path = n.path
    FROM new_rows n JOIN old_rows p ON p.id = n.id
    WHERE a.organization_id = n.id AND p.path <> n.path;
    UPDATE awards_award a SET recipient_path = n.path
    FROM new_rows n JOIN old_rows p ON p.id = n.id
    JOIN committees_member m ON m.organization_id = n.id
    WHERE a.member_id = m.id AND p.path <> n.path;
    RETURN NULL;
END $$;
CREATE TRIGGER awards_organization_moved AFTER UPDATE ON committees_organization
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awards_organization_moved();

CREATE FUNCTION awards_decision_dated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE awards_award SET signed_on = NEW.signed_on
    WHERE decision_id = NEW.id AND signed_on IS DISTINCT FROM NEW.signed_on;
    RETURN NULL;
END $$;
CREATE TRIGGER awards_decision_dated AFTER UPDATE OF signed_on ON awards_decision
    FOR EACH ROW EXECUTE FUNCTION awards_decision_dated();

UPDATE awards_award a SET
    recipient_path = {PATH_OF_RECIPIENT.format(row="a")},
    signed_on = {SIGNED_ON.format(row="a")};
"""

POSTGRES_BACKWARD = """
DROP TRIGGER awards_decision_dated ON awards_decision;
DROP TRIGGER awards_organization_moved ON committees_organization;
DROP TRIGGER awards_member_moved ON committees_member;
DROP TRIGGER awards_award_copies ON awards_award;
DROP FUNCTION awards_decision_dated();
DROP FUNCTION awards_organization_moved();
DROP FUNCTION awards_member_moved();
DROP FUNCTION awards_award_copies();
DROP INDEX award_recipient_path_idx;
"""

SQLITE_FORWARD = [
    "CREATE INDEX award_recipient_path_idx ON awards_award (recipient_path)",
    "CREATE TRIGGER awards_award_copies AFTER INSERT ON awards_award BEGIN "
    "UPDATE awards_award SET "
    f"recipient_path = COALESCE(NEW.recipient_path, {PATH_OF_RECIPIENT.format(row='NEW')}), "
    f"signed_on = COALESCE(NEW.signed_on, {SIGNED_ON.format(row='NEW')}) "
    "WHERE id = NEW.id; END;",
    "CREATE TRIGGER awards_award_recopied AFTER UPDATE OF member_id, "
    "organization_id, decision_id ON awards_award BEGIN "
    "UPDATE awards_award SET "
    f"recipient_path = {PATH_OF_RECIPIENT.format(row='NEW')}, "
    f"signed_on = {SIGNED_ON.format(row='NEW')} WHERE id = NEW.id; END;",
    "CREATE TRIGGER awards_member_moved AFTER UPDATE OF organization_id ON "
    "committees_member WHEN NEW.organization_id <> OLD.organization_id BEGIN "
    "UPDATE awards_award SET recipient_path = (SELECT path FROM "
    "committees_organization WHERE id = NEW.organization_id) "
    "WHERE member_id = NEW.id; END;",
    "CREATE TRIGGER awards_organization_moved AFTER UPDATE OF path ON "
    "committees_organization WHEN NEW.path <> OLD.path BEGIN "
    "UPDATE awards_award SET recipient_path = NEW.path "
    "WHERE organization_id = NEW.id; "
    "UPDATE awards_award SET recipient_path = NEW.path WHERE member_id IN "
    "(SELECT id FROM committees_member WHERE organization_id = NEW.id); END;",
    "CREATE TRIGGER awards_decision_dated AFTER UPDATE OF signed_on ON "
    "awards_decision BEGIN UPDATE awards_award SET signed_on = NEW.signed_on "
    "WHERE decision_id = NEW.id; END;",
    "UPDATE awards_award SET "
    f"recipient_path = {PATH_OF_RECIPIENT.format(row='awards_award')}, "
    f"signed_on = {SIGNED_ON.format(row='awards_award')}",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER awards_decision_dated",
    "DROP TRIGGER awards_organization_moved",
    "DROP TRIGGER awards_member_moved",
    "DROP TRIGGER awards_award_recopied",
    "DROP TRIGGER awards_award_copies",
    "DROP INDEX award_recipient_path_idx",
]


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

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            self._run(schema_editor, POSTGRES_BACKWARD)
        elif vendor == "sqlite":
            self._run(schema_editor, SQLITE_BACKWARD)

    def describe(self):
        return "Triggers that keep the award's recipient path and decision date"


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0001_initial"),
        ("committees", "0010_tally_member_deletes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="award",
            name="recipient_path",
            field=models.CharField(
                blank=True, editable=False, max_length=255, null=True
            ),
        ),
        migrations.AddField(
            model_name="award",
            name="signed_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="award",
            index=models.Index(
                fields=["-signed_on", "recipient_name", "id"], name="award_register_idx"
            ),
        ),
        Triggers(),
    ]
