"""URLs for the logbook's handover pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_handover

urlpatterns = [
    path("handover/from/<int:shift_id>/", views_handover.handover_new, name="handover-new"),
    path("handover/<int:pk>/", views_handover.handover_detail, name="handover-detail"),
    path("handover/<int:pk>/accept/", views_handover.handover_accept, name="handover-accept"),
    path("handover/<int:pk>/refuse/", views_handover.handover_refuse, name="handover-refuse"),
]
