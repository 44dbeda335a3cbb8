"""Production settings: the deploy checks pass, and a weak setup refuses to start.

Each test starts ``manage.py`` in a fresh process with production-like
variables, as a server would, since settings are read once at import.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
KEY_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Settings the parent test run may carry that a server would not.
        if key
        not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "PORTAL_TESTING", "EMAIL_URL"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": "".join(secrets.choice(KEY_ALPHABET) for _ in range(64)),
            "ALLOWED_HOSTS": "portal.example.vn",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "PORTAL_TESTING": "0",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(tmp_path: Path, *args: str, **overrides: str | None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_deploy_checks_pass_with_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.slow
def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage(tmp_path, "check", SECRET_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


@pytest.mark.slow
def test_it_refuses_to_start_with_an_empty_secret_key(tmp_path):
    result = manage(tmp_path, "check", SECRET_KEY="")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "weak",
    [
        "short-key",
        "django-insecure-" + "x1y2z3" * 10,
        "a" * 64,
        "dev-only-insecure-key-for-make-run-and-tests-never-in-production",
    ],
    ids=["short", "django-insecure", "one-letter", "the-dev-key"],
)
def test_it_refuses_to_start_with_a_weak_secret_key(tmp_path, weak):
    result = manage(tmp_path, "check", SECRET_KEY=weak)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is too weak" in result.stderr


@pytest.mark.slow
def test_development_starts_without_a_secret_key(tmp_path):
    result = manage(tmp_path, "check", SECRET_KEY=None, DEBUG="1")
    assert result.returncode == 0, result.stderr
