"""URLs for the logbook's patrol pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_patrol

urlpatterns = [
    path("checklists/", views_patrol.checklists, name="checklists"),
]
