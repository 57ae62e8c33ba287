"""URLs for the logbook's patrol pages, included from logbook/urls.py."""

from django.urls import path

from logbook import views_patrol as views

urlpatterns = [
    path("checklists/", views.checklists, name="checklists"),
    path("checklists/new/", views.checkpoint_new, name="checkpoint-new"),
    path("checklists/standard/", views.checklist_standard, name="checklist-standard"),
    path("checklists/qr.pdf", views.checklist_qr, name="checklist-qr"),
    path("checklists/<int:pk>/", views.checkpoint, name="checkpoint"),
    path("checklists/<int:pk>/active/", views.checkpoint_active, name="checkpoint-active"),
    path("checklists/<int:pk>/items/new/", views.item_new, name="item-new"),
    path("checklists/items/<int:pk>/", views.item, name="item"),
    path("checklists/items/<int:pk>/active/", views.item_active, name="item-active"),
    path("patrol/", views.patrol_home, name="patrol"),
    path("patrol/start/", views.round_start, name="round-start"),
    path("patrol/rounds/<int:pk>/", views.round_detail, name="round"),
    path("patrol/rounds/<int:pk>/items/<int:item_pk>/", views.round_record, name="round-record"),
    path("patrol/rounds/<int:pk>/weather/", views.round_weather, name="round-weather"),
    path("patrol/rounds/<int:pk>/finish/", views.round_finish, name="round-finish"),
    path("patrol/scan/<str:token>/", views.scan, name="scan"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
