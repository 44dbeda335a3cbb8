#!/usr/bin/env python3
"""Benchmark: import 200,000 party members from one file, as a user would.

Builds (once) a benchmark scope — a province "BENCH" with 200 party cells —
and a user of its Organization board, writes a 200,000-row file with the
template's Vietnamese headers, then times ``imports.import_members`` (the
service the page's job calls: check every row, then write in one
transaction with history rows). Members of an earlier run are deleted first.

Usage (against PostgreSQL; the issue's target is under 120 s):

    DATABASE_URL=postgres://postgres@127.0.0.1/portal_h8 \\
        .venv/bin/python bench/import_200k.py [--rows 200000] [--format xlsx|csv]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# As in production: DEBUG off (with DEBUG on, Django keeps the text of every
# query, which for batched inserts costs more than the inserts).
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from committees import imports, services  # noqa: E402
from committees import member_columns as mc  # noqa: E402
from committees.models import (  # noqa: E402
    Member,
    MemberPlacement,
    Organization,
    OrganizationKind,
)
from portal.models import User  # noqa: E402
from portal.roles import Role  # noqa: E402

K = OrganizationKind
CELLS = 200
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Hữu"]
GIVEN = ["Gấu", "Hoa", "Lan", "Hùng", "Dũng", "Hằng", "Tuấn", "Hương", "Sơn", "Yến"]


def scope() -> tuple[User, list[str]]:
    """The benchmark province, its cells and its board user (made once)."""
    province = Organization.objects.filter(code="BENCH").first()
    if province is None:
        province = services.create_organization(
            acting_user=None,
            parent=None,
            name="Đảng bộ tỉnh Thử nghiệm",
            code="BENCH",
            kind=K.PROVINCE,
        )
        district = services.create_organization(
            acting_user=None,
            parent=province,
            name="Đảng bộ huyện Thử",
            code="BENCH-H",
            kind=K.DISTRICT,
        )
        for g in range(10):
            grassroots = services.create_organization(
                acting_user=None,
                parent=district,
                name=f"Đảng bộ xã Thử {g + 1}",
                code=f"BENCH-X{g + 1:02d}",
                kind=K.GRASSROOTS_COMMITTEE,
            )
            for c in range(CELLS // 10):
                services.create_organization(
                    acting_user=None,
                    parent=grassroots,
                    name=f"Chi bộ thôn {g + 1}.{c + 1}",
                    code=f"BENCH-C{g + 1:02d}{c + 1:02d}",
                    kind=K.CELL,
                )
    user = User.objects.filter(username="bench-importer").first()
    if user is None:
        user = User.objects.create_user(
            username="bench-importer",
            password=None,
            full_name="Benchmark importer",
            scope=province,
        )
        user.groups.set(Group.objects.filter(name=Role.ORGANIZATION_BOARD))
    codes = list(
        Organization.objects.filter(path__startswith=province.path, kind=K.CELL)
        .order_by("path")
        .values_list("code", flat=True)
    )
    return User.objects.get(pk=user.pk), codes


def clear(codes: list[str]) -> int:
    """Members of an earlier run, and their history rows, deleted in SQL."""
    members = Member.objects.filter(organization__code__in=codes)
    ids = list(members.values_list("pk", flat=True))
    history = Member.history.model
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 10_000):
            batch = ids[start : start + 10_000]
            cursor.execute(
                f"DELETE FROM {history._meta.db_table} WHERE id = ANY(%s)", [batch]
            )
            cursor.execute(
                f"DELETE FROM {MemberPlacement._meta.db_table} "
                "WHERE member_id = ANY(%s)",
                [batch],
            )
            cursor.execute(
                f"DELETE FROM {Member._meta.db_table} WHERE id = ANY(%s)", [batch]
            )
    return len(ids)


def rows(count: int, codes: list[str]) -> list[list[object]]:
    random.seed(2025)
    today = timezone.localdate()
    out = []
    for i in range(count):
        born = date(1945, 1, 1) + timedelta(days=random.randrange(0, 365 * 55))
        admitted = born + timedelta(days=365 * 19 + random.randrange(0, 365 * 20))
        admitted = min(admitted, today - timedelta(days=400))
        official = admitted + timedelta(days=370)
        probationary = i % 20 == 0
        code = codes[i % len(codes)]
        out.append(
            [
                " ".join(random.choice(part) for part in (FAMILY, MIDDLE, GIVEN)),
                born.strftime("%d/%m/%Y"),
                "Nữ" if i % 2 else "Nam",
                f"9{i:08d}",
                f"0{i:011d}",
                admitted.strftime("%d/%m/%Y"),
                "" if probationary else official.strftime("%d/%m/%Y"),
                "Dự bị" if probationary else "Chính thức",
                "",
                code,
                "",
                "Không",
                "",
            ]
        )
    return out


def write_file(path: Path, data: list[list[object]], fmt: str) -> None:
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(mc.TEMPLATE_HEADERS)
            writer.writerows(data)
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đảng viên")
    sheet.append(list(mc.TEMPLATE_HEADERS))
    for row in data:
        sheet.append(row)
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    user, codes = scope()
    print(f"scope: {user.scope} ({len(codes)} cells); cleared {clear(codes):,} members")

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEDIA_ROOT"] = tmp
        from django.conf import settings

        settings.MEDIA_ROOT = Path(tmp) / "media"
        settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
        path = Path(tmp) / f"members.{args.format}"
        started = time.perf_counter()
        write_file(path, rows(args.rows, codes), args.format)
        print(
            f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
            f"{args.format}, written in {time.perf_counter() - started:.1f} s"
        )

        with path.open("rb") as handle:
            upload = imports.store_upload(
                acting_user=user, uploaded_file=File(handle, name=path.name)
            )
        watch = imports.Stopwatch()
        result = imports.import_members(acting_user=user, upload=upload, progress=watch)
        seconds = watch.stop()
        imports.discard_upload(upload)

    steps = ", ".join(f"{k} {v:.1f} s" for k, v in watch.steps.items())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"imported: {result.created:,} created, {result.skipped_bad:,} bad")
    print(f"time: {seconds:.1f} s ({steps})")
    print(f"rate: {args.rows / seconds:,.0f} rows/s; peak memory {peak:,.0f} MB")
    print("target: under 120 s —", "met" if seconds < 120 else "NOT met")


if __name__ == "__main__":
    main()
