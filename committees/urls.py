from django.urls import path

from . import views

app_name = "committees"
urlpatterns = [
    path("organizations/", views.organization_tree, name="organization_tree"),
    path("members/", views.member_list, name="member_list"),
    path(
        "members/due-official/", views.members_due_official, name="members_due_official"
    ),
    path("ratings/", views.rating_overview, name="rating_overview"),
]
