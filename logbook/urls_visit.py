"""URLs for the logbook's visit pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_visit

urlpatterns = [
    path("visitors/", views_visit.visits, name="visits"),
]
