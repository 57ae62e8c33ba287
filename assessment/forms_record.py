"""The school's assessment settings form; the weights are checked together (they must add up
to 100 %) by services.config.check_weights."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from assessment.models import AssessmentSettings
from assessment.services.config import check_weights

WEIGHTS = ("weight_inspection", "weight_peer", "weight_feedback", "weight_metrics")


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AssessmentSettings
        fields = [
            "full_marks",
            "pass_mark",
            "failing_months_flag",
            *WEIGHTS,
            "metrics_count",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "metrics_count":
                field.widget.attrs.setdefault("class", "form-control")
        self.fields["full_marks"].widget.attrs["class"] = "form-select"
        self.fields["metrics_count"].widget.attrs["class"] = "form-check-input"
        for name in WEIGHTS:
            self.fields[name].widget.attrs.update({"min": 0, "max": 100})

    def clean(self):
        data = super().clean()
        if all(name in data for name in WEIGHTS):
            try:
                check_weights({**data, "metrics_count": data.get("metrics_count", False)})
            except ValidationError as exc:
                self.add_error(None, exc)
        return data
