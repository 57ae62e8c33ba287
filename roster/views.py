"""The roster pages: list, the editor grid (htmx), publishing, my duties."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from roster import queries, services
from roster.forms import AssignForm, ReasonForm, RosterCreateForm
from roster.models import RosterStatus, ShiftType
from roster.rules import check, weighted_load
from staff.models import Role, Staff
from staff.queries import get_actor


@require_GET
def roster_list(request):
    actor = get_actor(request)
    rosters = queries.rosters_for(actor).annotate(shift_count=Count("shifts"))
    form = RosterCreateForm() if queries.can_edit(actor) else None
    return render(request, "roster/roster_list.html", {"rosters": rosters, "form": form})


@require_POST
def roster_create(request):
    actor = get_actor(request)
    if not queries.can_edit(actor):
        raise PermissionDenied
    form = RosterCreateForm(request.POST)
    if form.is_valid():
        if not ShiftType.objects.filter(school=actor.school).exists():
            services.create_default_shift_types(school=actor.school)
        try:
            roster = services.create_roster(
                school=actor.school, name=form.cleaned_data["name"],
                start=form.cleaned_data["start_date"], end=form.cleaned_data["end_date"],
                actor=actor.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("roster:detail", roster.pk)
    rosters = queries.rosters_for(actor).annotate(shift_count=Count("shifts"))
    return render(
        request, "roster/roster_list.html", {"rosters": rosters, "form": form}, status=400
    )


def _editor_context(roster, actor) -> dict:
    plan = queries.build_plan(roster)
    violations = check(plan, queries.rule_settings(roster.school))
    load = weighted_load(plan)
    people = sorted(
        (p for p in plan.people.values() if load.get(p.id)), key=lambda p: (-load[p.id], p.name)
    )
    by_shift: dict[int, list] = {}
    for v in violations:
        if v.shift_id is not None and v.error:
            by_shift.setdefault(v.shift_id, []).append(v.message)
    grid = queries.roster_grid(roster)
    for row in grid["rows"]:
        for cell in row["cells"]:
            if cell:
                cell["problems"] = by_shift.get(cell["shift"].pk, [])
    return {
        "roster": roster,
        "grid": grid,
        "errors": [v for v in violations if v.error],
        "warnings": [v for v in violations if not v.error],
        "loads": [{"name": p.name, "load": load[p.id]} for p in people],
        "can_edit": queries.can_edit(actor),
        "published": roster.status == RosterStatus.PUBLISHED,
        "role_labels": dict(Role.choices),
    }


@require_GET
def roster_detail(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk)
    return render(request, "roster/roster_detail.html", _editor_context(roster, actor))


@require_GET
def shift_candidates(request, pk: int, shift_id: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    shift = queries.get_shift_for_user(actor, roster, shift_id)
    role = request.GET.get("role", "")
    if role not in Role.values:
        role = Role.TEACHER
    candidates = queries.candidates_for(roster, shift, role, request.GET.get("q", "").strip()[:20])
    return render(request, "roster/partials/_candidates.html", {
        "roster": roster, "shift": shift, "role": role, "candidates": candidates[:30],
        "role_label": dict(Role.choices)[role],
        "published": roster.status == RosterStatus.PUBLISHED,
    })  # fmt: skip


def _after_change(request, roster, actor):
    if request.headers.get("HX-Request"):
        return render(request, "roster/partials/_editor.html", _editor_context(roster, actor))
    return redirect("roster:detail", roster.pk)


@require_POST
def assign(request, pk: int, shift_id: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    shift = queries.get_shift_for_user(actor, roster, shift_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        staff = Staff.objects.filter(pk=form.cleaned_data["staff"], school=roster.school).first()
        try:
            if staff is None:
                raise ValidationError(_("This person is not on the staff list."))
            services.assign_duty(shift=shift, staff=staff, role=form.cleaned_data["role"],
                                 actor=actor.user, reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("The assignment could not be read; please try again."))
    return _after_change(request, roster, actor)


@require_POST
def unassign(request, pk: int, assignment_id: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    assignment = queries.get_assignment_for_user(actor, roster, assignment_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.unassign_duty(assignment=assignment, actor=actor.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, roster, actor)


@require_POST
def undo(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.undo_last_change(roster=roster, actor=actor.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, roster, actor)


@require_POST
def publish(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.publish_roster(roster=roster, actor=actor.user, reason=reason)
    except services.RosterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The roster is published and everyone on it has been told."))
    return redirect("roster:detail", roster.pk)


@require_GET
def my_duties(request):
    actor = get_actor(request)
    duties = queries.my_duties(actor.staff) if actor.staff else []
    return render(request, "roster/my_duties.html", {"duties": duties})
