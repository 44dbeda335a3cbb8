#!/usr/bin/env python3
"""The benchmark suite: pages, jobs and throughput against a generated scale.

    make bench SCALE=province        # or nation; see bench/RESULTS.md
    .venv/bin/python bench/run.py --scale province [--repeat 30] [--only dashboard]

The database is ``DATABASE_URL``, by default
``postgres://postgres@127.0.0.1/portal_bench_<scale>``, filled by
``manage.py generate_scale --scale <scale>``. Nothing in it is changed for
good: every job that writes (the reminder sweep, the import, the merge) runs
in a transaction that is rolled back.

- **pages**: each through the whole middleware stack (Django's test client,
  in process), logged in with ``force_login`` as a user scoped to one
  province and as the national user (a superuser: the provinces are the
  roots of the tree), ``--repeat`` times after a warm-up; p50 and p95 of the
  server time, the number of queries and the time spent in SQL (measured
  around every statement with ``connection.execute_wrapper``);
- **jobs**: timed once each; the export in a child process, for its peak
  memory (``ru_maxrss``);
- **throughput**: gunicorn (2 workers) on loopback under wrk, 32
  connections, for a bare view that answers "ok" (``BENCH_VIEWS=1``), the
  dashboard and the member list, in the same run.

The runner writes its tables into ``bench/RESULTS.md`` between the markers
of the scale (``<!-- results:province -->`` …), keeping the rest of the file
(the decisions and their before/after figures) as it is. ``run_suite`` is
also called by ``tests/bench/test_bench_tiny.py`` at the tiny scale, once per
case, so that the suite cannot rot.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"

#: Targets of ISSUE 6 §3.
PAGE_P95_MS = {"province": 150.0, "nation": 300.0}
MAX_QUERIES = 12
TARGET_SECONDS = {
    "sweep": 10.0,
    "eligibility_province": 1.0,
    "eligibility_nation": 20.0,
    "import": 120.0,
    "export": 60.0,
    "merge": 60.0,
}
EXPORT_PEAK_MB = 300.0
THROUGHPUT_RATIO = 0.30
THROUGHPUT_P99_MS = 500.0


def bench_environment(database_url: str) -> dict[str, str]:
    """The settings of the benchmark process and of its gunicorn: production
    ones (DEBUG off, collected static files) on plain HTTP on loopback."""
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "PORTAL_TESTING": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "BENCH_VIEWS": "1",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    return env


# ---------------------------------------------------------------- results


@dataclass
class Row:
    section: str  # "pages", "jobs", "throughput"
    case: str
    user: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Context:
    """What the cases need from the generated data (found, not assumed)."""

    scale: str
    province_user: Any
    nation_user: Any
    province: Any
    other_province: Any  # a second top organization, for the merge
    deep_node: Any  # the deepest organization that has children
    organization: Any
    member: Any
    search: str
    plan: Any
    eligibility_kind: Any
    eligibility_period: Any
    kinds_by_province: list[Any]
    occasion: date
    today: date


def find_context(scale: str) -> Context:
    from awards.models import AwardKind, Criterion, EmulationPeriod, PeriodType
    from committees.models import (
        ACTIVE_MEMBER_STATUSES,
        Member,
        Organization,
        OrganizationKind,
    )
    from committees.text import fold
    from congresses.selectors import current_plan
    from portal.models import User

    nation_user = User.objects.get(username="bench-nation")
    province_user = User.objects.get(username="bench-province")
    province = province_user.scope
    roots = list(Organization.objects.filter(depth=1).order_by("path"))
    if len(roots) > 1:
        other = roots[1]
        first = province
    else:  # one province: merge its two largest communes instead
        communes = list(
            Organization.objects.filter(
                path__startswith=province.path,
                depth=2,
                kind=OrganizationKind.COMMUNE,
                status="active",
            ).order_by("-numchild", "path")[:2]
        )
        first, other = communes[0], communes[1]
    deep_node = (
        Organization.objects.filter(path__startswith=province.path, numchild__gt=0)
        .order_by("-depth", "path")
        .first()
    )
    organization = province
    member = (
        Member.objects.filter(
            organization__path__startswith=province.path,
            status__in=ACTIVE_MEMBER_STATUSES,
            positions__isnull=False,
        )
        .order_by("id")
        .first()
    )
    common = (
        Member.objects.filter(organization__path__startswith=province.path)
        .values_list("full_name", flat=True)
        .order_by("id")[:200]
    )
    # A name typed without diacritics that finds a handful of members.
    search = fold(sorted(common, key=len)[len(common) // 2]) if common else "nguyen"
    kind = (
        AwardKind.objects.filter(
            granting_organization=province,
            criterion=Criterion.CONSECUTIVE_EXCELLENT_MEMBER,
        )
        .order_by("id")
        .first()
    )
    kinds = list(
        AwardKind.objects.filter(
            criterion=Criterion.CONSECUTIVE_EXCELLENT_MEMBER
        ).order_by("granting_organization__path")
    )
    period = EmulationPeriod.objects.get(
        period_type=PeriodType.TERM, start_year=2020, end_year=2025
    )
    from django.utils import timezone

    from awards.selectors import occasion_dates

    today = timezone.localdate()
    occasion = next(
        (d for d in occasion_dates(today.year) if d >= today),
        occasion_dates(today.year + 1)[0],
    )
    return Context(
        scale=scale,
        province_user=province_user,
        nation_user=nation_user,
        province=first,
        other_province=other,
        deep_node=deep_node,
        organization=organization,
        member=member,
        search=search,
        plan=current_plan(),
        eligibility_kind=kind,
        eligibility_period=period,
        kinds_by_province=kinds,
        occasion=occasion,
        today=today,
    )


# ---------------------------------------------------------------- pages


class SqlTimer:
    """Counts the statements of a request and the time spent in them."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def deep_cursor(user: Any, page: int) -> str:
    """The cursor of the "Next" link that leads to ``page`` of the filtered
    member list (as a user reaches it, following the links)."""
    from django.conf import settings

    from committees import selectors
    from portal import pagination

    members = selectors.member_list(user, status="official", sort="name")
    position = (page - 1) * settings.PAGE_SIZE - 1
    last = members[position : position + 1].first()
    if last is None:
        return ""
    fields = [name.lstrip("-") for name in selectors.MEMBER_SORTS["name"]]
    return pagination.encode([getattr(last, name) for name in fields])


