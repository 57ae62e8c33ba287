"""URLs for the logbook's hazard pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_hazard as views

urlpatterns = [
    path("hazards/", views.hazards, name="hazards"),
    path("hazards/export.xlsx", views.hazard_export, name="hazard-export"),
    path("hazards/new/", views.hazard_new, name="hazard-new"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard"),
    path("hazards/<int:pk>/assign/", views.hazard_assign, name="hazard-assign"),
    path("hazards/<int:pk>/fix/", views.hazard_fix, name="hazard-fix"),
    path("hazards/<int:pk>/verify/", views.hazard_verify, name="hazard-verify"),
    path("hazards/<int:pk>/close/", views.hazard_close, name="hazard-close"),
    path("hazards/<int:pk>/photos/", views.hazard_photo, name="hazard-photo"),
    path("patrol/results/<int:pk>/hazard/", views.result_hazard, name="result-hazard"),
]
