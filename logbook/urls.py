from django.urls import include, path

app_name = "logbook"

urlpatterns = [
    path("", include("logbook.urls_log")),
    path("", include("logbook.urls_patrol")),
    path("", include("logbook.urls_hazard")),
    path("", include("logbook.urls_visit")),
    path("", include("logbook.urls_handover")),
    path("", include("logbook.urls_report")),
]