def page_cases(ctx: Context, user: Any) -> list[tuple[str, str]]:
    """(case, URL) of every page of the suite, for a user."""
    from django.urls import reverse

    province = ctx.organization
    eligibility = (
        f"{reverse('awards:eligibility')}?kind={ctx.eligibility_kind.pk}"
        f"&period={ctx.eligibility_period.pk}"
    )
    members = reverse("committees:member_list")
    return [
        ("dashboard", reverse("dashboard")),
        ("dashboard, figures not cached", reverse("dashboard") + "?nocache"),
        ("tree: roots", reverse("committees:organization_tree")),
        (
            "tree: a province",
            reverse("committees:organization_children", args=[province.pk]),
        ),
        (
            "tree: a deep cell",
            reverse("committees:organization_children", args=[ctx.deep_node.pk]),
        ),
        (
            "tree as of 14/01/2025",
            reverse("committees:organization_tree") + "?on=2025-01-14",
        ),
        (
            "tree as of 14/01/2025: a province opened",
            reverse("committees:organization_children", args=[province.pk])
            + "?on=2025-01-14",
        ),
        (
            "organization page (province)",
            reverse("committees:organization_detail", args=[province.pk]),
        ),
        ("member search without diacritics", f"{members}?q={ctx.search}"),
        ("member list, filtered, page 1", f"{members}?status=official&sort=name"),
        (
            "member list, filtered, page 500",
            f"{members}?status=official&sort=name&page=500"
            f"&after={deep_cursor(user, 500)}",
        ),
        ("member page", reverse("committees:member_detail", args=[ctx.member.pk])),
        ("congress schedule", reverse("congresses:schedule")),
        ("congress timeline", reverse("congresses:timeline")),
        ("schedule rules report", reverse("congresses:rules_report")),
        ("eligibility (5 years excellent)", eligibility),
        (
            "badges due on the next occasion",
            f"{reverse('awards:badges')}?year={ctx.occasion.year}"
            f"&occasion={ctx.occasion:%m-%d}",
        ),
        ("award register", reverse("awards:register")),
    ]


