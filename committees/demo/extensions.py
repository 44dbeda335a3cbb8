"""Demo data of later apps, loaded after the committees' part.

Each app that wants demo data gives a ``<app>.demo`` module with a function
``load(*, stdout)`` that is idempotent on its own; ``load_demo`` calls it when
the app is installed and the module exists, so no app has to edit the
command. The names are looked up at run time: ``committees`` still imports
nothing from the apps that build on it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from typing import Any

from django.apps import apps

DEMO_EXTENSIONS: tuple[str, ...] = ("congresses.demo", "awards.demo")


def run_demo_extensions(
    *, stdout: Any, modules: Iterable[str] = DEMO_EXTENSIONS
) -> list[str]:
    """Call ``load(stdout=...)`` of each present module; return their names."""
    loaded = []
    for name in modules:
        app = name.partition(".")[0]
        # find_spec imports the parent package: only look inside installed apps.
        if not apps.is_installed(app) or importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).load(stdout=stdout)
        loaded.append(name)
    return loaded
