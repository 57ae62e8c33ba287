"""The office's set-up pages: shift types and their staffing, duty-model presets, a whole 值周
week for one person, and the school calendar (terms and per-day overrides)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from roster import setup
from roster.calendar import (
    FIRST_DAY,
    LAST_DAY,
    CalendarDateField,
    calendar_status,
    school_calendar,
)
from roster.models import DayKind, Roster, ShiftType, Term
from staff.models import Role, Staff
from staff.permissions import role_required
from staff.queries import get_actor

UNITS = [("hours", gettext_lazy("hours")), ("minutes", gettext_lazy("minutes"))]


class ShiftTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Shift name"), max_length=50)
    start_time = forms.TimeField(
        label=gettext_lazy("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    length = forms.DecimalField(
        label=gettext_lazy("Length"), min_value=0, max_digits=7, decimal_places=2,
        help_text=gettext_lazy("Up to 24 hours: 08:00 + 24 h is a 24-hour duty day."),
    )  # fmt: skip
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=UNITS)
    weight = forms.DecimalField(
        label=gettext_lazy("Load weight"), max_digits=4, decimal_places=2, initial=Decimal("1"),
        help_text=gettext_lazy("Night and holiday duties usually count more toward fairness."),
    )  # fmt: skip
    day_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Runs on"), choices=DayKind.choices,
        widget=forms.CheckboxSelectMultiple, initial=[DayKind.SCHOOL_DAY],
    )  # fmt: skip
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role, label in Role.choices:
            self.fields[f"need_{role}"] = forms.IntegerField(
                label=gettext_lazy("People needed: %(role)s") % {"role": label},
                min_value=0, max_value=50, initial=0,
            )  # fmt: skip

    def clean(self):
        data = super().clean()
        length, unit = data.get("length"), data.get("unit")
        if length is not None and unit:
            minutes = length * 60 if unit == "hours" else length
            if minutes != int(minutes):
                self.add_error("length", _("The length must be a whole number of minutes."))
            elif minutes < 1:
                self.add_error("length", _("A shift must last at least one minute."))
            elif minutes > setup.MAX_MINUTES:
                self.add_error(
                    "length",
                    _("A shift lasts at most 24 hours (08:00 + 24 h is a 24-hour duty day)."),
                )
            else:
                data["minutes"] = int(minutes)
        return data

    def requirements(self) -> dict[str, int]:
        return {role: self.cleaned_data[f"need_{role}"] or 0 for role in Role.values}


def _initial(shift_type: ShiftType) -> dict:
    minutes = shift_type.duration_minutes
    hours = minutes % 60 == 0
    initial = {
        "name": shift_type.name, "start_time": shift_type.start_time,
        "length": minutes // 60 if hours else minutes, "unit": "hours" if hours else "minutes",
        "weight": shift_type.weight, "day_kinds": shift_type.day_kinds,
        "active": shift_type.active,
    }  # fmt: skip
    for r in shift_type.requirements.all():
        initial[f"need_{r.role}"] = r.count
    return initial


class WeekDutyForm(forms.Form):
    roster = forms.ModelChoiceField(label=gettext_lazy("Roster"), queryset=Roster.objects.none())
    staff = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Staff.objects.none())
    day = CalendarDateField(label=gettext_lazy("A day of the week"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.LEADER)
    reason = forms.CharField(
        label=gettext_lazy("Reason (needed once the roster is published)"), required=False,
        max_length=500,
    )  # fmt: skip

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roster"].queryset = Roster.objects.filter(school=school)
        self.fields["staff"].queryset = Staff.objects.filter(school=school, active=True).order_by(
            "name"
        )


class TermForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Term name"), max_length=50)
    start = CalendarDateField(label=gettext_lazy("First day"))
    end = CalendarDateField(label=gettext_lazy("Last day"))


class OverrideForm(forms.Form):
    day = CalendarDateField(label=gettext_lazy("Date"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind of day"), choices=DayKind.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=100, required=False,
        help_text=gettext_lazy("e.g. 调休 or a school event"),
    )  # fmt: skip


def _school_shift_type(actor, pk: int) -> ShiftType:
    return get_object_or_404(
        ShiftType.objects.select_related("school").prefetch_related("requirements"),
        pk=pk,
        school=actor.school,
    )


# ---- shift types


@role_required(Role.ADMIN)
@require_GET
def shift_types(request):
    return _shift_types_page(request)


def _shift_types_page(request, week_form=None, status=200):
    actor = get_actor(request)
    school = actor.school
    rows = list(
        ShiftType.objects.filter(school=school)
        .prefetch_related("requirements")
        .order_by("-active", "start_time", "name")
    )
    kinds = dict(DayKind.choices)
    roles = dict(Role.choices)
    for row in rows:
        row.kind_labels = [kinds.get(k, k) for k in row.day_kinds]
        row.need_labels = [
            f"{roles.get(r.role, r.role)} × {r.count}" for r in row.requirements.all()
        ]
    context = {
        "rows": rows,
        "presets": setup.PRESETS.values(),
        "week_form": week_form or WeekDutyForm(school=school),
    }
    return render(request, "roster/setup/shift_types.html", context, status=status)


def _save_form(request, form, shift_type=None):
    actor = get_actor(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            setup.save_shift_type(
                actor=actor, school=actor.school, shift_type=shift_type, name=data["name"],
                start_time=data["start_time"], duration_minutes=data["minutes"],
                weight=data["weight"], day_kinds=data["day_kinds"], active=data["active"],
                requirements=form.requirements(),
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The shift type is saved."))
            return redirect("roster:shift-types")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "shift_type": shift_type}
    return render(request, "roster/setup/shift_type_form.html", context, status=status)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def shift_type_new(request):
    return _save_form(request, ShiftTypeForm(request.POST or None))


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def shift_type_edit(request, pk: int):
    shift_type = _school_shift_type(get_actor(request), pk)
    form = ShiftTypeForm(request.POST or None, initial=_initial(shift_type))
    return _save_form(request, form, shift_type)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def shift_type_deactivate(request, pk: int):
    actor = get_actor(request)
    shift_type = _school_shift_type(actor, pk)
    if request.method == "POST":
        setup.deactivate_shift_type(actor=actor, shift_type=shift_type)
        messages.success(request, _("The shift type is switched off for new rosters."))
        return redirect("roster:shift-types")
    return render(request, "roster/setup/shift_type_deactivate.html", {"shift_type": shift_type})


@role_required(Role.ADMIN)
@require_POST
def preset_apply(request):
    actor = get_actor(request)
    try:
        created = setup.apply_preset(
            actor=actor, school=actor.school, key=request.POST.get("preset", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            names = "、".join(t.name for t in created)
            messages.success(request, _("Shift types added: %(names)s") % {"names": names})
        else:
            messages.info(request, _("This school already has these shift types."))
    return redirect("roster:shift-types")


@role_required(Role.ADMIN)
@require_POST
def week_duty(request):
    actor = get_actor(request)
    form = WeekDutyForm(request.POST, school=actor.school)
    if form.is_valid():
        data = form.cleaned_data
        try:
            setup.assign_week_duty(
                actor=actor, roster=data["roster"], staff=data["staff"], day=data["day"],
                role=data["role"], reason=data["reason"],
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(name)s is on 值周 for the whole week.") % {"name": data["staff"].name},
            )
            return redirect("roster:detail", pk=data["roster"].pk)
    return _shift_types_page(request, week_form=form, status=400)


# ---- the calendar


def _month(value: str | None) -> date:
    """``?month=YYYY-MM`` within the calendar's range; anything else is the current month."""
    try:
        year, month = (int(x) for x in (value or "")[:7].split("-"))
        first = date(year, month, 1)
    except (TypeError, ValueError, OverflowError):
        first = None
    if first is None or not FIRST_DAY <= first <= LAST_DAY:
        return timezone.localdate().replace(day=1)
    return first


