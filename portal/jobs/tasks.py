"""Celery tasks of the jobs: run one job; sweep the queue now and then.

Tasks take ids and call ``portal.jobs.services``; the runner of each kind
is registered by its app (see ``registry.py``).
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, name="jobs.run_job")
def run_job(job_id: int) -> str:
    # Acks late: a worker killed mid-run leaves the message to be delivered
    # again; the claim in services.run_job takes a stale job over, and a
    # runner's single transaction means nothing was half-written.
    job = services.run_job(job_id)
    return job.status if job is not None else "taken by another worker"


@shared_task(name="jobs.sweep_jobs")
def sweep_jobs() -> str:
    requeued = services.requeue_jobs()
    purged = services.purge_job_files()
    return f"requeued {requeued}, purged {purged} files"
