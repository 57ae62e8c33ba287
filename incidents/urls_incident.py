"""URLs for reporting, following and escalating incidents, included from incidents/urls.py."""

from django.urls import path

from incidents import views_incident

urlpatterns = [
    path("", views_incident.incident_list, name="list"),
    path("bureau/", views_incident.bureau_list, name="bureau"),
    path("dashboard/", views_incident.dashboard, name="dashboard"),
    path("report/", views_incident.report, name="report"),
    path("report/subcategories/", views_incident.subcategories, name="subcategories"),
    path("policy/", views_incident.policy, name="policy"),
    path("report-clocks/", views_incident.report_clocks, name="report-clocks"),
    path("<int:pk>/", views_incident.detail, name="detail"),
    path("<int:pk>/edit/", views_incident.edit, name="edit"),
    path("<int:pk>/attach/", views_incident.attach, name="attach"),
    path("<int:pk>/files/<int:attachment_id>/", views_incident.attachment, name="attachment"),
    path("<int:pk>/acknowledge/", views_incident.acknowledge, name="acknowledge"),
    path("<int:pk>/status/", views_incident.change_status, name="status"),
    path("<int:pk>/report-up/", views_incident.report_up, name="report-up"),
]
