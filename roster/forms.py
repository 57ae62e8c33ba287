from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from roster.calendar import CalendarDateField
from roster.models import RosterSettings
from staff.models import Role


class RosterCreateForm(forms.Form):
    name = forms.CharField(label=_("Roster name"), max_length=100)
    start_date = CalendarDateField(label=_("First day"))
    end_date = CalendarDateField(label=_("Last day"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day is before the first day."))
        return data


class AssignForm(forms.Form):
    staff = forms.IntegerField(min_value=1)
    role = forms.ChoiceField(choices=Role.choices)
    reason = forms.CharField(required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        help_text=_("The month layout schools post: one row per date, a column per role."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    reason = forms.CharField(
        label=_("Reason (needed once the roster is published)"), required=False, max_length=1000
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel .xlsx file."))
        return upload


class RosterSettingsForm(forms.ModelForm):
    """A school's duty rules and reminder times; the kiosk token has its own page."""

    class Meta:
        model = RosterSettings
        fields = [
            "rest_hours", "weekly_cap", "teachers_only_on_school_days", "fairness_tolerance",
            "swaps_need_approval", "checkin_enabled", "checkin_for_teachers",
            "evening_reminder_at", "reminder_minutes_before",
        ]  # fmt: skip
        widgets = {"evening_reminder_at": forms.TimeInput(attrs={"type": "time"})}
