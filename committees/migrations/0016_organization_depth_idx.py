"""The top levels of the tree by depth: the first page of the tree as of a
day reads the provinces and the level below them without reading every
organization (106,761 at the nation's scale)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0015_dated_tallies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["depth", "path"], name="organization_depth_idx"),
        ),
    ]
