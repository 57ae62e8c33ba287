from django.urls import path

from roster import views

app_name = "roster"

urlpatterns = [
    path("", views.roster_list, name="list"),
    path("new/", views.roster_create, name="create"),
    path("mine/", views.my_duties, name="mine"),
    path("<int:pk>/", views.roster_detail, name="detail"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("<int:pk>/shifts/<int:shift_id>/candidates/", views.shift_candidates, name="candidates"),
    path("<int:pk>/shifts/<int:shift_id>/assign/", views.assign, name="assign"),
    path("<int:pk>/assignments/<int:assignment_id>/remove/", views.unassign, name="unassign"),
]
