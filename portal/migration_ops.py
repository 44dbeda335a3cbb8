"""Migration operations shared by the apps."""

from __future__ import annotations

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """SQL that only PostgreSQL needs (extensions, pattern and trigram indexes).

    On SQLite, the embedded database of ``make run``, it does nothing: the
    plain indexes that the models declare serve it.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class VendorSQL(migrations.RunSQL):
    """SQL written for each database the portal runs on (triggers: PostgreSQL's
    statement-level ones with transition tables, SQLite's row-level ones).
    Each side is a string or a list of statements."""

    def __init__(
        self,
        *,
        postgresql: str | list[str],
        postgresql_reverse: str | list[str],
        sqlite: str | list[str],
        sqlite_reverse: str | list[str],
        description: str,
    ) -> None:
        super().__init__(sql="", reverse_sql="")
        self.by_vendor = {
            "postgresql": (postgresql, postgresql_reverse),
            "sqlite": (sqlite, sqlite_reverse),
        }
        self.description = description

    def _run(self, schema_editor, backwards: bool) -> None:
        sides = self.by_vendor.get(schema_editor.connection.vendor)
        if sides is None:
            return
        statements = sides[1] if backwards else sides[0]
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, backwards=False)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, backwards=True)

    def describe(self) -> str:
        return self.description
