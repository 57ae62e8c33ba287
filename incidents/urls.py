from django.urls import include, path

app_name = "incidents"

urlpatterns = [
    path("", include("incidents.urls_incident")),
    path("", include("incidents.urls_review")),
]
