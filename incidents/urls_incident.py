"""URLs for reporting, following and escalating incidents, included from incidents/urls.py."""

from django.urls import path

from incidents import views_incident

urlpatterns = [
    path("", views_incident.incident_list, name="list"),
    path("bureau/", views_incident.bureau_list, name="bureau"),
]
