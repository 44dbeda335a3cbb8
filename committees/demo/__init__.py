"""The demo province loaded by ``manage.py load_demo`` (and ``make run``).

``build_demo`` builds Bac Giang as of January 2025 (``places`` holds the
tree and the leaders, ``names`` the Vietnamese names, ``builder`` the rest);
``ensure_demo_accounts`` makes the demo logins; ``run_demo_extensions`` lets
later apps add their own demo data (``congresses.demo``, ``awards.demo``).
"""

from __future__ import annotations

from .accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from .builder import DemoSummary, build_demo
from .extensions import DEMO_EXTENSIONS, run_demo_extensions

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_EXTENSIONS",
    "DemoSummary",
    "build_demo",
    "ensure_demo_accounts",
    "run_demo_extensions",
]
