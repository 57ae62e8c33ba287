from django.urls import path

from roster import views_setup as v

urlpatterns = [
    path("setup/shift-types/", v.shift_types, name="shift-types"),
    path("setup/shift-types/new/", v.shift_type_new, name="shift-type-new"),
    path("setup/shift-types/<int:pk>/", v.shift_type_edit, name="shift-type-edit"),
    path(
        "setup/shift-types/<int:pk>/deactivate/",
        v.shift_type_deactivate,
        name="shift-type-deactivate",
    ),
    path("setup/presets/", v.preset_apply, name="preset-apply"),
    path("setup/week-duty/", v.week_duty, name="week-duty"),
    path("setup/calendar/", v.calendar_page, name="calendar"),
    path("setup/terms/", v.term_new, name="term-new"),
    path("setup/terms/<int:pk>/delete/", v.term_delete, name="term-delete"),
    path("setup/calendar/day/", v.override_set, name="override-set"),
]
