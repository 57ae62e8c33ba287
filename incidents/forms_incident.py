"""Forms for reporting and completing incidents and for the escalation policy. Forms check
shape; the services enforce the rules (a time in the future, a sub-category of the category)."""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.categories import Category, Severity, subcategory_choices
from incidents.models import ClockKind, Incident
from incidents.services import reporting
from incidents.services.incident import TARGETS, clean_attachment

MAX_FILES = 6
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
SERVICES = [("110", _("110 police")), ("119", _("119 fire")), ("120", _("120 ambulance"))]
TARGET_LABELS = {
    "shift_leader": _("The shift's duty leader"),
    "leader": _("All duty leaders"),
    "principal": _("The principal"),
    "admin": _("The office"),
    "bureau": _("The education bureau"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Photos and PDFs; each is validated (type and size) into a CleanFile."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos and files"))
        kwargs.setdefault(
            "help_text", _("Photos (JPEG, PNG, WebP) or PDF files, up to 10 MB each.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "form-control", "accept": "image/*,application/pdf"})

    def clean(self, data, initial=None):
        uploads = [u for u in (data or []) if u] if isinstance(data, list | tuple) else [data]
        uploads = [u for u in uploads if u]
        if len(uploads) > MAX_FILES:
            raise ValidationError(_("Attach at most %(n)s files at a time.") % {"n": MAX_FILES})
        errors, clean = [], []
        for upload in uploads:
            try:
                clean.append(clean_attachment(upload))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return clean


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.FileInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


def _local_now() -> str:
    return timezone.localtime().strftime(DATETIME_FORMAT)


class SubcategoryMixin:
    def _limit_subcategories(self) -> None:
        category = self.data.get("category") or self.initial.get("category") or Category.ACCIDENT
        self.fields["subcategory"].choices = subcategory_choices(category)


class ReportForm(SubcategoryMixin, forms.Form):
    """The short first report: what, how bad, when, where."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    subcategory = forms.ChoiceField(label=_("Sub-category"))
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.UNRATED
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    location = forms.CharField(label=_("Where"), max_length=200)
    summary = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    # Optional on the first report (under "More facts"); the full report completes them.
    services_called = forms.MultipleChoiceField(
        label=_("Outside services called"),
        choices=SERVICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    casualties_injured = forms.IntegerField(
        label=_("People hurt (number)"), min_value=0, max_value=10000, required=False
    )
    first_measures = forms.CharField(
        label=_("First measures taken"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    files = AttachmentsField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_at", _local_now())
        kwargs["initial"].setdefault("category", Category.ACCIDENT)
        super().__init__(*args, **kwargs)
        self._limit_subcategories()
        self.fields["category"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("incidents:subcategories"),
                "hx-target": "#id_subcategory",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )
        _style(self)


class EditForm(SubcategoryMixin, forms.Form):
    """The full report. The facts of the first report stay required."""

    def __init__(self, *args, incident: Incident, show_personal: bool, **kwargs):
        initial = {f: getattr(incident, f) for f in EDIT_FIELDS}
        initial["occurred_at"] = timezone.localtime(incident.occurred_at).strftime(DATETIME_FORMAT)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Incident, fields=EDIT_FIELDS))
        self.fields["subcategory"] = forms.ChoiceField(label=_("Sub-category"))
        self.fields["occurred_at"] = copy.deepcopy(ReportForm.base_fields["occurred_at"])
        self.fields["services_called"] = forms.MultipleChoiceField(
            label=_("Outside services called"),
            choices=SERVICES,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        for name in ("casualties_dead", "casualties_injured", "casualties_ill"):
            self.fields[name].required = False
        for name in ("first_measures", "impact", "people_hurt"):
            self.fields[name].widget.attrs["rows"] = 3
        if not show_personal:
            del self.fields["people_hurt"]
        self._limit_subcategories()
        _style(self)

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.fields}
        for name in ("casualties_dead", "casualties_injured", "casualties_ill"):
            data[name] = data[name] or 0
        return data


EDIT_FIELDS = [
    "category",
    "subcategory",
    "severity",
    "occurred_at",
    "location",
    "summary",
    "casualties_dead",
    "casualties_injured",
    "casualties_ill",
    "people_hurt",
    "services_called",
    "first_measures",
    "leaders_on_scene",
    "impact",
]


class AttachForm(forms.Form):
    files = AttachmentsField(required=True)


class ReportUpForm(forms.Form):
    kind = forms.ChoiceField(choices=ClockKind.choices)
    contact = forms.CharField(max_length=200)
    text = forms.CharField(required=False, max_length=5000)


class StatusForm(forms.Form):
    to = forms.CharField(max_length=16)
    note = forms.CharField(required=False, max_length=1000)


class FilterForm(forms.Form):
    status = forms.CharField(required=False, max_length=16)
    severity = forms.CharField(required=False, max_length=1)
    category = forms.CharField(required=False, max_length=16)
    q = forms.CharField(required=False, max_length=100)


POLICY_STEPS = 3


class PolicyForm(forms.Form):
    """Up to three ordered steps: who is told, then how long to wait for an acknowledgement."""

    def __init__(self, *args, steps: list[dict] | None = None, **kwargs):
        steps = steps or []
        initial = {}
        for n, step in enumerate(steps[:POLICY_STEPS], start=1):
            initial[f"step{n}_targets"] = step["targets"]
            initial[f"step{n}_wait"] = step["wait_minutes"]
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        choices = [(t, TARGET_LABELS[t]) for t in TARGETS]
        for n in range(1, POLICY_STEPS + 1):
            self.fields[f"step{n}_targets"] = forms.MultipleChoiceField(
                label=_("Step %(n)s: tell") % {"n": n},
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"step{n}_wait"] = forms.IntegerField(
                label=_("then wait (minutes) for an acknowledgement"),
                min_value=0,
                max_value=24 * 60,
                initial=0,
                required=False,
            )
        _style(self)

    def rows(self) -> list[tuple]:
        return [
            (self[f"step{n}_targets"], self[f"step{n}_wait"]) for n in range(1, POLICY_STEPS + 1)
        ]

    def steps(self) -> list[dict]:
        steps = []
        for n in range(1, POLICY_STEPS + 1):
            targets = self.cleaned_data.get(f"step{n}_targets") or []
            if targets:
                wait = self.cleaned_data.get(f"step{n}_wait") or 0
                steps.append({"targets": targets, "wait_minutes": wait})
        return steps


class ClockRuleForm(forms.Form):
    """One severity's report-up deadlines (prefix: the severity code). Severity IV owes
    nothing unless ``owed`` is ticked; I–III always owe reports."""

    owed = forms.BooleanField(
        label=_("Report severity IV incidents to the bureau too"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    verbal = forms.IntegerField(label=_("Verbal first report within (minutes)"), required=False)
    written = forms.IntegerField(label=_("Written first report within (minutes)"), required=False)
    daily_hour = forms.IntegerField(label=_("Daily progress report by (hour, 0–23)"),
                                    required=False)  # fmt: skip
    final_days = forms.IntegerField(label=_("Final report within (days of containing)"),
                                    required=False)  # fmt: skip

    def __init__(self, *args, severity: str, **kwargs):
        super().__init__(*args, prefix=severity, **kwargs)
        self.severity = severity
        self.severity_label = Severity(severity).label
        if severity != Severity.IV:
            del self.fields["owed"]
        limits = {
            "verbal": (1, reporting.MAX_FIRST_REPORT_MINUTES),
            "written": (1, reporting.MAX_FIRST_REPORT_MINUTES),
            "daily_hour": (0, 23),
            "final_days": (1, reporting.MAX_FINAL_DAYS),
        }
        for name, (low, high) in limits.items():
            self.fields[name].widget.attrs.update({"min": low, "max": high, "inputmode": "numeric"})
        _style(self)

    @property
    def owes(self) -> bool:
        return "owed" not in self.fields or bool(self.cleaned_data.get("owed"))

    def clean(self):
        data = super().clean()
        if self.errors or not self.owes:
            return data
        try:
            reporting.check_rule(data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
        return data

    def rule(self) -> dict:
        return {"severity": self.severity, **self.cleaned_data, "owed": self.owes}
