"""Views for the logbook's hazard pages (stubs until built)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.models import Role
from staff.permissions import role_required


@require_GET
@role_required(Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, Role.TECH)
def hazards(request):
    return render(request, "logbook/stub.html", {"nav_active": "hazards"})
