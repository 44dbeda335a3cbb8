"""A member import run by a real Celery worker, on the real Redis and
PostgreSQL: the page's job is handed over through the broker, the worker
reports its progress from inside its transaction, and the members land."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from committees import imports
from committees.models import Member
from portal.jobs.models import Job, JobStatus
from portal.jobs.services import start_job
from tests.committees.imports_support import csv_bytes, good_row

from .conftest import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_imports_a_file_and_reports_its_progress(
    start_worker, tree, city_staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [good_row(tree.city_cell) for _ in range(3000)]
    upload = imports.store_upload(
        acting_user=city_staff,
        uploaded_file=SimpleUploadedFile("big.csv", csv_bytes(rows)),
    )
    start_worker(MEDIA_ROOT=str(settings.MEDIA_ROOT))
    job = start_job(
        acting_user=city_staff,
        kind="member_import",
        params={"upload_id": upload.id, "update_existing": False},
        total=len(rows),
    )
    assert job.enqueued_at is not None  # handed to the broker at the commit
    seen_phases = set()

    def finished():
        current = Job.objects.get(pk=job.pk)
        if current.status == JobStatus.RUNNING and current.phase:
            seen_phases.add(current.phase)
        return current if current.is_finished else None

    done = wait_for(finished, timeout=120, what="the worker to import the file")
    assert done.status == JobStatus.DONE, done.error
    assert done.result["created"] == 3000
    assert Member.objects.count() == 3000
    assert done.rows_per_second
    # Progress was visible while it ran, also from inside its transaction.
    assert "writing" in seen_phases
    # The owner's page shows the result.
    client = Client()
    client.force_login(city_staff)
    page = client.get(done.get_absolute_url()).content.decode()
    assert 'data-testid="result-created">3,000<' in page or "3.000" in page
