"""The Vietnamese catalogue is complete and its compiled form is current.

These tests need gettext's tools (xgettext, msgfmt): skipped with the reason
outside CI when missing, failed in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("portal", "committees", "congresses", "awards", "templates", "locale")
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES"


@pytest.fixture
def gettext_tools():
    if not (shutil.which("xgettext") and shutil.which("msgfmt")):
        missing_service("needs gettext's xgettext and msgfmt (apt install gettext)")


def _statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_every_string_of_the_code_is_translated_to_vietnamese(tmp_path, gettext_tools):
    # Extract from a copy, so that the working tree is left as it is.
    for name in SOURCES:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "PORTAL_TESTING": "1", "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    stats = _statistics(tmp_path / "locale/vi/LC_MESSAGES/django.po")
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        f"{stats}: run `make messages` and translate the new strings"
    )


def test_the_compiled_catalogue_matches_the_po_file(tmp_path, gettext_tools):
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True
    )
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), (
        "locale/vi/LC_MESSAGES/django.mo is stale: run `make messages`"
    )


def test_the_interface_speaks_vietnamese_by_default():
    with translation.override("vi"):
        assert translation.gettext("Party members") != "Party members"
