"""URLs for the roster exchange pages, included from roster/urls.py (namespace "roster")."""

urlpatterns: list = []
