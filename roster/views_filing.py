"""Holiday roster filing pages: the school's list and form, the frozen copy, the bureau's view."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from roster import filing
from staff.queries import get_actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FilingForm(forms.Form):
    duty_phone = forms.CharField(label=_("Duty landline (值班固定电话)"), max_length=30)
    night_contact = forms.CharField(
        label=_("Night contact (夜间值班)"), max_length=100, required=False,
        help_text=_("Used on days where no one is on an overnight shift."),
    )  # fmt: skip
    filer_name = forms.CharField(label=_("Filed by (填报人)"), max_length=50)
    filer_phone = forms.CharField(label=_("Contact phone (联系电话)"), max_length=20)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


def _school_today(school) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(school.time_zone))


@require_GET
def filing_list(request):
    actor = get_actor(request)
    if actor.is_bureau:
        return redirect("roster:bureau-filings")
    school = actor.school
    filing.require_filer(actor, school.pk if school else None)
    statuses = filing.school_filing_statuses(
        school, today=_school_today(school), now=timezone.now()
    )
    return render(request, "roster/filing/filing_list.html", {"statuses": statuses})


@require_http_methods(["GET", "POST"])
def filing_new(request):
    actor = get_actor(request)
    school = actor.school
    filing.require_filer(actor, school.pk if school else None)
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        raise Http404 from None
    period = filing.find_period(school, start=start, today=_school_today(school))
    staff = actor.staff
    initial = {"duty_phone": school.duty_phone, "filer_name": staff.name,
               "filer_phone": staff.phone}  # fmt: skip
    form = FilingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = filing.file_holiday_roster(
                school=school, holiday=period.name, start=period.start, end=period.end,
                actor=actor, **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("roster:filing-detail", record.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "period": period, "school": school}
    return render(request, "roster/filing/filing_form.html", context, status=status)


@require_GET
def filing_detail(request, pk: int):
    actor = get_actor(request)
    record = filing.get_filing_for_user(actor, pk)
    versions = filing.versions_of(record)
    context = {
        "filing": record,
        "rows": [{**row, "staff_text": filing.people_text(row["staff"]),
                  "night_text": filing.people_text(row["night"]) or record.night_contact}
                 for row in record.rows],
        "versions": versions,
        "latest": versions[0],
        "late": filing.is_late(record),
    }  # fmt: skip
    return render(request, "roster/filing/filing_detail.html", context)


@require_GET
def bureau_filings(request):
    actor = get_actor(request)
    today = timezone.localdate()
    holidays = filing.bureau_dashboard(actor, today=today, now=timezone.now())
    return render(request, "roster/filing/bureau_filings.html", {"holidays": holidays})


@require_GET
def bureau_filings_export(request):
    actor = get_actor(request)
    holiday = request.GET.get("holiday", "")
    try:
        start = date.fromisoformat(request.GET["start"]) if request.GET.get("start") else None
    except ValueError:
        raise Http404 from None
    rows = filing.latest_filings(actor, holiday=holiday, start=start)
    response = HttpResponse(filing.filings_workbook(rows), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="holiday-filings.xlsx"'
    return response
