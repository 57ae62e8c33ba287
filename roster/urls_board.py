"""URLs for the roster board pages, included from roster/urls.py (namespace "roster")."""

from django.urls import path

from roster import views_board

urlpatterns = [
    path("checkin/<int:assignment_id>/", views_board.check_in, name="checkin"),
    path("today/", views_board.today, name="today"),
    path("checkin/mine/", views_board.my_checkins, name="checkin-mine"),
    path("kiosk/<str:token>/", views_board.kiosk, name="kiosk"),
    path("kiosk-token/", views_board.kiosk_token, name="kiosk-token"),
    path("kiosk-token/rotate/", views_board.kiosk_token_rotate, name="kiosk-token-rotate"),
]
