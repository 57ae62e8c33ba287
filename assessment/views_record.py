"""Pages for month scores (the principal's overview, ranking and shortlist), one person's
month, the annual record and its PDF, the settings, and the assessment home."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import charts, printing
from assessment.forms_record import SettingsForm
from assessment.queries import record as queries
from assessment.services import record as services
from assessment.services.config import settings_for
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor


def _month(request) -> date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return services.month_start(timezone.localdate())


def _year(request) -> int:
    try:
        return max(2000, min(int(request.GET.get("year", "")), 2100))
    except ValueError:
        return timezone.localdate().year


# Home links: (url name, label, roles who see it; None: every member of staff). Parts of the
# app built beside this one are linked once their URL exists, so the home page never breaks.
OFFICE = (Role.ADMIN, Role.PRINCIPAL)
LINKS = [
    ("assessment:mine", gettext_lazy("My assessment record"), None),
    ("assessment:metrics", gettext_lazy("Measured metrics"), None),
    ("assessment:scores", gettext_lazy("Month scores"), (Role.PRINCIPAL,)),
    ("assessment:proposals", gettext_lazy("Rewards and penalties"), None),
    ("assessment:flags", gettext_lazy("Review flags"), (Role.PRINCIPAL,)),
    ("assessment:inspections", gettext_lazy("Inspections"), (*OFFICE, Role.LEADER)),
    ("assessment:reviews", gettext_lazy("Peer review"), None),
    ("assessment:feedback", gettext_lazy("Student and parent feedback"), OFFICE),
    ("assessment:training", gettext_lazy("Training"), None),
    ("assessment:criteria", gettext_lazy("Assessment criteria"), OFFICE),
    ("assessment:settings", gettext_lazy("Assessment settings"), OFFICE),
]


@require_GET
def home(request):
    actor = get_actor(request)
    if actor.staff is None:
        raise PermissionDenied
    links = []
    for name, label, roles in LINKS:
        if roles is None or actor.has_any(*roles):
            try:
                links.append({"url": reverse(name), "label": label, "name": name})
            except NoReverseMatch:
                continue
    return render(request, "assessment/home.html", {"links": links})


@require_GET
def scores(request):
    school = queries.principal_school(get_actor(request))
    month, sort = _month(request), request.GET.get("sort", "total")
    settings = settings_for(school)
    rows = queries.month_table(school, month, sort)
    context = {
        "month": month,
        "previous": services.add_months(month, -1),
        "next": services.add_months(month, 1),
        "sort": sort if sort in queries.SORTS else "total",
        "columns": [
            ("total", _("Score")),
            ("inspection", _("Inspections")),
            ("peer", _("Peer review")),
            ("feedback", _("Feedback")),
            ("metrics", _("Metrics")),
        ],
        "rows": rows,
        "shortlist": queries.shortlist(rows, settings.full_marks),
        "shortlist_percent": queries.SHORTLIST_PERCENT,
        "failing": [r for r in rows if r.failing],
        "flags": queries.open_flags(school),
        "settings": settings,
        "finalised": bool(rows) and all(r.finalized_at for r in rows),
        "can_finalise": month < services.month_start(timezone.localdate()),
    }
    return render(request, "assessment/record/scores.html", context)


@require_POST
def scores_recompute(request):
    school = queries.principal_school(get_actor(request))
    month = _month(request)
    written = services.compute_month(school=school, month=month)
    messages.success(request, _("%(n)s scores computed.") % {"n": written})
    return redirect(f"{reverse('assessment:scores')}?month={month:%Y-%m}")


@require_POST
def scores_finalise(request):
    actor = get_actor(request)
    school = queries.principal_school(actor)
    month = _month(request)
    try:
        services.finalise_month(school=school, month=month, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The month's scores are final."))
    return redirect(f"{reverse('assessment:scores')}?month={month:%Y-%m}")


@require_GET
def person_month(request, pk: int):
    actor = get_actor(request)
    person = queries.get_subject_for_user(actor, pk)
    month = _month(request)
    context = {
        "person": person,
        "month": month,
        "previous": services.add_months(month, -1),
        "next": services.add_months(month, 1),
        "settings": settings_for(person.school),
        "is_principal": queries.is_principal(actor),
        **queries.person_month(person, month),
    }
    return render(request, "assessment/record/person_month.html", context)


@require_GET
def mine(request):
    actor = get_actor(request)
    if actor.staff is None:
        raise Http404
    return redirect("assessment:record", pk=actor.staff.pk)


@require_GET
def record(request, pk: int):
    actor = get_actor(request)
    person = queries.get_subject_for_user(actor, pk)
    data = queries.annual_record(person, _year(request))
    full = data["settings"].full_marks
    over_time = charts.line_chart(
        [(f"{m.month}", s.total if s else None) for m, s in data["months"]], full
    )
    context = {
        **data,
        "over_time": over_time,
        "by_criterion": charts.bar_chart(data["criteria"]),
        "is_self": actor.staff.pk == person.pk,
    }
    return render(request, "assessment/record/record.html", context)


@require_GET
def record_pdf(request, pk: int):
    actor = get_actor(request)
    person = queries.get_subject_for_user(actor, pk)
    year = _year(request)
    response = HttpResponse(
        printing.record_pdf(queries.annual_record(person, year)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="assessment-{person.pk}-{year}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN, Role.PRINCIPAL)
def settings_page(request):
    school = get_actor(request).staff.school
    current = settings_for(school)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.save_settings(settings=current, data=form.cleaned_data)
        messages.success(request, _("Assessment settings saved."))
        return redirect("assessment:settings")
    return render(request, "assessment/record/settings.html", {"form": form})
