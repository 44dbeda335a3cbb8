"""Logging in and out, lockout, password reset and change, language switch."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import user

PASSWORD = "pw-for-tests-only"
ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def clerk(tree):
    return user("clerk", tree.city, language="vi")  # clerk@example.org


def log_in(client, username: str, password: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, **ADDRESS
    )


def signed_in_user(client):
    from django.contrib.auth import get_user

    return get_user(client)


# ---------------------------------------------------------------- log in, out


def test_the_login_page_is_at_accounts_login(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_logging_in_with_the_right_password_opens_the_dashboard(client, clerk):
    response = log_in(client, "clerk", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert signed_in_user(client) == clerk


def test_a_wrong_password_is_refused_on_the_page(client, clerk):
    response = log_in(client, "clerk", "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not signed_in_user(client).is_authenticated


def test_the_account_is_locked_after_too_many_failures(client, clerk):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "clerk", "not-the-password")
    response = log_in(client, "clerk", PASSWORD)
    assert 'data-testid="locked-out"' in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(
    client, clerk
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "clerk", "not-the-password")
    assert log_in(client, "clerk", PASSWORD).status_code == 302
    assert signed_in_user(client) == clerk


def test_logout_is_a_post(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in_user(client) == clerk
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not signed_in_user(client).is_authenticated


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


# ---------------------------------------------------------------- passwords


def test_password_reset_sends_a_link_that_sets_a_new_password(client, clerk):
    response = client.post(reverse("password_reset"), {"email": "clerk@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clerk@example.org"]
    link = re.search(
        r"https?://testserver(/accounts/password/reset/\S+/)", message.body
    )
    assert link, message.body
    # The link swaps its token for a session and redirects to the form.
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    new_password = "a-new-long-passphrase-2025"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    clerk.refresh_from_db()
    assert clerk.check_password(new_password)
    # The link works once.
    assert not client.get(link.group(1), follow=True).context["validlink"]


def test_password_reset_for_an_unknown_address_sends_nothing(client, clerk):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    # Same answer as for a known address: it does not reveal accounts.
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change_works_for_a_signed_in_user(client, clerk):
    client.force_login(clerk)
    new_password = "another-long-passphrase-7"
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    clerk.refresh_from_db()
    assert clerk.check_password(new_password)
    # Still signed in after the change.
    assert signed_in_user(client) == clerk


def test_password_change_needs_the_old_password(client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "another-long-passphrase-7",
            "new_password2": "another-long-passphrase-7",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


# ---------------------------------------------------------------- language


def test_the_language_switch_is_kept_on_the_account(client, clerk):
    client.force_login(clerk)
    assert '<html lang="vi">' in client.get("/").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.language == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_accounts_language_wins_in_a_new_session(client, clerk):
    clerk.language = "en"
    clerk.save()
    # A new browser: no language cookie, a Vietnamese Accept-Language.
    log_in(client, "clerk", PASSWORD)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en">' in page.content.decode()


def test_the_language_switch_refuses_a_get(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("set_language")).status_code == 405
