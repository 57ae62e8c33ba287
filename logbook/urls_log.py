"""URLs for the duty log and the "on duty now" page, included from logbook/urls.py."""

from django.urls import path

from logbook import views_log

urlpatterns = [
    path("now/", views_log.now, name="now"),
    path("shifts/<int:shift_id>/log/", views_log.log_open, name="log-open"),
    path("shifts/<int:shift_id>/post-checks/", views_log.post_check, name="post-check"),
    path("logs/<int:pk>/", views_log.log_detail, name="log"),
    path("logs/<int:pk>/autosave/", views_log.log_autosave, name="log-autosave"),
    path("logs/<int:pk>/submit/", views_log.log_submit, name="log-submit"),
    path("logs/<int:pk>/sign/", views_log.log_sign, name="log-sign"),
    path("logs/<int:pk>/amend/", views_log.log_amend, name="log-amend"),
]
