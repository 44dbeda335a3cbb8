"""Background jobs: starting, claiming, progress, failure, the broker being
away, the progress page and the download, each user seeing their own."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from portal.celery import app
from portal.jobs import services
from portal.jobs.models import ExportRecord, Job, JobStatus
from portal.jobs.registry import register
from tests.committees.imports_support import eager_celery, media

__all__ = ["eager_celery", "media"]

CALLS: list[int] = []


@register("test_ok", label="Test job")
def _ok(job):
    CALLS.append(job.pk)
    services.report_progress(job, 5, 10, phase="checking", force=True)
    return {"answer": 42}


@register("test_invalid", label="Test job")
def _invalid(job):
    raise ValidationError("Row 3 is wrong.")


@register("test_refused", label="Test job")
def _refused(job):
    raise services.JobFailed("Nothing was written.", result={"bad": 2})


@register("test_boom", label="Test job")
def _boom(job):
    raise RuntimeError("secret internals")


@register("test_needs_perm", label="Test job", perms=("committees.add_member",))
def _needs_perm(job):
    return {}


@register("test_file", label="Test job")
def _file(job):
    services.attach_file(job, "list.csv", ContentFile(b"a,b\n"))
    return {"rows": 1}


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def start(user, kind="test_ok", **kwargs):
    return services.start_job(acting_user=user, kind=kind, params={}, **kwargs)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- running


def test_an_inline_job_runs_at_once_and_keeps_its_result(city_staff):
    job = start(city_staff, inline=True)
    assert job.status == JobStatus.DONE
    assert job.result == {"answer": 42}
    assert (job.attempts, job.phase) == (1, "checking")
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.percent == 100


def test_a_queued_job_runs_after_the_commit_with_eager_celery(
    city_staff, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(city_staff)
    assert job.status == JobStatus.QUEUED and CALLS == []
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and CALLS == [job.pk]
    assert job.enqueued_at is not None


def test_a_job_is_claimed_once(city_staff):
    job = start(city_staff, inline=True)
    assert services.run_job(job.pk) is None
    assert CALLS == [job.pk]


def test_a_running_job_whose_worker_died_is_taken_over(city_staff, settings):
    job = Job.objects.create(owner=city_staff, kind="test_ok", status=JobStatus.RUNNING)
    Job.objects.filter(pk=job.pk).update(progress_at=timezone.now())
    assert services.run_job(job.pk) is None  # alive: leave it
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(progress_at=stale)
    assert services.run_job(job.pk).status == JobStatus.DONE
    assert Job.objects.get(pk=job.pk).attempts == 1


@pytest.mark.parametrize(
    ("kind", "error", "result"),
    [
        ("test_invalid", "Row 3 is wrong.", {}),
        ("test_refused", "Nothing was written.", {"bad": 2}),
    ],
)
def test_a_refused_job_fails_with_its_message(city_staff, kind, error, result):
    job = start(city_staff, kind, inline=True)
    assert job.status == JobStatus.FAILED
    assert (job.error, job.result) == (error, result)


def test_an_unexpected_error_fails_the_job_without_its_details(city_staff, caplog):
    job = start(city_staff, "test_boom", inline=True)
    assert job.status == JobStatus.FAILED
    assert "secret" not in job.error and "server log" in job.error
    assert "secret internals" in caplog.text


def test_a_job_fails_when_its_owner_lost_the_permission(city_viewer):
    job = start(city_viewer, "test_needs_perm", inline=True)
    assert job.status == JobStatus.FAILED
    assert "permission" in job.error


def test_an_unknown_kind_is_a_programming_error(city_staff):
    with pytest.raises(LookupError):
        start(city_staff, "no_such_kind")
    assert not Job.objects.exists()


# ---------------------------------------------------------------- progress


def test_progress_is_written_at_most_once_a_second(city_staff):
    job = Job.objects.create(owner=city_staff, kind="test_ok", total=100)
    assert services.report_progress(job, 1, 100, phase="reading")  # new step
    assert not services.report_progress(job, 2, 100)
    assert Job.objects.get(pk=job.pk).done == 1
    assert services.report_progress(job, 3, 100, phase="writing")
    assert services.report_progress(job, 4, 100, force=True)
    job.__dict__["_progress_state"]["at"] -= 1.5
    assert services.report_progress(job, 50, 100)
    stored = Job.objects.get(pk=job.pk)
    assert (stored.done, stored.phase, stored.percent) == (50, "writing", 50)


def test_rows_per_second_come_from_the_current_step(city_staff):
    now = timezone.now()
    job = Job(
        owner=city_staff,
        status=JobStatus.RUNNING,
        done=500,
        total=1000,
        started_at=now - timedelta(seconds=30),
        phase_started_at=now - timedelta(seconds=10),
        progress_at=now,
    )
    assert job.rows_per_second == pytest.approx(50)
    assert job.percent == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_is_seen_by_others(city_staff_committed):
    job = Job.objects.create(owner=city_staff_committed, kind="test_ok", total=10)
    job.__dict__["_started_in_transaction"] = False  # as run_job sees it
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            services.report_progress(job, 7, 10, phase="writing")
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT done, phase FROM jobs_job WHERE id = %s", [job.pk]
                )
                assert cursor.fetchone() == (7, "writing")
        services.finish_job(job, {})
        assert "_side_connection" not in job.__dict__
    finally:
        other.close()


@pytest.fixture
def city_staff_committed(transactional_db):
    from committees.models import OrganizationKind as K
    from tests.factories import org, user

    province = org(None, K.PROVINCE, "Tỉnh", "T-PG")
    return user("committed", province)


# ---------------------------------------------------------------- broker away


def test_a_job_waits_when_the_broker_is_away_and_is_handed_over_later(
    city_staff, client, django_capture_on_commit_callbacks
):
    before = (app.conf.broker_write_url, app.conf.task_always_eager)
    app.conf.broker_write_url = f"redis://127.0.0.1:{closed_port()}/8"
    app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = start(city_staff)
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and job.enqueued_at is None
        assert services.waits_for_broker(job)
        client.force_login(city_staff)
        page = client.get(job.get_absolute_url()).content.decode()
        assert 'data-testid="job-waits"' in page
    finally:
        app.conf.broker_write_url, app.conf.task_always_eager = before
    # The broker is back (here: eager); the sweep hands the job over.
    app.conf.task_always_eager = True
    try:
        Job.objects.filter(pk=job.pk).update(
            created_at=timezone.now() - timedelta(minutes=5)
        )
        assert services.requeue_jobs() == 1
    finally:
        app.conf.task_always_eager = before[1]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


# ---------------------------------------------------------------- pages


def test_the_progress_page_polls_until_the_job_ends(client, city_staff):
    job = Job.objects.create(
        owner=city_staff,
        kind="test_ok",
        status=JobStatus.RUNNING,
        done=250,
        total=1000,
        phase="checking",
        started_at=timezone.now() - timedelta(seconds=5),
        phase_started_at=timezone.now() - timedelta(seconds=5),
        progress_at=timezone.now(),
        enqueued_at=timezone.now(),
    )
    client.force_login(city_staff)
    page = client.get(job.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' in html and "25%" in html
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and 'hx-trigger="every 1s"' in body
    assert "rows per second" in body or "dòng mỗi giây" in body
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now()
    )
    done = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "100%" in done


def test_someone_else_gets_404_for_a_job_and_its_file(
    client, city_staff, outsider, province_staff, admin_user, media
):
    job = start(city_staff, "test_file", inline=True)
    assert job.result_file
    for user, page, download in (
        (outsider, 404, 404),
        (province_staff, 404, 404),  # above in the tree, still not theirs
        (admin_user, 200, 404),  # a superuser sees every job, downloads none
        (city_staff, 200, 200),
    ):
        client.force_login(user)
        assert client.get(job.get_absolute_url()).status_code == page, user
        assert client.post(job.get_absolute_url()).status_code in (page, 405)
        response = client.get(reverse("jobs:job_download", args=[job.pk]))
        assert response.status_code == download, user
    assert b"".join(response.streaming_content) == b"a,b\n"
    assert "list.csv" in response["Content-Disposition"]


def test_a_job_without_a_file_has_no_download(client, city_staff):
    job = start(city_staff, inline=True)
    client.force_login(city_staff)
    assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404


def test_the_job_list_shows_only_ones_own_jobs(client, city_staff, outsider):
    mine = start(city_staff, inline=True)
    theirs = start(outsider, inline=True)
    client.force_login(city_staff)
    page = client.get(reverse("jobs:job_list"))
    assert list(page.context["page_obj"]) == [mine]
    assert theirs.get_absolute_url() not in page.content.decode()


def test_old_result_files_are_purged(city_staff, media, settings):
    job = start(city_staff, "test_file", inline=True)
    path = job.result_file.path
    assert services.purge_job_files() == 0
    later = timezone.now() + timedelta(days=settings.JOB_FILE_KEEP_DAYS + 1)
    assert services.purge_job_files(now=later) == 1
    job.refresh_from_db()
    assert not job.result_file
    import os

    assert not os.path.exists(path)


# ---------------------------------------------------------------- admin


def test_exports_are_read_only_in_the_admin(client, admin_user, city_staff):
    record = services.record_export(
        acting_user=city_staff, kind="members", format="csv", filters={}, row_count=3
    )
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:jobs_exportrecord_changelist"))
    assert changelist.status_code == 200
    assert "city" in changelist.content.decode()
    assert client.get(reverse("admin:jobs_exportrecord_add")).status_code == 403
    change = client.post(
        reverse("admin:jobs_exportrecord_change", args=[record.pk]), {"row_count": 0}
    )
    assert change.status_code in (200, 403)
    record.refresh_from_db()
    assert record.row_count == 3
    delete = client.post(reverse("admin:jobs_exportrecord_delete", args=[record.pk]))
    assert delete.status_code == 403
    assert ExportRecord.objects.filter(pk=record.pk).exists()


def test_queued_jobs_are_handed_over_from_the_admin(
    client, admin_user, city_staff, eager_celery
):
    job = Job.objects.create(owner=city_staff, kind="test_ok")
    client.force_login(admin_user)
    client.post(
        reverse("admin:jobs_job_changelist"),
        {"action": "hand_over_again", "_selected_action": [job.pk]},
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_finished_job_knows_how_long_it_took(city_staff):
    job = start(city_staff, inline=True)
    assert job.duration is not None and job.duration < 60
