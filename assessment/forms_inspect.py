"""Forms for criteria, inspections and training (Bootstrap classes set here, not in templates)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.metrics import metric_labels
from assessment.models import Criterion, InspectionKind, TrainingKind, TrainingSession
from staff.models import Staff


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class CriterionForm(forms.ModelForm):
    metric = forms.ChoiceField(label=_("measured metric shown beside it"), required=False)

    class Meta:
        model = Criterion
        fields = ["name", "kind", "description", "max_points", "weight", "metric", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *metric_labels().items()]
        self.fields["max_points"].widget.attrs.update({"step": "0.5", "inputmode": "decimal"})
        _style(self)

    def clean_max_points(self):
        value = self.cleaned_data["max_points"]
        if value is None or value <= 0:
            raise forms.ValidationError(_("Points must be more than zero."))
        return value


class RuleForm(forms.Form):
    label = forms.CharField(label=_("rule"), max_length=120)
    points = forms.DecimalField(
        label=_("points (negative deducts)"), max_digits=5, decimal_places=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].widget.attrs.update({"step": "0.1", "inputmode": "decimal"})
        _style(self)

    def clean_points(self):
        value = self.cleaned_data["points"]
        if value == Decimal(0):
            raise forms.ValidationError(_("A rule must add or deduct some points, not zero."))
        return value


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=InspectionKind.choices)
    planned_on = forms.DateField(label=_("date"), widget=DateInput)
    inspector = forms.ModelChoiceField(label=_("inspector"), queryset=Staff.objects.none())
    shift = forms.TypedChoiceField(
        label=_("shift inspected"), required=False, coerce=int, empty_value=None
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, inspectors=None, shifts=(), **kwargs):
        super().__init__(*args, **kwargs)
        if inspectors is not None:
            self.fields["inspector"].queryset = inspectors
        self.fields["shift"].choices = [("", _("No particular shift"))] + [
            (s.pk, f"{s.date:%m-%d} {s.shift_type.name}") for s in shifts
        ]
        _style(self)


class InspectionPlanForm(forms.Form):
    """Reschedule a planned inspection: its date and inspector (checked by the service)."""

    planned_on = forms.DateField(label=_("date"), widget=DateInput)
    inspector = forms.ModelChoiceField(label=_("inspector"), queryset=Staff.objects.none())

    def __init__(self, *args, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if inspectors is not None:
            self.fields["inspector"].queryset = inspectors
        _style(self)


class InspectionCancelForm(forms.Form):
    """Cancel a planned inspection; the ticked confirm box is checked by the view."""

    reason = forms.CharField(
        label=_("reason for cancelling"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("Give the reason for cancelling."))
        return value


class TrainingForm(forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        label=_("attended"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TrainingSession
        fields = ["kind", "title", "held_on", "hours", "trainer", "notes"]
        widgets = {"held_on": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TrainingKind.choices
        self.fields["hours"].widget.attrs.update({"step": "0.5", "inputmode": "decimal"})
        self.fields["attendees"].queryset = Staff.objects.filter(
            school=school, active=True
        ).order_by("name")
        _style(self)
