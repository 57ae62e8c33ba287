from django.urls import include, path

from roster import views, views_settings

app_name = "roster"

urlpatterns = [
    path("", views.roster_list, name="list"),
    path("new/", views.roster_create, name="create"),
    path("mine/", views.my_duties, name="mine"),
    path("<int:pk>/", views.roster_detail, name="detail"),
    path("<int:pk>/week/", views.roster_week, name="week"),
    path("settings/", views_settings.roster_settings, name="settings"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/export.xlsx", views.export_xlsx, name="export"),
    path("<int:pk>/print.pdf", views.print_pdf, name="pdf"),
    path("<int:pk>/import/", views.import_xlsx, name="import"),
    path("feed/<str:token>.ics", views.ical_feed, name="feed"),
    path("", include("roster.urls_exchange")),
    path("", include("roster.urls_board")),
    path("", include("roster.urls_filing")),
    path("", include("roster.urls_availability")),
    path("", include("roster.urls_setup")),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/autogen/", views.autogen_start, name="autogen"),
    path("<int:pk>/autogen/<int:job_id>/", views.autogen_status, name="autogen-status"),
    path("<int:pk>/autogen/<int:job_id>/cancel/", views.autogen_cancel, name="autogen-cancel"),
    path("<int:pk>/shifts/<int:shift_id>/candidates/", views.shift_candidates, name="candidates"),
    path("<int:pk>/shifts/<int:shift_id>/assign/", views.assign, name="assign"),
    path("<int:pk>/assignments/<int:assignment_id>/remove/", views.unassign, name="unassign"),
]
