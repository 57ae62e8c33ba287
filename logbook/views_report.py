"""Views for the logbook's report pages (stubs until built)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.models import Role
from staff.permissions import role_required


@require_GET
@role_required(Role.PRINCIPAL, Role.LEADER, Role.ADMIN)
def daily(request):
    return render(request, "logbook/stub.html", {"nav_active": "daily"})


@require_GET
@role_required(bureau=True)
def bureau_daily(request):
    return render(request, "logbook/stub.html", {"nav_active": "bureau-daily"})
