"""Assessment URLs: criteria, inspections, training and measured metrics."""

from django.urls import path

from assessment import views_inspect as views

urlpatterns = [
    path("criteria/", views.criteria_list, name="criteria"),
    path("criteria/new/", views.criterion_edit, name="criterion-new"),
    path("criteria/<int:pk>/", views.criterion_edit, name="criterion-edit"),
    path("criteria/<int:pk>/rules/new/", views.rule_new, name="rule-new"),
    path("criteria/rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection-new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/score/", views.inspection_score, name="inspection-score"),
    path("inspections/<int:pk>/complete/", views.inspection_complete, name="inspection-complete"),
    path("inspections/<int:pk>/plan/", views.inspection_plan, name="inspection-plan"),
    path("inspections/<int:pk>/cancel/", views.inspection_cancel, name="inspection-cancel"),
    path("training/", views.training_list, name="training"),
    path("training/new/", views.training_edit, name="training-new"),
    path("training/<int:pk>/", views.training_detail, name="training-detail"),
    path("training/<int:pk>/edit/", views.training_edit, name="training-edit"),
    path("metrics/", views.metrics_page, name="metrics"),
]
