from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("User name"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class PreferencesForm(forms.ModelForm):
    """What a signed-in user sets for themselves: reminders and language."""

    class Meta:
        model = User
        fields = ("reminders_enabled", "language")
        labels = {"reminders_enabled": _("Email me reminders")}
        help_texts = {
            "reminders_enabled": _(
                "A digest of the deadlines of your organization, at most one "
                "email a day."
            )
        }
