from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from committees import selectors as committee_selectors
from committees import transfer_selectors

from .forms import PreferencesForm


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "stats": committee_selectors.dashboard(request.user),
        "overdue_transfers": transfer_selectors.overdue_for_dashboard(request.user),
    }
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


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """The user's own settings: reminder emails on or off, and language."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)
        messages.success(request, _("Your preferences were saved."))
        response = redirect("preferences")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
        return response
    return render(request, "portal/preferences.html", {"form": form})


def bench_ok(request: HttpRequest) -> HttpResponse:
    """A bare view for the benchmark's throughput baseline (``BENCH_VIEWS``)."""
    return HttpResponse("ok", content_type="text/plain")
