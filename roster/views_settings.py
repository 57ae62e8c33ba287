"""The office's duty settings page: rest, weekly cap, the MOE 2025 teacher guardrail, swaps,
check-in and reminder times."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from roster import services
from roster.forms import RosterSettingsForm
from roster.reminders import settings_for
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def roster_settings(request):
    actor = get_actor(request)
    school = actor.school
    current = settings_for(school)
    form = RosterSettingsForm(request.POST or None, instance=settings_for(school))
    if request.method == "POST" and form.is_valid():
        services.update_roster_settings(school=school, actor=actor, values=form.cleaned_data)
        messages.success(request, _("The duty settings are saved."))
        return redirect("roster:settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "guardrail_off": not current.teachers_only_on_school_days}
    return render(request, "roster/settings.html", context, status=status)
