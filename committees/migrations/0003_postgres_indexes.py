"""PostgreSQL indexes that Django's model Meta cannot declare for both databases.

- ``path varchar_pattern_ops``: subtree filters are ``path LIKE 'prefix%'``;
  with a non-C collation only a pattern-ops index answers them.
- trigram (pg_trgm) GIN indexes on the folded search keys: ``LIKE '%key%'``
  searches of names typed without diacritics.
"""

from django.db import migrations

from portal.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("committees", "0002_initial")]

    operations = [
        PostgresOnlySQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
        ),
        PostgresOnlySQL(
            "CREATE INDEX organization_path_prefix_idx "
            "ON committees_organization (path varchar_pattern_ops)",
            reverse_sql="DROP INDEX organization_path_prefix_idx",
        ),
        PostgresOnlySQL(
            "CREATE INDEX organization_search_trgm_idx "
            "ON committees_organization USING gin (search_key gin_trgm_ops)",
            reverse_sql="DROP INDEX organization_search_trgm_idx",
        ),
        PostgresOnlySQL(
            "CREATE INDEX member_search_trgm_idx "
            "ON committees_member USING gin (search_key gin_trgm_ops)",
            reverse_sql="DROP INDEX member_search_trgm_idx",
        ),
    ]