@role_required(Role.ADMIN)
@require_GET
def calendar_page(request):
    return _calendar(request)


def _calendar(request, term_form=None, override_form=None, status=200):
    actor = get_actor(request)
    school = actor.school
    first = _month(request.GET.get("month"))
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    days = list(school_calendar(school, first, last).values())
    terms = list(Term.objects.filter(school=school))
    context = {
        "days": days,
        "month": first,
        "previous": f"{first - timedelta(days=1):%Y-%m}" if first > FIRST_DAY else None,
        "next": f"{last + timedelta(days=1):%Y-%m}" if last < LAST_DAY else None,
        "terms": terms,
        "guessed": any(not d.official for d in days),
        "outside_terms": any(not d.term_known and not d.overridden for d in days),
        "calendar_status": calendar_status(school, terms),
        "term_form": term_form or TermForm(),
        "override_form": override_form or OverrideForm(initial={"day": first}),
        "kinds": dict(DayKind.choices),
    }
    return render(request, "roster/setup/calendar.html", context, status=status)


def _back_to_calendar(request, day: date | None = None):
    response = redirect("roster:calendar")
    if day:
        response["Location"] += f"?month={day:%Y-%m}"
    return response


@role_required(Role.ADMIN)
@require_POST
def term_new(request):
    actor = get_actor(request)
    form = TermForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            setup.save_term(
                actor=actor, school=actor.school, name=data["name"], start=data["start"],
                end=data["end"],
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The term is saved."))
            return _back_to_calendar(request, data["start"])
    return _calendar(request, term_form=form, status=400)


@role_required(Role.ADMIN)
@require_POST
def term_delete(request, pk: int):
    actor = get_actor(request)
    term = get_object_or_404(Term.objects.select_related("school"), pk=pk, school=actor.school)
    setup.delete_term(actor=actor, term=term)
    messages.success(request, _("The term is deleted."))
    return _back_to_calendar(request)


@role_required(Role.ADMIN)
@require_POST
def override_set(request):
    actor = get_actor(request)
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if request.POST.get("clear"):
            setup.clear_day_override(actor=actor, school=actor.school, day=data["day"])
            messages.success(request, _("The day follows the official calendar again."))
        else:
            setup.set_day_override(
                actor=actor, school=actor.school, day=data["day"], kind=data["kind"],
                note=data["note"],
            )  # fmt: skip
            messages.success(request, _("The day is saved."))
        return _back_to_calendar(request, data["day"])
    return _calendar(request, override_form=form, status=400)
