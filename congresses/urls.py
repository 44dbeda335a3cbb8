from django.urls import path

from . import views

app_name = "congresses"
urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("timeline/", views.timeline, name="timeline"),
    path("rules/", views.rules_report, name="rules_report"),
    path("new/", views.congress_create, name="congress_create"),
    path("<int:congress_id>/", views.congress_detail, name="congress_detail"),
    path("<int:congress_id>/edit/", views.congress_update, name="congress_update"),
    path(
        "<int:congress_id>/reschedule/",
        views.congress_reschedule,
        name="congress_reschedule",
    ),
    path("<int:congress_id>/cancel/", views.congress_cancel, name="congress_cancel"),
    path("<int:congress_id>/status/", views.congress_status, name="congress_status"),
    path("<int:congress_id>/results/", views.congress_results, name="congress_results"),
    path(
        "milestones/<int:milestone_id>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path(
        "milestones/<int:milestone_id>/reopen/",
        views.milestone_reopen,
        name="milestone_reopen",
    ),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/renew/", views.calendar_renew, name="calendar_renew"),
    # Public, authenticated by the secret token in its query string.
    path("calendar/feed.ics", views.calendar_feed_public, name="calendar_feed_public"),
]