#: A page slower than this on its first request is measured SLOW_REPEAT
#: times instead of ``--repeat``: its verdict is plain either way, and 30
#: requests of 20 s would hold the whole suite for ten minutes.
SLOW_SECONDS = 5.0
SLOW_REPEAT = 3


def measure_page(client: Any, url: str, repeat: int, warmup: int) -> dict[str, Any]:
    from django.db import connection

    times, sql_times, counts = [], [], []
    status = None
    slow = False
    i = 0
    while i < warmup + repeat:
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        status = response.status_code
        if status != 200:
            raise AssertionError(f"{url} answered {status}")
        if i == 0 and elapsed > SLOW_SECONDS:
            warmup, repeat, slow = 0, min(repeat, SLOW_REPEAT), True
        if i >= warmup:
            times.append(elapsed * 1000)
            sql_times.append(timer.seconds * 1000)
            counts.append(timer.count)
        i += 1
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "queries": max(counts),
        "queries_min": min(counts),
        "sql_p50": percentile(sql_times, 50),
        "status": status,
        "n": repeat,
        "slow": slow,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run_pages(
    ctx: Context,
    *,
    repeat: int,
    warmup: int,
    only: str = "",
    say: Callable[[str], None],
) -> list[Row]:
    from django.test import Client, override_settings

    rows = []
    users = (("province", ctx.province_user), ("nation", ctx.nation_user))
    target_scale = ctx.scale if ctx.scale in PAGE_P95_MS else "province"
    for label, user in users:
        client = Client()
        client.force_login(user)
        limit = PAGE_P95_MS["province" if label == "province" else "nation"]
        for case, url in page_cases(ctx, user):
            if only and only not in case:
                continue
            if url.endswith("?nocache"):  # the same page, its cache off
                with override_settings(DASHBOARD_CACHE_SECONDS=0):
                    values = measure_page(
                        client, url[: -len("?nocache")], repeat, warmup
                    )
            else:
                values = measure_page(client, url, repeat, warmup)
            met = values["p95"] <= limit and values["queries"] <= MAX_QUERIES
            rows.append(
                Row(
                    "pages",
                    case,
                    label,
                    values,
                    target=f"p95 ≤ {limit:.0f} ms, ≤ {MAX_QUERIES} queries",
                    met=met if target_scale != "tiny" else None,
                    note=url,
                )
            )
            say(
                f"  {label:8} {case:40} p50 {values['p50']:7.1f} ms  "
                f"p95 {values['p95']:7.1f} ms  {values['queries']:3d} queries  "
                f"SQL {values['sql_p50']:7.1f} ms"
            )
    return rows


# ---------------------------------------------------------------- jobs


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run a writing job and undo it: the dataset stays reusable."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def job_sweep(ctx: Context) -> list[Row]:
    """The reminder sweep on a day when about 1% of the milestones cross a
    threshold, and on a day when none does (its fixed cost)."""
    from congresses.models import Milestone
    from congresses.reminders import candidate_milestones, sweep_milestone_reminders

    rows = []
    total = Milestone.objects.count()
    quiet_day = date(ctx.today.year, 1, 1) - timedelta(days=400)
    for label, day in (("today", ctx.today), ("a day without reminders", quiet_day)):
        candidates = candidate_milestones(day).count()
        with rolled_back():
            seconds, result = timed(
                lambda day=day: sweep_milestone_reminders(today=day, enqueue=False)
            )
        rows.append(
            Row(
                "jobs",
                f"reminder sweep ({label})",
                values={
                    "seconds": seconds,
                    "rows": result.written,
                    "detail": (
                        f"{candidates:,} open milestones in the window "
                        f"({candidates / max(total, 1):.1%} of {total:,}); "
                        f"{result.written:,} notices for "
                        f"{len(result.recipients):,} recipients"
                    ),
                },
                target=f"≤ {TARGET_SECONDS['sweep']:.0f} s",
                met=seconds <= TARGET_SECONDS["sweep"],
            )
        )
    return rows


