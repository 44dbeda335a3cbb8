"""The portal's URLs and the benchmark's bare view (what BENCH_VIEWS adds)."""

from django.urls import path

from portal import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("bench/ok/", views.bench_ok), *portal_urlpatterns]
