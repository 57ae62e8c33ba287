"""URLs for the roster filing pages, included from roster/urls.py (namespace "roster")."""

urlpatterns: list = []
