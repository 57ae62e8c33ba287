"""URLs for the logbook's hazard pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_hazard

urlpatterns = [
    path("hazards/", views_hazard.hazards, name="hazards"),
]
