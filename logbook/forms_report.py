"""Forms for the report pages: they check shape; the services enforce the rules."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=7, widget=forms.TextInput(
        attrs={"type": "month"}))  # fmt: skip

    def clean_month(self) -> date:
        text = self.cleaned_data["month"]
        try:
            year, month = (int(part) for part in text.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise ValidationError(_("Give a month as YYYY-MM.")) from None


class PeriodForm(forms.Form):
    name = forms.CharField(label=_("Name (e.g. 春节, 国庆, 汛期)"), max_length=50)
    start = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    end = forms.DateField(label=_("Last day"), widget=DATE_INPUT)
    cutoff = forms.TimeField(
        label=_("Daily cut-off"), initial="17:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )  # fmt: skip


class DailyReportForm(forms.Form):
    leader = forms.CharField(label=_("Duty leader (带班领导)"), max_length=200)
    on_duty = forms.CharField(label=_("People on duty (值班人员)"), max_length=500, required=False)
    on_post = forms.BooleanField(label=_("Everyone was at their post (是否在岗)"), required=False)
    no_incident = forms.BooleanField(
        label=_("No safety accident or anomaly today (今日无安全事故/异常 — 零报告)"),
        required=False,
    )
    event_count = forms.IntegerField(
        label=_("Number of events"), min_value=0, max_value=999, required=False
    )
    events = forms.CharField(
        label=_("What happened and how it was handled"), max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    hazards_found = forms.IntegerField(label=_("Hazards found today"), min_value=0, max_value=999)
    hazards_fixed = forms.IntegerField(label=_("Hazards fixed today"), min_value=0, max_value=999)
    warnings = forms.CharField(
        label=_("Weather or flood warnings"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    reporter_name = forms.CharField(label=_("Reported by (报送人)"), max_length=50)

    def clean(self):
        data = super().clean()
        if not self.errors:
            from logbook.services.report import clean_content

            data.update(clean_content(data))  # the service's rules, shown in the form
        return data


class CorrectionForm(DailyReportForm):
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class ArchiveForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    person = forms.CharField(label=_("Person on duty"), max_length=50, required=False)
    q = forms.CharField(label=_("Keyword"), max_length=100, required=False)
    problems = forms.BooleanField(label=_("Only with problems"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The end date cannot be before the start date."))
        return data
