"""URLs for the logbook's handover pages, included from logbook/urls.py."""

urlpatterns: list = []
