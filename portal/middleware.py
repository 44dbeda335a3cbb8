from __future__ import annotations

from django.utils import translation


class UserLanguageMiddleware:
    """Serve a signed-in user in their preferred language.

    LocaleMiddleware has already chosen from the session cookie or the
    browser; a signed-in user's own choice wins over both.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
