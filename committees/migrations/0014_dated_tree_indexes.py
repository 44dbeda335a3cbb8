"""Indexes of the tree as of a day at the national root
(``restructuring_selectors.COUNTED_ANYWHERE``): the members admitted after
the day and active now, those whose status changed after it, the placements
that ended after it and the state of the members placed elsewhere on it are
read from indexes alone (index-only scans), not fetched from the member
table one by one; and the ended organizations, left out of the tree, are
found without reading every organization."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0013_member_badge_clock"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="member",
            name="member_admitted_idx",
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["admitted_on"],
                include=("organization", "status"),
                name="member_admitted_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                condition=models.Q(("status_changed_on__isnull", False)),
                fields=["status_changed_on"],
                include=("organization", "status", "admitted_on"),
                name="member_status_changed_on_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["id"],
                include=("organization", "status", "admitted_on", "status_changed_on"),
                name="member_dated_state_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="memberplacement",
            index=models.Index(
                condition=models.Q(("valid_to__isnull", False)),
                fields=["valid_to"],
                include=("valid_from", "organization", "member"),
                name="member_placement_ended_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(
                condition=models.Q(("status", "active"), _negated=True),
                fields=["status"],
                name="organization_ended_idx",
            ),
        ),
    ]
