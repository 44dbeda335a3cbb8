from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include("portal.account_urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("", include("committees.urls")),
    path("congresses/", include("congresses.urls")),
    path("awards/", include("awards.urls")),
    path("jobs/", include("portal.jobs.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_VIEWS:
    # The benchmark's bare view (bench/run.py): the same middleware, no work.
    urlpatterns.append(path("bench/ok/", views.bench_ok))
