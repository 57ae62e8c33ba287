"""The roster pages: list, the editor grid (htmx), publishing, my duties."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from roster import queries, services
from roster.calendar import calendar_gaps, calendar_status, gaps_message, school_calendar
from roster.forms import AssignForm, ReasonForm, RosterCreateForm, RosterImportForm
from roster.models import RosterStatus, ShiftType
from roster.rules import check, weighted_load
from roster.services import mismatch_message
from staff.models import Role, Staff
from staff.queries import get_actor


@require_GET
def roster_list(request):
    actor = get_actor(request)
    rosters = queries.rosters_for(actor).annotate(shift_count=Count("shifts"))
    form = RosterCreateForm() if queries.can_edit(actor) else None
    can_approve = actor.has_any(Role.ADMIN, Role.PRINCIPAL, Role.LEADER)
    context = {"rosters": rosters, "form": form, "can_approve": can_approve}
    if form is not None:
        context["calendar_status"] = calendar_status(actor.school)
    return render(request, "roster/roster_list.html", context)


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
        else:  # the editor it lands on shows the calendar banner, if any
            return redirect("roster:detail", roster.pk)
    rosters = queries.rosters_for(actor).annotate(shift_count=Count("shifts"))
    context = {"rosters": rosters, "form": form, "calendar_status": calendar_status(actor.school)}
    return render(request, "roster/roster_list.html", context, status=400)


def _editor_context(roster, actor, week: dict | None = None) -> dict:
    """The editor: the month grid, or one week of it (``week`` from ``queries.week_of``)."""
    plan = queries.build_plan(roster)
    settings = queries.rule_settings(roster.school)
    violations = check(plan, settings)
    load = weighted_load(plan)
    people = sorted(
        (p for p in plan.people.values() if load.get(p.id)), key=lambda p: (-load[p.id], p.name)
    )
    by_shift: dict[int, list] = {}
    for v in violations:
        if v.shift_id is not None and v.error:
            by_shift.setdefault(v.shift_id, []).append(v.message)
    span = {"start": week["start"], "end": week["end"]} if week else {}
    grid = queries.roster_grid(roster, **span)
    for row in grid["rows"]:
        for cell in row["cells"]:
            if cell:
                cell["problems"] = by_shift.get(cell["shift"].pk, [])
    return {
        "roster": roster,
        "grid": grid,
        "week": week,
        "errors": [v for v in violations if v.error],
        "warnings": [v for v in violations if not v.error],
        "loads": [{"name": p.name, "load": load[p.id]} for p in people],
        "can_edit": queries.can_edit(actor),
        "job": queries.latest_solve_job(roster) if queries.can_edit(actor) else None,
        "published": roster.status == RosterStatus.PUBLISHED,
        "role_labels": dict(Role.choices),
        # MOE 2025: the editor says so when a school schedules teachers on no-student days.
        "guardrail_off": not settings.teachers_only_on_school_days,
        **_calendar_banners(roster),
    }


def _calendar_banners(roster) -> dict:
    """A draft over days the calendar only guesses says so (the publish form then asks for the
    confirmation); a published roster says how many such days it was published over. Either
    says where its shifts no longer match the calendar. Links go to the calendar page at the
    first such month."""
    context: dict = {"calendar_gaps": None, "calendar_url": reverse("roster:calendar")}
    days = school_calendar(roster.school, roster.start_date, roster.end_date)
    if roster.status == RosterStatus.DRAFT:
        gaps = calendar_gaps(days)
        if gaps:
            context.update(calendar_gaps=gaps, calendar_gaps_text=gaps_message(gaps),
                           calendar_month=f"{gaps.first:%Y-%m}")  # fmt: skip
    mismatch = services.calendar_mismatch(roster, days=days)
    if mismatch:
        context["calendar_mismatch"] = mismatch_message(mismatch)
        context.setdefault("calendar_month", f"{mismatch.days[0]:%Y-%m}")
    return context


def _week(roster, value: str | None) -> dict | None:
    """The week asked for by ``?week=`` / a form's ``week`` field; None: the month grid."""
    if value is None:
        return None
    try:
        asked = date.fromisoformat(value) if value else None
    except ValueError:
        asked = None
    return queries.week_of(roster, asked, timezone.localdate())


@require_GET
def roster_detail(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk)
    return render(request, "roster/roster_detail.html", _editor_context(roster, actor))


@require_GET
def roster_week(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk)
    week = _week(roster, request.GET.get("week", ""))
    return render(request, "roster/roster_detail.html", _editor_context(roster, actor, week))


