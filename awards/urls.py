from django.urls import path

from . import views, views_exports

app_name = "awards"
urlpatterns = [
    path("", views.index, name="index"),
    path("eligibility/", views.eligibility, name="eligibility"),
    path("eligibility/nominate/", views.nominate_selected, name="nominate_selected"),
    path("nominations/", views.nomination_list, name="nomination_list"),
    path("nominations/new/", views.nomination_create, name="nomination_create"),
    path(
        "nominations/<int:nomination_id>/",
        views.nomination_detail,
        name="nomination_detail",
    ),
    path(
        "nominations/<int:nomination_id>/transition/",
        views.nomination_transition,
        name="nomination_transition",
    ),
    path(
        "nominations/<int:nomination_id>/candidates/add/",
        views.item_add,
        name="item_add",
    ),
    path(
        "nominations/<int:nomination_id>/candidates/<int:item_id>/remove/",
        views.item_remove,
        name="item_remove",
    ),
    path(
        "nominations/<int:nomination_id>/candidates/<int:item_id>/reject/",
        views.item_reject,
        name="item_reject",
    ),
    path(
        "nominations/<int:nomination_id>/candidates/<int:item_id>/restore/",
        views.item_restore,
        name="item_restore",
    ),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision_detail"),
    path("register/", views.register, name="register"),
    path("register/<int:award_id>/", views.award_detail, name="award_detail"),
    path("register/<int:award_id>/revoke/", views.award_revoke, name="award_revoke"),
    path("badges/", views.badges, name="badges"),
    path("badges/nominate/", views.badges_nominate, name="badges_nominate"),
    # Exports, certificates and the public verification (views_exports.py).
    path(
        "eligibility/export/",
        views_exports.eligibility_export,
        name="eligibility_export",
    ),
    path("badges/export/", views_exports.badges_export, name="badges_export"),
    path("register/export/", views_exports.register_export, name="register_export"),
    path(
        "decisions/<int:decision_id>/annex.xlsx",
        views_exports.decision_annex_export,
        name="decision_annex_export",
    ),
    path(
        "register/<int:award_id>/certificate.pdf",
        views_exports.award_certificate,
        name="award_certificate",
    ),
    path("verify/", views_exports.verify_public, name="verify_public"),
]
