from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from committees import selectors as committee_selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {"stats": committee_selectors.dashboard(request.user)}
    return render(request, "portal/dashboard.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language; a signed-in user keeps the choice on their account."""
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES):
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
    return response