@require_GET
def shift_candidates(request, pk: int, shift_id: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    shift = queries.get_shift_for_user(actor, roster, shift_id)
    role = request.GET.get("role", "")
    if role not in Role.values:
        role = Role.TEACHER
    candidates = queries.candidates_for(roster, shift, role, request.GET.get("q", "").strip()[:20])
    week = _week(roster, request.GET.get("week"))
    return render(request, "roster/partials/_candidates.html", {
        "roster": roster, "shift": shift, "role": role, "candidates": candidates[:30],
        "role_label": dict(Role.choices)[role], "week": week,
        "published": roster.status == RosterStatus.PUBLISHED,
    })  # fmt: skip


def _after_change(request, roster, actor):
    """The editor again, as it was shown: the month grid or the same week."""
    week = _week(roster, request.POST.get("week"))
    if request.headers.get("HX-Request"):
        context = _editor_context(roster, actor, week)
        return render(request, "roster/partials/_editor.html", context)
    if week:
        return redirect(f"{reverse('roster:week', args=[roster.pk])}?week={week['start']}")
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


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _change(request, editing, actor, action, **kwargs):
    """Run one editor change; a refusal becomes a message shown in the editor."""
    try:
        action(actor=actor.user, reason=_reason(request), **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_change(request, editing, actor)


@require_POST
def unassign(request, pk: int, assignment_id: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    assignment = queries.get_assignment_for_user(actor, roster, assignment_id)
    return _change(request, roster, actor, services.unassign_duty, assignment=assignment)


@require_POST
def undo(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    return _change(request, roster, actor, services.undo_last_change, roster=roster)


@require_POST
def publish(request, pk: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    try:
        services.publish_roster(
            roster=roster,
            actor=actor.user,
            reason=_reason(request),
            calendar_checked=request.POST.get("calendar_checked") == "1",
        )
    except services.RosterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The roster is published and everyone on it has been told."))
    week = _week(roster, request.POST.get("week"))  # back to the view it was published from
    if week:
        return redirect(f"{reverse('roster:week', args=[roster.pk])}?week={week['start']}")
    return redirect("roster:detail", roster.pk)


@require_GET
def my_duties(request):
    actor = get_actor(request)
    from roster.ical import feed_token

    duties = queries.my_duties(actor.staff) if actor.staff else []
    feed = None
    if actor.staff:
        feed = request.build_absolute_uri(reverse("roster:feed", args=[feed_token(actor.staff)]))
    return render(request, "roster/my_duties.html", {"duties": duties, "feed_url": feed})


@require_GET
def export_xlsx(request, pk: int):
    from roster.excel import export_roster_xlsx

    roster = queries.get_roster_for_user(get_actor(request), pk)
    response = HttpResponse(
        export_roster_xlsx(roster),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _attachment(f"{roster.name}.xlsx")
    return response


@require_GET
def print_pdf(request, pk: int):
    from roster.printing import roster_pdf

    roster = queries.get_roster_for_user(get_actor(request), pk)
    response = HttpResponse(roster_pdf(roster), content_type="application/pdf")
    response["Content-Disposition"] = _attachment(f"{roster.name}.pdf", inline=True)
    return response


def _attachment(filename: str, *, inline: bool = False) -> str:
    """An ASCII fallback name plus the Chinese name for browsers that read RFC 5987."""
    from urllib.parse import quote

    kind = "inline" if inline else "attachment"
    suffix = filename.rsplit(".", 1)[-1]
    return f"{kind}; filename=roster.{suffix}; filename*=UTF-8''{quote(filename)}"


@require_http_methods(["GET", "POST"])
def import_xlsx(request, pk: int):
    from roster.excel import RosterFileError, apply_roster_import, parse_roster_xlsx

    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    form = RosterImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            plan = parse_roster_xlsx(roster=roster, content=form.cleaned_data["file"].read())
            result = apply_roster_import(roster=roster, plan=plan, actor=actor.user,
                                         reason=form.cleaned_data["reason"])  # fmt: skip
        except RosterFileError as exc:
            errors = exc.errors
        except services.RosterError as exc:
            form.add_error(None, str(exc))
        else:
            counts = {"added": result.added, "removed": result.removed, "kept": result.kept}
            text = _("Imported: %(added)d added, %(removed)d removed, %(kept)d unchanged.")
            messages.success(request, text % counts)
            return redirect("roster:detail", roster.pk)
    return render(request, "roster/roster_import.html",
                  {"roster": roster, "form": form, "errors": errors})  # fmt: skip


@login_not_required
@require_GET
def ical_feed(request, token: str):
    from roster.ical import person_calendar, staff_for_feed_token

    staff = staff_for_feed_token(token)
    if staff is None:
        raise Http404
    response = HttpResponse(person_calendar(staff), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="duties.ics"'
    return response


@require_POST
def autogen_start(request, pk: int):
    from roster.autogen import start_solve

    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    try:
        start_solve(roster=roster, actor=actor.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("roster:detail", roster.pk)


@require_GET
def autogen_status(request, pk: int, job_id: int):
    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    job = queries.get_solve_job(roster, job_id)
    response = render(request, "roster/partials/_autogen.html", {"roster": roster, "job": job})
    if not job.active and request.GET.get("was") == "active":
        response["HX-Refresh"] = "true"  # the run just ended: reload the grid with its result
    return response


@require_POST
def autogen_cancel(request, pk: int, job_id: int):
    from roster.autogen import cancel_solve

    actor = get_actor(request)
    roster = queries.get_roster_for_user(actor, pk, write=True)
    cancel_solve(job=queries.get_solve_job(roster, job_id))
    return redirect("roster:detail", roster.pk)
