"""URLs for the logbook's visit pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_visit

urlpatterns = [
    path("visitors/", views_visit.visits, name="visits"),
    path("visitors/new/", views_visit.visit_new, name="visit-new"),
    path("visitors/lookup/", views_visit.visit_lookup, name="visit-lookup"),
    path("visitors/settings/", views_visit.visit_settings, name="visit-settings"),
    path("visitors/<int:pk>/", views_visit.visit_detail, name="visit-detail"),
    path("visitors/<int:pk>/sign-out/", views_visit.visit_sign_out, name="visit-sign-out"),
    path("visitors/<int:pk>/reveal/", views_visit.visit_reveal, name="visit-reveal"),
]
