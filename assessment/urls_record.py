"""Assessment URLs (urls_record): home, month scores, one person's month, the annual record."""

from django.urls import path

from assessment import views_record as views

urlpatterns = [
    path("", views.home, name="home"),
    path("scores/", views.scores, name="scores"),
    path("scores/recompute/", views.scores_recompute, name="scores-recompute"),
    path("scores/finalise/", views.scores_finalise, name="scores-finalise"),
    path("people/<int:pk>/month/", views.person_month, name="person-month"),
    path("people/<int:pk>/record/", views.record, name="record"),
    path("people/<int:pk>/record/pdf/", views.record_pdf, name="record-pdf"),
    path("me/", views.mine, name="mine"),
    path("settings/", views.settings_page, name="settings"),
]
