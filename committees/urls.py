from django.urls import path

from . import views

app_name = "committees"
urlpatterns = [
    # organizations
    path("organizations/", views.organization_tree, name="organization_tree"),
    path(
        "organizations/<int:org_id>/",
        views.organization_detail,
        name="organization_detail",
    ),
    path(
        "organizations/<int:org_id>/children/",
        views.organization_children,
        name="organization_children",
    ),
    path(
        "organizations/<int:org_id>/edit/",
        views.organization_edit,
        name="organization_edit",
    ),
    path(
        "organizations/<int:org_id>/add-child/",
        views.organization_add_child,
        name="organization_add_child",
    ),
    path(
        "organizations/<int:org_id>/positions/add/",
        views.position_add,
        name="position_add",
    ),
    path(
        "organizations/<int:org_id>/positions/member-options/",
        views.position_member_options,
        name="position_member_options",
    ),
    path(
        "organizations/<int:org_id>/rate/",
        views.organization_rate,
        name="organization_rate",
    ),
    path(
        "organizations/<int:org_id>/ratings/<int:year>/",
        views.unit_ratings,
        name="unit_ratings",
    ),
    path(
        "organizations/<int:org_id>/ratings/<int:year>/bulk/",
        views.bulk_rating,
        name="bulk_rating",
    ),
    path(
        "organizations/<int:org_id>/ratings/<int:year>/finalize/",
        views.finalize_ratings,
        name="finalize_ratings",
    ),
    # members
    path("members/", views.member_list, name="member_list"),
    path("members/add/", views.member_add, name="member_add"),
    path(
        "members/due-official/",
        views.members_due_official,
        name="members_due_official",
    ),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/rate/", views.member_rate, name="member_rate"),
    path(
        "members/<int:member_id>/recognize/",
        views.member_recognize,
        name="member_recognize",
    ),
    path(
        "members/<int:member_id>/interruptions/add/",
        views.interruption_add,
        name="interruption_add",
    ),
    path(
        "interruptions/<int:interruption_id>/delete/",
        views.interruption_delete,
        name="interruption_delete",
    ),
    # positions
    path(
        "positions/<int:position_id>/edit/", views.position_edit, name="position_edit"
    ),
    path("positions/<int:position_id>/end/", views.position_end, name="position_end"),
    path(
        "positions/<int:position_id>/delete/",
        views.position_delete,
        name="position_delete",
    ),
    # ratings
    path("ratings/", views.rating_overview, name="rating_overview"),
    path("ratings/<int:rating_id>/edit/", views.rating_edit, name="rating_edit"),
    path("ratings/<int:rating_id>/delete/", views.rating_delete, name="rating_delete"),
]
