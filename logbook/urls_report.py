"""URLs for the logbook's report pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_report

urlpatterns = [
    path("daily/", views_report.daily, name="daily"),
    path("bureau/daily/", views_report.bureau_daily, name="bureau-daily"),
]
