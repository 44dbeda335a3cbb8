"""Failed notices in the admin, and a user's own reminder preferences."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from committees.models import Organization
from portal.celery import app as celery_app
from portal.models import Notice, NoticeStatus, User
from portal.roles import Role
from tests.factories import user


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def office(tree):
    return user("ward_office", tree.city_grassroots, Role.OFFICE, language="en")


def failed_notice(recipient, topic, key="k") -> Notice:
    return Notice.objects.create(
        recipient=recipient,
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=topic.pk,
        dedupe_key=key,
        status=NoticeStatus.FAILED,
        attempts=5,
        last_error="SMTPDataError: (550, b'refused')",
        payload={
            "title": "Gửi dự thảo văn kiện",
            "organization": topic.name,
            "due_on": timezone.localdate().isoformat(),
            "path": "/congresses/1/",
        },
    )


# ---------------------------------------------------------------- admin


def test_the_admin_lists_failed_notices_with_their_error(
    client, admin_user, office, tree
):
    failed_notice(office, tree.city)
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:portal_notice_changelist"), {"status__exact": "failed"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gửi dự thảo văn kiện" in page
    assert "550" in page


def test_send_again_resets_failed_notices_and_sends_them(
    client, admin_user, office, tree, eager, django_capture_on_commit_callbacks
):
    notice = failed_notice(office, tree.city)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:portal_notice_changelist"),
            {"action": "send_again", "_selected_action": [notice.pk]},
        )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert len(mail.outbox) == 1


def test_notices_cannot_be_added_or_edited_in_the_admin(
    client, admin_user, office, tree
):
    notice = failed_notice(office, tree.city)
    client.force_login(admin_user)
    assert client.get(reverse("admin:portal_notice_add")).status_code == 403
    client.post(
        reverse("admin:portal_notice_change", args=[notice.pk]),
        {"status": "sent"},
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED


def test_the_user_admin_shows_who_turned_reminders_off(client, admin_user, office):
    office.reminders_enabled = False
    office.save()
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:portal_user_changelist"), {"reminders_enabled__exact": "0"}
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [office]
    assert "reminders_enabled" in response.context["cl"].list_display


# ---------------------------------------------------------------- preferences


def test_a_user_turns_reminders_off_and_changes_language(client, office):
    client.force_login(office)
    assert client.get(reverse("preferences")).status_code == 200
    response = client.post(reverse("preferences"), {"language": "vi"})
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.reminders_enabled is False
    assert office.language == "vi"
    client.post(reverse("preferences"), {"language": "en", "reminders_enabled": "on"})
    office.refresh_from_db()
    assert office.reminders_enabled is True


def test_a_bad_language_is_refused_next_to_the_field(client, office):
    client.force_login(office)
    response = client.post(reverse("preferences"), {"language": "xx"})
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    office.refresh_from_db()
    assert office.language == "en"


def test_preferences_change_only_the_users_own_account(client, office, tree):
    other = user("other", tree.city_grassroots, Role.OFFICE)
    client.force_login(office)
    client.post(reverse("preferences"), {"language": "vi"})
    other.refresh_from_db()
    assert other.reminders_enabled is True


def test_preferences_need_a_login(client, db):
    response = client.get(reverse("preferences"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert not User.objects.exists()
