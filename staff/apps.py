from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from staff.sessions import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="staff.session_clock")
