"""Views for the logbook's report pages: the daily report, reporting up to the bureau (日报告 /
零报告), the bureau's pages, the archive of duty logs and the exports."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logbook import exports, report
from logbook.forms_report import (
    ArchiveForm,
    CorrectionForm,
    DailyReportForm,
    DayForm,
    MonthForm,
    PeriodForm,
)
from logbook.queries import report as queries
from logbook.services import report as services
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor

LEADERSHIP = (Role.PRINCIPAL, Role.LEADER, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(request, school) -> tuple[DayForm, date]:
    """The ?date= asked for, or today in the school's zone (with the form's error, if any)."""
    today = queries.local_today(school)
    form = DayForm(request.GET or None, initial={"date": today})
    if request.GET.get("date") and form.is_valid():
        return form, form.cleaned_data["date"]
    return form, today


@require_GET
@role_required(*LEADERSHIP)
def daily(request):
    school = get_actor(request).school
    form, day = _day(request, school)
    [record] = report.collect_days(school, day, day, now=timezone.now())
    context = {"nav_active": "daily", "form": form, "day": record,
               "previous": day - timedelta(days=1), "next": day + timedelta(days=1)}  # fmt: skip
    return render(request, "logbook/report/daily.html", context)


@require_GET
@role_required(*LEADERSHIP)
def daily_export(request, scope: str, fmt: str):
    school = get_actor(request).school
    if scope == "day":
        form = DayForm(request.GET)
        if not form.is_valid():
            raise Http404
        first = last = form.cleaned_data["date"]
    else:
        form = MonthForm(request.GET)
        if not form.is_valid():
            raise Http404
        first = form.cleaned_data["month"]
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    days = report.collect_days(school, first, last, now=timezone.now())
    if fmt == "pdf":
        response = HttpResponse(exports.days_pdf(days), content_type="application/pdf")
    else:
        response = HttpResponse(exports.days_workbook(days), content_type=XLSX)
    name = exports.filename(school, first, last if scope == "day" else first, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---- the school's reports to the bureau ------------------------------------------------------


@require_GET
@role_required(*LEADERSHIP)
def report_list(request):
    periods = queries.school_periods(get_actor(request))
    return render(request, "logbook/report/report_list.html", {"periods": periods,
                                                               "nav_active": "daily"})  # fmt: skip


@require_http_methods(["GET", "POST"])
@role_required(*LEADERSHIP)
def report_new(request):
    actor = get_actor(request)
    school = queries.require_reporter(actor)
    day_form, day = _day(request, school)
    existing = queries.latest_report(school, day)
    if existing is not None and request.method == "GET":
        return redirect("logbook:report-detail", existing.pk)  # corrections start there
    [record] = report.collect_days(school, day, day, now=timezone.now())
    initial = {**report.report_prefill(record), "reporter_name": actor.staff.name}
    form = DailyReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.submit_daily_report(
                school=school, day=day, content=form.cleaned_data, actor=actor
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The daily report was sent to the bureau."))
            return redirect("logbook:report-detail", saved.pk)
    context = {"form": form, "day_form": day_form, "day": day, "record": record,
               "period": queries.period_for(school, day), "nav_active": "daily"}  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render(request, "logbook/report/report_form.html", context, status=status)


@require_GET
def report_detail(request, pk: int):
    actor = get_actor(request)
    record = queries.get_daily_report_for_user(actor, pk)
    versions = queries.versions_of(record)
    context = {"report": record, "versions": versions, "latest": versions[0],
               "first": versions[-1], "can_correct": queries.can_report(actor, record.school_id),
               "nav_active": "daily"}  # fmt: skip
    return render(request, "logbook/report/report_detail.html", context)


@require_http_methods(["GET", "POST"])
def report_correct(request, pk: int):
    actor = get_actor(request)
    record = queries.get_daily_report_for_user(actor, pk)
    if not queries.can_report(actor, record.school_id):
        raise Http404
    latest = queries.versions_of(record)[0]
    initial = {name: getattr(latest, name) for name in services.CONTENT_FIELDS}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.correct_daily_report(
                report=latest, content=data, reason=data["reason"], actor=actor
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The correction was sent to the bureau."))
            return redirect("logbook:report-detail", saved.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "report": latest, "nav_active": "daily"}
    return render(request, "logbook/report/report_correct.html", context, status=status)


# ---- the bureau ------------------------------------------------------------------------------


@require_GET
@role_required(bureau=True)
def bureau_daily(request):
    actor = get_actor(request)
    today = timezone.localdate()
    form = DayForm(request.GET or None, initial={"date": today})
    day = form.cleaned_data["date"] if request.GET.get("date") and form.is_valid() else today
    overview = queries.bureau_day(actor, day=day)
    context = {"form": form, "overview": overview, "nav_active": "daily", "today": today,
               "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
               "month": f"{day:%Y-%m}"}  # fmt: skip
    return render(request, "logbook/report/bureau_daily.html", context)


@require_POST
@role_required(bureau=True)
def bureau_chase(request):
    form = DayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid date."))
        return redirect("logbook:bureau-daily")
    day = form.cleaned_data["date"]
    try:
        chased = services.chase_missing_reports(day=day, actor=get_actor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s school(s) reminded.") % {"n": len(chased)})
    return redirect(f"{_url('logbook:bureau-daily')}?date={day:%Y-%m-%d}")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@require_http_methods(["GET", "POST"])
@role_required(bureau=True)
def bureau_periods(request):
    actor = get_actor(request)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_reporting_period(
                name=data["name"], start=data["start"], end=data["end"], cutoff=data["cutoff"],
                actor=actor,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The reporting period was created."))
            return redirect("logbook:bureau-periods")
    context = {"form": form, "periods": queries.bureau_periods(actor), "nav_active": "daily"}
    status = 400 if request.method == "POST" else 200
    return render(request, "logbook/report/bureau_periods.html", context, status=status)


@require_GET
@role_required(bureau=True)
def bureau_export(request):
    form = MonthForm(request.GET)
    if not form.is_valid():
        raise Http404
    first = form.cleaned_data["month"]
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    rows = queries.bureau_month_reports(get_actor(request), first=first, last=last)
    response = HttpResponse(exports.bureau_workbook(rows), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="daily-reports-{first:%Y-%m}.xlsx"'
    return response


# ---- the archive -----------------------------------------------------------------------------


@require_GET
@role_required(*LEADERSHIP)
def log_archive(request):
    actor = get_actor(request)
    form = ArchiveForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    logs = queries.archive_logs(actor, **filters)
    page = Paginator(logs, queries.ARCHIVE_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "nav_active": "archive"}
    return render(request, "logbook/report/archive.html", context)