def job_eligibility(ctx: Context) -> list[Row]:
    from awards.selectors import eligible_candidates

    rows = []
    seconds, found = timed(
        lambda: eligible_candidates(
            ctx.province_user, kind=ctx.eligibility_kind, period=ctx.eligibility_period
        )
    )
    rows.append(
        Row(
            "jobs",
            "eligibility: a province (5 years excellent)",
            values={"seconds": seconds, "rows": len(found), "detail": ""},
            target=f"≤ {TARGET_SECONDS['eligibility_province']:.0f} s",
            met=seconds <= TARGET_SECONDS["eligibility_province"],
        )
    )
    started = time.perf_counter()
    count = 0
    for kind in ctx.kinds_by_province:  # the kind of each province, in turn
        count += len(
            eligible_candidates(
                ctx.nation_user, kind=kind, period=ctx.eligibility_period
            )
        )
    seconds = time.perf_counter() - started
    rows.append(
        Row(
            "jobs",
            "eligibility: the nation (every province's kind)",
            values={
                "seconds": seconds,
                "rows": count,
                "detail": f"{len(ctx.kinds_by_province)} provinces",
            },
            target=f"≤ {TARGET_SECONDS['eligibility_nation']:.0f} s",
            met=seconds <= TARGET_SECONDS["eligibility_nation"],
        )
    )
    return rows


def import_rows(count: int, codes: list[str]) -> Iterator[list[Any]]:
    """Rows of the import template: new members, valid, in the given cells."""
    import random

    from django.utils import timezone

    from committees import member_columns as mc

    today = timezone.localdate()
    rng = random.Random(2026)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ"]
    middle = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Hữu"]
    given = ["Gấu", "Hoa", "Lan", "Hùng", "Dũng", "Hằng", "Tuấn", "Hương", "Sơn"]
    for i in range(count):
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
        admitted = born + timedelta(days=365 * 22 + rng.randrange(0, 365 * 15))
        admitted = min(admitted, today - timedelta(days=400))
        official = admitted + timedelta(days=380)
        yield [
            f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}",
            born.strftime("%d/%m/%Y"),
            "Nữ" if i % 2 else "Nam",
            f"99{i:08d}",
            f"9{i:011d}",
            admitted.strftime("%d/%m/%Y"),
            official.strftime("%d/%m/%Y"),
            mc.STATUS_WORDS.get("official", "Chính thức"),
            "",
            codes[i % len(codes)],
            "",
            mc.NO,
            "",
        ][: len(mc.TEMPLATE_HEADERS)]


def job_import(ctx: Context, rows: int) -> list[Row]:
    """The import of ``rows`` new members from an .xlsx file, as the import
    job runs it (check every row, then write in one transaction), undone."""
    from django.conf import settings
    from django.core.files import File
    from openpyxl import Workbook

    from committees import imports
    from committees import member_columns as mc
    from committees.models import MEMBER_HOLDING_KINDS, Organization

    codes = list(
        Organization.objects.filter(
            path__startswith=ctx.province.path, kind__in=MEMBER_HOLDING_KINDS
        )
        .order_by("path")
        .values_list("code", flat=True)[:200]
    )
    user = ctx.province_user
    with tempfile.TemporaryDirectory() as tmp:
        old_media, old_max = settings.MEDIA_ROOT, settings.IMPORT_MAX_ROWS
        settings.MEDIA_ROOT = Path(tmp) / "media"
        settings.IMPORT_MAX_ROWS = max(old_max, rows)
        try:
            path = Path(tmp) / "members.xlsx"
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("Đảng viên")
            sheet.append(list(mc.TEMPLATE_HEADERS))
            for row in import_rows(rows, codes):
                sheet.append(row)
            workbook.save(path)
            with path.open("rb") as handle:
                upload = imports.store_upload(
                    acting_user=user, uploaded_file=File(handle, name=path.name)
                )
            watch = imports.Stopwatch()
            with rolled_back():
                result = imports.import_members(
                    acting_user=user, upload=upload, progress=watch
                )
                seconds = watch.stop()
            imports.discard_upload(upload)
        finally:
            settings.MEDIA_ROOT, settings.IMPORT_MAX_ROWS = old_media, old_max
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in watch.steps.items())
    return [
        Row(
            "jobs",
            f"import of {rows:,} rows (.xlsx)",
            values={
                "seconds": seconds,
                "rows": result.created,
                "detail": f"{steps}; {result.skipped_bad:,} bad",
            },
            target=f"≤ {TARGET_SECONDS['import']:.0f} s",
            met=seconds <= TARGET_SECONDS["import"] and result.created == rows,
        )
    ]


