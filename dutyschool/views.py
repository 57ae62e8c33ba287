"""Health endpoints for load balancers and monitors, and the admins' system status page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dutyschool.health import readiness
from staff.models import Role
from staff.queries import get_actor


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers. Touches nothing else, so a database outage does not get
    every web process restarted by its supervisor."""
    return JsonResponse({"ok": True})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    status = readiness()
    return JsonResponse(status.as_dict(), status=200 if status.ok else 503)


@never_cache
@require_GET
def system_status(request):
    actor = get_actor(request)
    if not (actor.user.is_staff or actor.has_any(Role.ADMIN)):
        raise PermissionDenied
    status = readiness()
    return render(request, "system_status.html", {"status": status, "nav_active": "log"})
