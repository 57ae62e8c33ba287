"""URLs for post-incident reviews, plans, drills and statistics, included from incidents/urls.py."""

from django.urls import path

from incidents import views_plans, views_review

urlpatterns = [
    path("<int:pk>/review/", views_review.review_detail, name="review"),
    path("<int:pk>/review/edit/", views_review.review_edit, name="review-edit"),
    path("<int:pk>/review/submit/", views_review.review_submit, name="review-submit"),
    path("<int:pk>/review/decide/", views_review.review_decide, name="review-decide"),
    path("<int:pk>/print/", views_review.incident_pdf, name="print"),
    path("<int:pk>/plan/<int:step_id>/tick/", views_plans.plan_step_tick, name="plan-tick"),
    path("actions/<int:pk>/done/", views_review.action_done, name="action-done"),
    path("reviews/", views_review.review_queue, name="reviews"),
    path("statistics/", views_review.statistics, name="stats"),
    path("statistics/export/", views_review.statistics_export, name="stats-export"),
    path("plans/", views_plans.plan_list, name="plans"),
    path("plans/new/", views_plans.plan_new, name="plan-new"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views_plans.plan_edit, name="plan-edit"),
    path("drills/", views_plans.drill_list, name="drills"),
    path("drills/new/", views_plans.drill_new, name="drill-new"),
]
