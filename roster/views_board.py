"""On the day: check-in, today's duty board, and the wall-screen kiosk (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from roster import board, checkin
from roster.reminders import settings_for
from staff.queries import get_actor


@require_POST
def check_in(request, assignment_id: int):
    actor = get_actor(request)
    assignment = checkin.get_assignment_for_checkin(actor, assignment_id)
    try:
        record = checkin.check_in(assignment=assignment, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        zone = checkin.zone_of(assignment.shift.roster.school.time_zone)
        when = timezone.localtime(record.checked_in_at, zone)
        messages.success(request, _("Checked in at %(time)s.") % {"time": f"{when:%H:%M}"})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("roster:mine")
    return redirect(target)


@require_GET
def today(request):
    actor = get_actor(request)
    school = board.board_school_for(actor)
    with_attendance = board.sees_attendance(actor)
    context = board.duty_board(school, timezone.now(), with_attendance=with_attendance)
    context.update(school=school, with_attendance=with_attendance, nav_active="today",
                   my_checkins=board.my_checkins(actor.staff, timezone.now()),
                   can_admin=actor.can_admin(school.pk))  # fmt: skip
    return render(request, "roster/board/today.html", context)


@require_GET
def my_checkins(request):
    """htmx fragment for "my duties": the viewer's duties open for check-in, if any."""
    actor = get_actor(request)
    duties = board.my_checkins(actor.staff, timezone.now())
    context = {"duties": duties, "next_url": reverse("roster:mine")}
    if actor.staff is not None:
        context["school"] = actor.staff.school
    return render(request, "roster/board/my_checkins.html", context)


@login_not_required
@require_GET
def kiosk(request, token: str):
    school = checkin.school_for_kiosk_token(token)
    context = board.duty_board(school, timezone.now())  # never with attendance
    context["school"] = school
    template = (
        "roster/board/_kiosk_body.html"
        if request.headers.get("HX-Request")
        else ("roster/board/kiosk.html")
    )
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def kiosk_token(request):
    actor = get_actor(request)
    school = _admin_school(actor)
    token = settings_for(school).kiosk_token
    url = request.build_absolute_uri(reverse("roster:kiosk", args=[token])) if token else ""
    return render(request, "roster/board/kiosk_token.html", {"school": school, "kiosk_url": url})


@require_POST
def kiosk_token_rotate(request):
    actor = get_actor(request)
    checkin.rotate_kiosk_token(school=_admin_school(actor), actor=actor)
    messages.success(request, _("A new wall-screen link was made; the old one no longer works."))
    return redirect("roster:kiosk-token")


def _admin_school(actor):
    if actor.school is None or not actor.can_admin(actor.school.pk):
        raise PermissionDenied
    return actor.school
