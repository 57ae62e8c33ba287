from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dutyschool import views as health_views
from staff import views as staff_views

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("healthz", health_views.healthz, name="healthz"),
    path("readyz", health_views.readyz, name="readyz"),
    path("status/", health_views.system_status, name="system-status"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The language switcher works on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("staff/", include("staff.urls")),
    path("roster/", include("roster.urls")),
    path("notifications/", include("notifications.urls")),
    path("logbook/", include("logbook.urls")),
    path("incidents/", include("incidents.urls")),
    path("assessment/", include("assessment.urls")),
    path("admin/", admin.site.urls),
]
