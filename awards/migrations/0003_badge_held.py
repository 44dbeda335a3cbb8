"""``Member.badge_held`` (committees 0013) counted from the awards."""

from django.db import migrations


def backfill(apps, schema_editor):
    from awards import badge_clock

    badge_clock.refresh(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0002_award_recipient_path"),
        ("committees", "0013_member_badge_clock"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
