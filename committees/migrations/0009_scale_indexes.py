"""Indexes measured by the benchmark (bench/RESULTS.md): the member list read
from the name index alone, and the excellent ratings of eligibility."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0008_transfers"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="member",
            name="member_search_idx",
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["search_key", "id"],
                include=("status", "organization"),
                name="member_search_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("grade", "excellent"), ("member__isnull", False)),
                fields=["member", "year"],
                name="rating_excellent_idx",
            ),
        ),
    ]