EXPORT_CHILD = """
import resource, time
import django

def peak_mb():
    # VmHWM: this process's own high-water mark (ru_maxrss would include the
    # parent's resident size at the fork).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

django.setup()
from committees import exports
from portal.models import User
user = User.objects.get(username="bench-province")
baseline = peak_mb()
started = time.perf_counter()
handle, count = exports.build_xlsx(user, exports.Filters(user, {}))
seconds = time.perf_counter() - started
size = handle.seek(0, 2)
handle.close()
print(f"{seconds} {count} {peak_mb()} {baseline} {size}")
"""


def job_export(ctx: Context, env: dict[str, str] | None) -> list[Row]:
    """The province's members to .xlsx, in a child process: time and peak
    resident memory of the whole process (Python and Django included)."""
    if env is None:  # in the test suite: in process, the same code path
        from committees import exports

        started = time.perf_counter()
        user = ctx.province_user
        handle, count = exports.build_xlsx(user, exports.Filters(user, {}))
        handle.close()
        seconds, peak, baseline, size = time.perf_counter() - started, 0.0, 0.0, 0
    else:
        output = subprocess.run(
            [sys.executable, "-c", EXPORT_CHILD],
            env={**os.environ, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        seconds, count, peak, baseline, size = (
            float(output[0]),
            int(output[1]),
            float(output[2]),
            float(output[3]),
            int(output[4]),
        )
    return [
        Row(
            "jobs",
            "export of a province's members (.xlsx)",
            values={
                "seconds": seconds,
                "rows": count,
                "peak_mb": peak,
                "detail": f"peak RSS {peak:.0f} MB (Django loaded: {baseline:.0f} MB); "
                f"file {size / 1e6:.1f} MB",
            },
            target=f"≤ {TARGET_SECONDS['export']:.0f} s, ≤ {EXPORT_PEAK_MB:.0f} MB",
            met=(
                seconds <= TARGET_SECONDS["export"]
                and (peak == 0 or peak <= EXPORT_PEAK_MB)
            ),
        )
    ]


def job_merge(ctx: Context) -> list[Row]:
    """Two top organizations merged in one transaction (two provinces at
    the nation scale, the 2025 reform), undone afterwards."""
    from committees import restructuring
    from committees.models import Member

    source, target = ctx.other_province, ctx.province
    moving = Member.objects.filter(organization__path__startswith=source.path).count()
    with rolled_back():
        seconds, _record = timed(
            lambda: restructuring.merge_organizations(
                acting_user=ctx.nation_user,
                sources=[source],
                target=target,
                effective_on=ctx.today,
                reason="Hợp nhất (benchmark)",
                decision_number="1-QĐ/TW",
            )
        )
    return [
        Row(
            "jobs",
            f"merge of two {'provinces' if source.depth == 1 else 'committees'}",
            values={
                "seconds": seconds,
                "rows": moving,
                "detail": f"{source.code} into {target.code}: {moving:,} members "
                "below the merged one",
            },
            target=f"≤ {TARGET_SECONDS['merge']:.0f} s, one transaction",
            met=seconds <= TARGET_SECONDS["merge"],
        )
    ]


# ---------------------------------------------------------------- throughput


def session_cookie(user: Any) -> str:
    """A logged-in session stored in the database, as a cookie header value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/ok/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


WRK_LUA = """
wrk.headers["Cookie"] = "{cookie}"
"""


def wrk(url: str, cookie: str, *, seconds: int, connections: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA.format(cookie=cookie))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(output)


def parse_wrk(output: str) -> dict[str, Any]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in found.groups())
    return {
        "rps": rps,
        "p50_ms": ms(p50.group(1)) if p50 else 0.0,
        "p99_ms": ms(p99.group(1)) if p99 else 0.0,
        "requests": requests,
        "errors": errors,
    }


def python_load(
    url: str, cookie: str, *, seconds: float, connections: int
) -> dict[str, Any]:
    """A small load generator for the test suite (no wrk, a live server)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            request = urllib.request.Request(url, headers={"Cookie": cookie})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not ok

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "requests": len(latencies),
        "errors": errors,
    }


def run_throughput(
    ctx: Context,
    *,
    base_url: str,
    load: Callable[..., dict[str, Any]],
    seconds: float,
    connections: int,
    say: Callable[[str], None],
) -> list[Row]:
    from django.urls import reverse

    cookie = session_cookie(ctx.province_user)
    targets = [
        ("bare view (“ok”)", "/bench/ok/"),
        ("dashboard (province user)", reverse("dashboard")),
        ("member list (province user)", reverse("committees:member_list")),
    ]
    results = {}
    rows = []
    for case, path in targets:
        load(base_url + path, cookie, seconds=1, connections=2)  # warm-up
        results[case] = load(
            base_url + path, cookie, seconds=seconds, connections=connections
        )
        say(f"  {case:32} {results[case]}")
    bare = results[targets[0][0]]["rps"] or 1.0
    for case, _path in targets:
        values = dict(results[case])
        values["ratio"] = values["rps"] / bare
        met = None
        target = ""
        if case.startswith("dashboard"):
            target = (
                f"≥ {THROUGHPUT_RATIO:.0%} of the bare view, 0 errors, "
                f"p99 ≤ {THROUGHPUT_P99_MS:.0f} ms"
            )
            met = (
                values["ratio"] >= THROUGHPUT_RATIO
                and values["errors"] == 0
                and values["p99_ms"] <= THROUGHPUT_P99_MS
            )
        rows.append(Row("throughput", case, "province", values, target, met))
    return rows


# ---------------------------------------------------------------- the suite


def settle(say: Callable[[str], None]) -> None:
    """VACUUM ANALYZE before measuring (PostgreSQL): the jobs of an earlier
    run were rolled back and left their rows dead (200,000 imported members,
    a merged province), which slowed the next run's pages by a third until
    autovacuum came by. Pages all-visible already are skipped.

    First what the beat does every 15 minutes in production: count the
    first days of months not counted yet (a dataset generated last month)
    or reached by a change dated back (``committees.dated_tallies``)."""
    from django.db import connection

    from committees import dated_tallies

    started = time.perf_counter()
    days = dated_tallies.refresh()
    seconds = time.perf_counter() - started
    say(f"dated tallies: {len(days)} days counted in {seconds:.1f} s")
    if connection.vendor != "postgresql":
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    say(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


def run_suite(
    scale: str,
    *,
    repeat: int = 30,
    warmup: int = 3,
    only: str = "",
    pages: bool = True,
    jobs: bool = True,
    import_count: int = 200_000,
    throughput: str = "wrk",  # "wrk", a live server URL, or "" for none
    throughput_seconds: float = 15,
    child_env: dict[str, str] | None = None,
    say: Callable[[str], None] = print,
) -> list[Row]:
    settle(say)
    ctx = find_context(scale)
    rows: list[Row] = []
    if pages:
        say(f"pages ({repeat} requests each after {warmup} to warm up):")
        rows += run_pages(ctx, repeat=repeat, warmup=warmup, only=only, say=say)
    if jobs and not only:
        say("jobs:")
        for job in (
            job_sweep,
            job_eligibility,
            lambda c: job_import(c, import_count),
            lambda c: job_export(c, child_env),
            job_merge,
        ):
            for row in job(ctx):
                say(f"  {row.case:50} {row.values['seconds']:8.2f} s  {row.values}")
                rows.append(row)
    if throughput and not only:
        say("throughput:")
        if throughput == "wrk":
            with gunicorn(child_env or {}) as base:
                rows += run_throughput(
                    ctx,
                    base_url=base,
                    load=wrk,
                    seconds=int(throughput_seconds),
                    connections=32,
                    say=say,
                )
        else:
            rows += run_throughput(
                ctx,
                base_url=throughput,
                load=python_load,
                seconds=throughput_seconds,
                connections=4,
                say=say,
            )
    return rows


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    from django.db import connection

    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
            memory = f"{kb / 1024**2:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            info["shared_buffers"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            )
            info["database size"] = cursor.fetchone()[0]
    return info


def dataset() -> dict[str, int]:
    from awards.models import Award
    from committees.models import Member, Organization, Position, Rating
    from congresses.models import Congress, Milestone

    return {
        "organizations": Organization.objects.count(),
        "members": Member.objects.count(),
        "ratings": Rating.objects.count(),
        "positions": Position.objects.count(),
        "congresses": Congress.objects.count(),
        "milestones": Milestone.objects.count(),
        "awards": Award.objects.count(),
    }


def mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "–"}[met]


def render(scale: str, rows: list[Row], seconds: float) -> str:
    from django.utils import timezone

    info = machine()
    counts = dataset()
    out = [
        f"### Scale: {scale}",
        "",
        f"Run {timezone.localtime():%d/%m/%Y %H:%M} ({seconds / 60:.0f} min). "
        + ", ".join(f"{k}: {v}" for k, v in info.items())
        + ".",
        "",
        "Data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + ".",
        "",
    ]
    pages = [r for r in rows if r.section == "pages"]
    if pages:
        out += [
            "| page | user | p50 ms | p95 ms | queries | SQL ms (p50) | target |",
            "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in pages:
            v = r.values
            queries = (
                str(v["queries"])
                if v["queries"] == v["queries_min"]
                else f"{v['queries_min']}–{v['queries']}"
            )
            case = f"{r.case} ({v['n']} requests)" if v.get("slow") else r.case
            out.append(
                f"| {case} | {r.user} | {v['p50']:.1f} | {v['p95']:.1f} | "
                f"{queries} | {v['sql_p50']:.1f} | {mark(r.met)} |"
            )
        out.append("")
    jobs = [r for r in rows if r.section == "jobs"]
    if jobs:
        out += [
            "| job | seconds | rows | detail | target | |",
            "| --- | ---: | ---: | --- | --- | --- |",
        ]
        for r in jobs:
            v = r.values
            out.append(
                f"| {r.case} | {v['seconds']:.2f} | {v['rows']:,} | {v['detail']} | "
                f"{r.target} | {mark(r.met)} |"
            )
        out.append("")
    load = [r for r in rows if r.section == "throughput"]
    if load:
        out += [
            "| throughput (gunicorn, 2 workers, wrk, 32 connections) | requests/s "
            "| of the bare view | errors | p50 ms | p99 ms | target | |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for r in load:
            v = r.values
            out.append(
                f"| {r.case} | {v['rps']:.0f} | {v['ratio']:.0%} | {v['errors']} | "
                f"{v['p50_ms']:.1f} | {v['p99_ms']:.1f} | {r.target or '–'} | "
                f"{mark(r.met)} |"
            )
        out.append("")
    return "\n".join(out)


def write_results(path: Path, scale: str, text: str) -> None:
    start, end = f"<!-- results:{scale} -->", f"<!-- /results:{scale} -->"
    block = f"{start}\n{text}\n{end}"
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _old, after = rest.split(end, 1)
        current = before + block + after
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(current)


def collect_static(env: dict[str, str]) -> None:
    target = Path(env["STATIC_ROOT"])
    if (target / "staticfiles.json").exists():
        return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmark suite.")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="only the pages whose name has it")
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument("--no-jobs", action="store_true")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--import-rows", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=15, help="per wrk run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    database_url = os.environ.get(
        "DATABASE_URL", f"postgres://postgres@127.0.0.1/portal_bench_{args.scale}"
    )
    env = bench_environment(database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    collect_static(env)
    if not args.no_throughput and not shutil.which("wrk"):
        sys.exit("wrk is needed for the throughput runs: apt-get install -y wrk")
    import django

    django.setup()
    started = time.perf_counter()
    rows = run_suite(
        args.scale,
        repeat=args.repeat,
        warmup=args.warmup,
        only=args.only,
        pages=not args.no_pages,
        jobs=not args.no_jobs,
        import_count=args.import_rows,
        throughput="" if args.no_throughput else "wrk",
        throughput_seconds=args.seconds,
        child_env=env,
    )
    text = render(args.scale, rows, time.perf_counter() - started)
    if args.only:
        print(text)
        return
    write_results(args.out, args.scale, text)
    print(f"Results written to {args.out}")


if __name__ == "__main__":
    main()
