"""Real Celery workers, the real Redis and an SMTP sink on loopback.

Each test gets its own queue on the broker of CELERY_BROKER_URL, an SMTP
server (aiosmtpd) on a free port, and starts worker processes with
``start_worker``: ``celery -A portal worker --pool=solo`` pointed at the test
database (committed data only: these tests use ``transactional_db``). Every
worker is killed at teardown and every wait has a timeout, so a broken
worker fails a test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], object], *, timeout: float = 30, what: str = ""
) -> object:
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.1)


# ---------------------------------------------------------------- SMTP sink


@dataclass
class SmtpSink:
    """Records what a real SMTP conversation delivered.

    ``refuse`` answers DATA with that reply (e.g. "550 …"); ``rcpt_delay``
    holds the reply to the first RCPT for that many seconds (a slow server,
    to kill a worker mid-send) and sets ``rcpt_seen``.
    """

    port: int = 0
    messages: list[Message] = field(default_factory=list)
    data_attempts: int = 0
    refuse: str | None = None
    rcpt_delay: float = 0.0
    rcpt_seen: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.set()
        if self.rcpt_delay:
            delay, self.rcpt_delay = self.rcpt_delay, 0.0
            await asyncio.sleep(delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_attempts += 1
        if self.refuse:
            return self.refuse
        message = email.message_from_bytes(envelope.original_content)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


# ---------------------------------------------------------------- the broker


def _redis():
    import redis

    return redis.Redis.from_url(BROKER_URL, socket_timeout=5)


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own; the in-process publisher sends there."""
    name = f"portal-test-{uuid.uuid4().hex[:12]}"
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    use_broker(BROKER_URL)
    try:
        yield name
    finally:
        celery_app.conf.task_default_queue = before
        celery_app.conf.broker_write_url = None
        _forget_queue(name)


def _forget_queue(name: str) -> None:
    """Delete the queue and any unacknowledged message bound for it."""
    try:
        client = _redis()
        client.delete(
            name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}"
        )
        for member in client.zrange("_kombu.binding_deadlines", 0, -1):
            if name.encode() in member:
                client.zrem("_kombu.binding_deadlines", member)
        for tag, body in (client.hgetall("unacked") or {}).items():
            if name.encode() in body:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    except Exception:  # the broker went away: nothing left to clean
        pass


def use_broker(url: str) -> None:
    """Point the in-process publisher somewhere else (read per enqueue).

    ``broker_url`` itself always prefers the CELERY_BROKER_URL environment
    variable; the publishing connection reads ``broker_write_url`` first.
    """
    celery_app.conf.broker_write_url = url


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/5"


# ---------------------------------------------------------------- workers


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("integration tests need PostgreSQL", pytrace=False)
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its children (its own process group)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


@pytest.fixture
def start_worker(
    transactional_db, queue, smtp_sink, tmp_path
) -> Iterator[Callable[..., Worker]]:
    """Start ``celery worker`` processes for this test; all killed after it."""
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        environment = {
            **os.environ,
            "PORTAL_TESTING": "1",
            "DEBUG": "0",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
            "EMAIL_TIMEOUT": "60",
            "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        environment.pop("PYTEST_CURRENT_TEST", None)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    queue,
                    "-n",
                    f"{queue}-{len(workers) + 1}@%h",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log)
        workers.append(worker)
        wait_for(
            lambda: "ready." in worker.output() or process.poll() is not None,
            timeout=60,
            what="the worker to start",
        )
        if process.poll() is not None:
            pytest.fail(f"the worker exited:\n{worker.output()[-3000:]}")
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()


def broker_is(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), 1):
            return True
    except OSError:
        return False
