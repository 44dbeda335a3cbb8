"""The admin: award kinds and periods are configured there, each criterion's
parameters validated; nominations, decisions and awards are read-only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from awards.models import AwardKind, EmulationPeriod
from tests.awards.conftest import make_kind


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"criterion": "consecutive_excellent_member", "consecutive_years": None},
            "consecutive_years",
        ),
        (
            {"criterion": "manual", "consecutive_years": 5, "recipient_type": "member"},
            "consecutive_years",
        ),
        (
            {
                "criterion": "badge",
                "form": "badge",
                "period_type": "year",
                "consecutive_years": None,
            },
            "badge_years",
        ),
        (
            {
                "criterion": "badge",
                "form": "flag",
                "period_type": "year",
                "consecutive_years": None,
                "badge_years": 30,
            },
            "form",
        ),
        (
            {
                "criterion": "excellent_organization_year",
                "recipient_type": "organization",
                "recipient_kinds": "cell",
                "consecutive_years": None,
            },
            "period_type",
        ),
        (
            {
                "criterion": "consecutive_excellent_organization",
                "recipient_type": "organization",
                "recipient_kinds": "",
            },
            "recipient_kinds",
        ),
        (
            {
                "criterion": "consecutive_excellent_organization",
                "recipient_type": "organization",
                "recipient_kinds": "province",
            },
            "recipient_kinds",
        ),
        (
            {
                "criterion": "consecutive_excellent_member",
                "recipient_type": "organization",
                "recipient_kinds": "cell",
            },
            "recipient_type",
        ),
    ],
)
def test_each_criterion_validates_its_parameters(tree, fields, field):
    with pytest.raises(ValidationError) as refused:
        make_kind(tree.province, "X", **fields)
    assert field in refused.value.message_dict


def test_a_period_is_a_year_or_a_term(db):
    with pytest.raises(ValidationError):
        EmulationPeriod(period_type="year", start_year=2024, end_year=2025).full_clean()
    with pytest.raises(ValidationError):
        EmulationPeriod(period_type="term", start_year=2025, end_year=2020).full_clean()
    term = EmulationPeriod(period_type="term", start_year=2020, end_year=2025)
    assert (str(term), term.first_rated_year, term.last_rated_year) == (
        "2020–2025",
        2020,
        2024,
    )
    assert (
        str(EmulationPeriod(period_type="year", start_year=2024, end_year=2024))
        == "2024"
    )


def test_an_administrator_configures_a_kind_in_the_admin(client, admin_user, tree):
    client.force_login(admin_user)
    data = {
        "code": "BK-TU-DV5",
        "name": "Bằng khen của Tỉnh ủy",
        "form": "certificate_of_merit",
        "is_active": "on",
        "granting_organization": tree.province.pk,
        "granting_body": "committee",
        "recipient_type": "member",
        "period_type": "term",
        "criterion": "consecutive_excellent_member",
        "through_intermediate_levels": "on",
    }
    response = client.post(reverse("admin:awards_awardkind_add"), data)
    assert response.status_code == 200  # N is missing
    assert "consecutive_years" in response.context["adminform"].form.errors
    response = client.post(
        reverse("admin:awards_awardkind_add"), {**data, "consecutive_years": 5}
    )
    assert response.status_code == 302
    kind = AwardKind.objects.get()
    assert kind.history.count() == 1
    response = client.post(
        reverse("admin:awards_awardkind_add"),
        {
            **data,
            "code": "CO-TU",
            "criterion": "manual",
            "recipient_type": "organization",
            "recipient_kinds": ["district", "direct"],
        },
    )
    assert response.status_code == 302
    assert AwardKind.objects.get(code="CO-TU").recipient_kind_list == [
        "district",
        "direct",
    ]


@pytest.mark.parametrize("model", ["nomination", "decision", "award"])
def test_the_workflow_records_are_read_only_in_the_admin(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:awards_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:awards_{model}_add")).status_code == 403
