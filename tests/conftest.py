"""Shared fixtures and the rule for tests that need real services.

A test marked ``postgres``, ``redis`` or ``browser`` needs PostgreSQL, a
Redis server or Debian's chromium. Outside CI it is skipped, with the reason
printed in the summary; with CI=true a missing service fails it.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest

from committees.models import Organization
from portal.models import User
from portal.roles import Role
from tests.factories import K, MemberFactory, org, user

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_service(reason: str) -> None:
    """Skip outside CI with the reason; fail in CI, where it must be there."""
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    url = urlparse(os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
    try:
        with socket.create_connection(
            (url.hostname or "127.0.0.1", url.port or 6379), 1
        ):
            return True
    except OSError:
        return False


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not redis_available():
        missing_service("needs a Redis server at CELERY_BROKER_URL")
    if item.get_closest_marker("browser"):
        if not shutil.which(CHROMIUM):
            missing_service(
                f"needs Debian's chromium at {CHROMIUM} (apt install chromium)"
            )


#: Tables whose rows the database triggers write (the tallies and runs of
#: ``committees`` migrations 0007, 0010, 0011) and the tables whose deletes
#: fire those triggers.
TRIGGER_WRITTEN = (
    "committees_membertally",
    "committees_ratingtally",
    "committees_excellentrun",
)
TRIGGER_SOURCES = ("committees_rating", "committees_member")


def _flush_rank(statement: str) -> int:
    if any(f'"{table}"' in statement for table in TRIGGER_SOURCES):
        return 0
    return 2 if any(f'"{table}"' in statement for table in TRIGGER_WRITTEN) else 1


@pytest.fixture(autouse=True, scope="session")
def flush_trigger_tables_last() -> object:
    """Transactional tests (browser, integration) end with a flush, which on
    SQLite deletes table by table in an order that changes with the hash
    seed. Deleting ratings or members fires the row triggers that write the
    tallies and runs: if those tables were emptied first, the rows written
    then point at deleted members and the flush's commit fails (the deferred
    foreign keys). Members and ratings go first, the tallies last."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    # The backend's module first: it imports its operations (the other way
    # round is a circular import).
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        return sorted(original(self, style, tables, **kwargs), key=_flush_rank)

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def english(settings):
    """Tests read the English messages (the msgids); the Vietnamese catalogue
    has its own tests (tests/portal/test_i18n.py), and a test that checks
    Vietnamese text asks for it with ``translation.override("vi")`` or a user
    whose language is ``vi``."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@dataclass
class Tree:
    """A small province: the city and a sibling district, each with cells."""

    province: Organization
    city: Organization
    city_grassroots: Organization
    city_cell: Organization
    city_cell_2: Organization
    district: Organization
    district_grassroots: Organization
    district_cell: Organization


@pytest.fixture
def tree(db) -> Tree:
    province = org(None, K.PROVINCE, "Đảng bộ tỉnh Bắc Giang", "TU-BG")
    city = org(province, K.DISTRICT, "Đảng bộ thành phố Bắc Giang", "TP-BG")
    city_grassroots = org(
        city, K.GRASSROOTS_COMMITTEE, "Đảng bộ phường Trần Phú", "TP-BG-TP"
    )
    city_cell = org(city_grassroots, K.CELL, "Chi bộ tổ dân phố số 1", "TP-BG-TP-1")
    city_cell_2 = org(city_grassroots, K.CELL, "Chi bộ tổ dân phố số 2", "TP-BG-TP-2")
    district = org(province, K.DISTRICT, "Đảng bộ huyện Hiệp Hòa", "HU-HH")
    district_grassroots = org(
        district, K.GRASSROOTS_COMMITTEE, "Đảng bộ xã Đức Thắng", "HU-HH-DT"
    )
    district_cell = org(
        district_grassroots, K.CELL, "Chi bộ thôn Đồng Tâm", "HU-HH-DT-1"
    )
    return Tree(
        province,
        city,
        city_grassroots,
        city_cell,
        city_cell_2,
        district,
        district_grassroots,
        district_cell,
    )


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(
        username="root",
        email="root@example.org",
        password="pw-for-tests-only",
        language="en",
    )


@pytest.fixture
def province_staff(tree) -> User:
    return user("province", tree.province)


@pytest.fixture
def city_staff(tree) -> User:
    return user("city", tree.city)


@pytest.fixture
def city_viewer(tree) -> User:
    return user("cityviewer", tree.city, Role.VIEWER)


@pytest.fixture
def outsider(tree) -> User:
    """Staff of the sibling district, with every role."""
    return user("outsider", tree.district)


@pytest.fixture
def city_member(tree):
    return MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)


@pytest.fixture
def district_member(tree):
    return MemberFactory(full_name="Trần Thị Hoa", organization=tree.district_cell)
