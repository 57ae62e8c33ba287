"""Assessment URLs (urls_people): peer review, student/parent feedback (the public QR form and
its moderation), rewards and penalties, review flags."""

from django.urls import path

from assessment import views_people as views

urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/write/<int:pk>/", views.review_new, name="review-new"),
    path("reviews/<int:pk>/withdraw/", views.review_withdraw, name="review-withdraw"),
    path("reviews/school/", views.reviews_school, name="reviews-school"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("feedback/<int:pk>/moderate/", views.feedback_moderate, name="feedback-moderate"),
    path("feedback/link/", views.feedback_link, name="feedback-link"),
    path("feedback/link/qr.pdf", views.feedback_qr, name="feedback-qr"),
    path("feedback/link/rotate/", views.feedback_link_rotate, name="feedback-link-rotate"),
    path("feedback/link/limit/", views.feedback_limit, name="feedback-limit"),
    path("feedback/to/<str:token>/", views.feedback_form, name="feedback-form"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/new/", views.proposal_new, name="proposal-new"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal-decide"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal-withdraw"),
    path("proposals/<int:pk>/respond/", views.proposal_respond, name="proposal-respond"),
    path("flags/", views.flags, name="flags"),
    path("flags/<int:pk>/close/", views.flag_close, name="flag-close"),
]
