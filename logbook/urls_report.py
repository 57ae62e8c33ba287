"""URLs for the logbook's report pages, included from logbook/urls.py."""

from django.urls import path, re_path

from logbook import views_report as views

urlpatterns = [
    path("daily/", views.daily, name="daily"),
    re_path(
        r"^daily/(?P<scope>day|month)\.(?P<fmt>pdf|xlsx)$", views.daily_export, name="daily-export"
    ),
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_new, name="report-new"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/correct/", views.report_correct, name="report-correct"),
    path("bureau/daily/", views.bureau_daily, name="bureau-daily"),
    path("bureau/daily/chase/", views.bureau_chase, name="bureau-chase"),
    path("bureau/daily/export.xlsx", views.bureau_export, name="bureau-export"),
    path("bureau/periods/", views.bureau_periods, name="bureau-periods"),
    path("logs/archive/", views.log_archive, name="log-archive"),
]
