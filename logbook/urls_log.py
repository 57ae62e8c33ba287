"""URLs for the logbook's log pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_log

urlpatterns = [
    path("now/", views_log.now, name="now"),
    path("archive/", views_log.archive, name="archive"),
]
