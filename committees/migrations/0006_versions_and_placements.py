"""The dated history of what exists already: one version per organization
and one placement per member.

Approximations (nothing older is known to the portal): an organization is
taken to have stood where it stands today, under today's name and kind, since
its establishment date (or 3 February 1930 when it has none); one that is
already merged or dissolved was active until its end date. A member is taken
to have belonged to today's organization since admission.
"""

from datetime import date

from django.db import migrations

BEGINNING = date(1930, 2, 3)
STEPLEN = 4
BATCH = 2_000


def forwards(apps, schema_editor):
    Organization = apps.get_model("committees", "Organization")
    Version = apps.get_model("committees", "OrganizationVersion")
    Member = apps.get_model("committees", "Member")
    Placement = apps.get_model("committees", "MemberPlacement")

    organizations = list(
        Organization.objects.values_list(
            "pk", "path", "name", "kind", "status", "established_on", "ended_on"
        )
    )
    by_path = {path: pk for pk, path, *_rest in organizations}
    versions = []
    for pk, path, name, kind, status, established_on, ended_on in organizations:
        start = established_on or BEGINNING
        common = {
            "organization_id": pk,
            "parent_id": by_path.get(path[:-STEPLEN]),
            "name": name,
            "kind": kind,
        }
        if status != "active" and ended_on is not None and ended_on > start:
            versions.append(
                Version(valid_from=start, valid_to=ended_on, status="active", **common)
            )
            start = ended_on
        versions.append(Version(valid_from=start, status=status, **common))
    Version.objects.bulk_create(versions, batch_size=BATCH)

    placements = []
    rows = Member.objects.values_list("pk", "organization_id", "admitted_on")
    for pk, organization_id, admitted_on in rows.iterator(chunk_size=BATCH):
        placements.append(
            Placement(
                member_id=pk, organization_id=organization_id, valid_from=admitted_on
            )
        )
        if len(placements) >= BATCH:
            Placement.objects.bulk_create(placements)
            placements = []
    Placement.objects.bulk_create(placements)


def backwards(apps, schema_editor):
    apps.get_model("committees", "OrganizationVersion").objects.all().delete()
    apps.get_model("committees", "MemberPlacement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("committees", "0005_restructuring")]

    operations = [migrations.RunPython(forwards, backwards)]
