"""Idle and absolute session timeouts.

A duty-room computer is shared and a phone can be lost mid-patrol, so a login ends after a
while without activity (idle) and, whatever the activity, some hours after it began (absolute).
Django's SESSION_COOKIE_AGE alone is neither: every write to the session pushes it back.

Times are read from ``timezone.now()`` so tests can move the clock. Background polling (the
inbox badge refreshes every minute) is not activity: those url names are listed in
SESSION_PASSIVE_URL_NAMES and do not push the idle deadline back.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "_dutyschool_login_at"
SEEN_AT = "_dutyschool_seen_at"
# Writing the session on every request would cost a database write per click; a minute of
# precision is plenty for a timeout counted in hours.
TOUCH_EVERY = 60


def start_session_clock(sender, request, user, **kwargs) -> None:
    """At login (user_logged_in), so the first page after it needs no session write."""
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        now = timezone.now().timestamp()
        session = request.session
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            session[LOGIN_AT] = login_at or now
            session[SEEN_AT] = now
            return None
        if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            return self._expire(request, _("Your login has expired. Please log in again."))
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            return self._expire(
                request,
                _("You were logged out after a period without activity. Please log in again."),
            )
        passive = request.resolver_match and request.resolver_match.view_name in (
            settings.SESSION_PASSIVE_URL_NAMES
        )
        if not passive and now - seen_at >= TOUCH_EVERY:
            session[SEEN_AT] = now
        return None

    @staticmethod
    def _expire(request, message: str):
        path = request.get_full_path()
        logout(request)
        messages.warning(request, message)
        if request.headers.get("HX-Request"):
            # An htmx fragment must not render the login page inside the page: send the browser.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        return redirect_to_login(path)
