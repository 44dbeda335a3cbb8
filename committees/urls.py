from django.urls import path

from . import import_views, restructuring_views, transfer_views, views

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
    # restructuring (committees/restructuring_views.py)
    path(
        "organizations/<int:org_id>/merge/",
        restructuring_views.organization_merge,
        name="organization_merge",
    ),
    path(
        "organizations/<int:org_id>/split/",
        restructuring_views.organization_split,
        name="organization_split",
    ),
    path(
        "organizations/<int:org_id>/dissolve/",
        restructuring_views.organization_dissolve,
        name="organization_dissolve",
    ),
    path(
        "organizations/<int:org_id>/move/",
        restructuring_views.organization_move,
        name="organization_move",
    ),
    path(
        "organizations/<int:org_id>/rename/",
        restructuring_views.organization_rename,
        name="organization_rename",
    ),
    path(
        "organizations/<int:org_id>/change-kind/",
        restructuring_views.organization_change_kind,
        name="organization_change_kind",
    ),
    path(
        "restructurings/",
        restructuring_views.restructuring_list,
        name="restructuring_list",
    ),
    path(
        "restructurings/<int:restructuring_id>/",
        restructuring_views.restructuring_detail,
        name="restructuring_detail",
    ),
    # members
    path("members/", views.member_list, name="member_list"),
    path("members/add/", views.member_add, name="member_add"),
    # member import and export (import_views.py)
    path("members/import/", import_views.member_import, name="member_import"),
    path(
        "members/import/template.xlsx",
        import_views.member_import_template,
        name="member_import_template",
    ),
    path(
        "members/import/<uuid:upload_id>/columns/",
        import_views.member_import_mapping,
        name="member_import_mapping",
    ),
    path(
        "members/import/<uuid:upload_id>/check/",
        import_views.member_import_check,
        name="member_import_check",
    ),
    path(
        "members/import/<uuid:upload_id>/",
        import_views.member_import_report,
        name="member_import_report",
    ),
    path(
        "members/import/<uuid:upload_id>/problems.csv",
        import_views.member_import_problems,
        name="member_import_problems",
    ),
    path(
        "members/import/<uuid:upload_id>/confirm/",
        import_views.member_import_confirm,
        name="member_import_confirm",
    ),
    path(
        "members/import/<uuid:upload_id>/cancel/",
        import_views.member_import_cancel,
        name="member_import_cancel",
    ),
    path("members/export/", import_views.member_export, name="member_export"),
    path(
        "members/due-official/",
        views.members_due_official,
        name="members_due_official",
    ),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/rate/", views.member_rate, name="member_rate"),
    # transfers (transfer_views.py)
    path(
        "members/<int:member_id>/transfer/",
        transfer_views.member_transfer,
        name="member_transfer",
    ),
    path(
        "members/<int:member_id>/move/",
        transfer_views.member_move,
        name="member_move",
    ),
    path("transfers/", transfer_views.transfer_list, name="transfer_list"),
    path(
        "transfers/destinations/",
        transfer_views.transfer_destinations,
        name="transfer_destinations",
    ),
    path(
        "transfers/<int:transfer_id>/",
        transfer_views.transfer_detail,
        name="transfer_detail",
    ),
    path(
        "transfers/<int:transfer_id>/accept/",
        transfer_views.transfer_accept,
        name="transfer_accept",
    ),
    path(
        "transfers/<int:transfer_id>/return/",
        transfer_views.transfer_return,
        name="transfer_return",
    ),
    path(
        "transfers/<int:transfer_id>/cancel/",
        transfer_views.transfer_cancel,
        name="transfer_cancel",
    ),
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
