"""URLs for the roster board pages, included from roster/urls.py (namespace "roster")."""

urlpatterns: list = []
