"""URLs for stated availability, included from roster/urls.py (namespace "roster")."""

from django.urls import path

from roster import views_availability as views

urlpatterns = [
    path("availability/", views.my_availability, name="availability"),
    path("availability/set/", views.set_availability, name="availability-set"),
    path("availability/school/", views.school_availability, name="availability-school"),
]
