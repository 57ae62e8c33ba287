"""Views for reporting, following and escalating incidents (stubs until built)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.models import Role
from staff.permissions import role_required


@require_GET
@role_required(Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, Role.TECH)
def incident_list(request):
    return render(request, "incidents/stub.html", {"nav_active": "incidents"})


@require_GET
@role_required(bureau=True)
def bureau_list(request):
    return render(request, "incidents/stub.html", {"nav_active": "incidents"})
