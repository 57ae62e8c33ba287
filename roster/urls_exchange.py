"""URLs for the roster exchange pages, included from roster/urls.py (namespace "roster")."""

from django.urls import path

from roster import views_exchange as views

urlpatterns = [
    path("requests/", views.my_requests, name="swaps"),
    path("requests/approvals/", views.approvals, name="approvals"),
    path("duties/<int:assignment_id>/swap/", views.swap_new, name="swap-new"),
    path("duties/<int:assignment_id>/leave/", views.leave_new, name="leave-new"),
    path("swaps/<int:pk>/respond/", views.swap_respond, name="swap-respond"),
    path("swaps/<int:pk>/decide/", views.swap_decide, name="swap-decide"),
    path("swaps/<int:pk>/cancel/", views.swap_cancel, name="swap-cancel"),
    path("leave/<int:pk>/respond/", views.leave_respond, name="leave-respond"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave-decide"),
    path("leave/<int:pk>/cancel/", views.leave_cancel, name="leave-cancel"),
]
