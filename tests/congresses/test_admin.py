"""The admin of plans and congresses: the same rules as the staff pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from congresses.models import Congress, MilestoneTemplate
from tests.congresses.conftest import schedule, term_2025

pytestmark = pytest.mark.usefixtures("plan")


def congress_data(tree, **extra) -> dict:
    data = {
        "organization": tree.city_grassroots.pk,
        "term": term_2025().pk,
        "ordinal": 20,
        "starts_on": "20/05/2025",
        "ends_on": "21/05/2025",
        "venue": "",
        "kind": "delegates",
        "status": "planned",
        "override_reason": "",
        "results_note": "",
    }
    data.update(extra)
    return data


def test_the_plan_pages_render(client, admin_user, plan):
    client.force_login(admin_user)
    assert (
        client.get(reverse("admin:congresses_termplan_changelist")).status_code == 200
    )
    page = client.get(reverse("admin:congresses_termplan_change", args=[plan.pk]))
    assert page.status_code == 200
    assert b"14,7,1" in page.content
    template = plan.templates.first()
    page = client.get(
        reverse("admin:congresses_milestonetemplate_change", args=[template.pk])
    )
    assert page.status_code == 200


def test_a_template_keeps_the_levels_ticked(client, admin_user, plan):
    client.force_login(admin_user)
    template = plan.templates.get(kind="drafts_sent")
    response = client.post(
        reverse("admin:congresses_milestonetemplate_change", args=[template.pk]),
        {
            "plan": plan.pk,
            "kind": "drafts_sent",
            "title": "",
            "offset_days": -45,
            "owner": "self",
            "levels": ["district", "province"],
        },
    )
    assert response.status_code == 302
    template = MilestoneTemplate.objects.get(pk=template.pk)
    assert (template.offset_days, template.levels) == (-45, "district,province")


def test_adding_a_congress_in_the_admin_creates_its_milestones(
    client, tree, admin_user
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:congresses_congress_add"), congress_data(tree)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    congress = Congress.objects.get()
    assert congress.milestones.count() == 4


def test_the_admin_refuses_a_breach_naming_the_conflict(client, tree, admin_user):
    schedule(tree.city_cell, date(2025, 5, 25))
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:congresses_congress_add"), congress_data(tree)
    )
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors)
    assert "Chi bộ tổ dân phố số 1" in errors
    assert not Congress.objects.filter(organization=tree.city_grassroots).exists()


def test_an_administrator_overrides_a_breach_with_a_reason(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:congresses_congress_add"),
        congress_data(
            tree,
            starts_on="02/07/2025",
            ends_on="02/07/2025",
            override_reason="Ward merged on 1 July 2025",
        ),
    )
    assert response.status_code == 302
    congress = Congress.objects.get()
    assert congress.override_by == admin_user


def test_moving_a_congress_in_the_admin_moves_its_open_milestones(
    client, tree, admin_user
):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20), date(2025, 5, 21))
    client.force_login(admin_user)
    address = reverse("admin:congresses_congress_change", args=[congress.pk])
    page = client.get(address)
    assert page.status_code == 200
    formset = page.context["inline_admin_formsets"][0].formset
    data = congress_data(tree, starts_on="27/05/2025", ends_on="28/05/2025")
    data.update(
        {
            f"{formset.prefix}-TOTAL_FORMS": formset.total_form_count(),
            f"{formset.prefix}-INITIAL_FORMS": formset.initial_form_count(),
        }
    )
    for i, form in enumerate(formset.forms):
        m = form.instance
        data.update(
            {
                f"{formset.prefix}-{i}-id": m.pk,
                f"{formset.prefix}-{i}-congress": congress.pk,
                f"{formset.prefix}-{i}-kind": m.kind,
                f"{formset.prefix}-{i}-title": m.title,
                f"{formset.prefix}-{i}-owner": m.owner_id,
                f"{formset.prefix}-{i}-due_on": m.due_on.strftime("%d/%m/%Y"),
                f"{formset.prefix}-{i}-note": "",
            }
        )
    response = client.post(address, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    congress.refresh_from_db()
    assert congress.starts_on == date(2025, 5, 27)
    assert congress.milestones.get(kind="congress_held").due_on == date(2025, 5, 27)


def test_staff_see_the_congresses_of_their_scope_in_the_admin(client, tree, city_staff):
    city_staff.is_staff = True
    city_staff.save()
    mine = schedule(tree.city_grassroots, date(2025, 5, 20))
    other = schedule(tree.district_grassroots, date(2025, 5, 20))
    client.force_login(city_staff)
    listed = client.get(reverse("admin:congresses_congress_changelist"))
    assert list(listed.context["cl"].queryset) == [mine]
    page = client.get(reverse("admin:congresses_congress_change", args=[other.pk]))
    assert page.status_code == 404
