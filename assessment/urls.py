"""Assessment URLs, one module per sub-domain so the parts can grow apart."""

from django.urls import include, path

app_name = "assessment"

urlpatterns = [
    path("", include("assessment.urls_record")),
    path("", include("assessment.urls_inspect")),
    path("", include("assessment.urls_people")),
]
