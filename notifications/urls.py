from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.inbox_badge, name="badge"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/open/", views.open_notice, name="open"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/test/", views.send_test, name="test"),
    path("channels/", views.channel_list, name="channels"),
    path("channels/<slug:kind>/", views.channel_edit, name="channel"),
    path("log/", views.delivery_log, name="log"),
    path("log/<int:pk>/", views.notice_detail, name="notice"),
    path("log/<int:pk>/retry/", views.retry_notice, name="retry"),
]
