from __future__ import annotations

from django.conf import settings


def portal(request):
    return {"PORTAL_BASE_URL": settings.PORTAL_BASE_URL}
