"""My availability (every staff member states their word on future dates) and the school
overview of what was stated for a roster's period (the office)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from roster import availability, queries
from roster.models import DutyPreference
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor


class PreferenceForm(forms.Form):
    """Only the date, the kind and a note: whose word it is comes from the login."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=gettext_lazy("On this day I am"),
        choices=[
            (availability.AVAILABLE, gettext_lazy("Available")),
            (DutyPreference.Kind.PREFER_NOT, gettext_lazy("Prefer not")),
            (DutyPreference.Kind.UNAVAILABLE, gettext_lazy("Unavailable")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=200)


def _staff(request):
    actor = get_actor(request)
    if actor.staff is None:
        raise PermissionDenied
    return actor


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _page(request, actor, *, chosen: date | None, form=None, status: int = 200):
    today = availability.school_today(actor.school)
    monday = availability.window_of(chosen or _day(request.GET.get("from")), today)
    context = availability.my_weeks(actor.staff, monday, today)
    day = next((d for week in context["weeks"] for d in week if d.date == chosen), None)
    if day is not None and not day.open:
        day = None
    if day is not None and form is None:
        word = day.preference
        form = PreferenceForm(initial={
            "date": day.date, "kind": word.kind if word else availability.AVAILABLE,
            "note": word.note if word else "",
        })  # fmt: skip
    context.update(chosen=day, form=form, today=today)
    return render(request, "roster/availability/mine.html", context, status=status)


@require_GET
def my_availability(request):
    actor = _staff(request)
    return _page(request, actor, chosen=_day(request.GET.get("day")))


@require_POST
def set_availability(request):
    actor = _staff(request)
    form = PreferenceForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["date"]
        try:
            availability.set_duty_preference(
                staff=actor.staff, day=day, kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"], actor=actor,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved: %(date)s.") % {"date": f"{day:%Y-%m-%d}"})
            monday = availability.window_of(day, availability.school_today(actor.school))
            return redirect(f"{reverse('roster:availability')}?from={monday:%Y-%m-%d}")
    chosen = _day(request.POST.get("date"))
    if chosen is None or chosen <= availability.school_today(actor.school):
        # No form to show the error beside: say it at the top.
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return _page(request, actor, chosen=chosen, form=form, status=400)


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL, Role.LEADER)
def school_availability(request):
    actor = get_actor(request)
    asked = request.GET.get("roster")
    if not asked:
        rosters = queries.rosters_for(actor)
        return render(request, "roster/availability/school.html", {"rosters": rosters})
    if not asked.isdigit():
        raise Http404
    roster = queries.get_roster_for_user(actor, int(asked))
    context = availability.school_overview(roster)
    context["roster"] = roster
    return render(request, "roster/availability/school.html", context)
