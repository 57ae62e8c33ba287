"""URLs for post-incident reviews, plans, drills and statistics, included from incidents/urls.py."""

urlpatterns: list = []
