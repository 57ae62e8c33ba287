"""Forms for peer review, the public feedback form, proposals and their decisions, responses and
review flags. Forms check shape and choices; the services check the rules again (who, when,
once) so nothing depends on the form alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.models import Action, FeedbackSource
from assessment.models.awards import PENALTY_LADDER, REWARDS
from staff.models import Role, Staff

RATINGS = [(n, str(n)) for n in range(1, 6)]
TEXT = {"class": "form-control", "rows": 3, "maxlength": 1000}


class RatingField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=RATINGS,
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={
                "required": _("Give a rating from 1 to 5."),
                "invalid_choice": _("Give a rating from 1 to 5."),
            },
            **kwargs,
        )


class ReviewForm(forms.Form):
    rating = RatingField(label=_("rating (1–5)"))
    strengths = forms.CharField(
        label=_("what went well"), required=False, max_length=1000,
        widget=forms.Textarea(attrs=TEXT),
    )  # fmt: skip
    improvements = forms.CharField(
        label=_("what could be better"), required=False, max_length=1000,
        widget=forms.Textarea(attrs=TEXT),
    )  # fmt: skip


class FeedbackForm(forms.Form):
    """The public form behind the QR code: who you are, about whom (optional), a rating and a
    short comment."""

    source = forms.ChoiceField(
        label=_("I am"),
        choices=FeedbackSource.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose who you are.")},
    )
    about = forms.TypedChoiceField(
        label=_("About"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("Choose someone from the list.")},
    )
    rating = RatingField(label=_("How was duty at school? (1 poor – 5 very good)"))
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs=TEXT),
    )  # fmt: skip

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.fields["about"].choices = [
            ("", _("Duty at the school in general")),
            *[(p.pk, p.name) for p in people],
        ]

    def clean_about(self):
        pk = self.cleaned_data.get("about")
        return self.people.get(pk) if pk else None


class MonthField(forms.Field):
    """YYYY-MM (an <input type=month>) to the first day of that month."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "month", "class": "form-control"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None


class ProposalForm(forms.Form):
    subject = forms.ModelChoiceField(
        label=_("person"),
        queryset=Staff.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("Choose the person."),
            "invalid_choice": _("Choose someone of your school from the list."),
        },
    )
    action = forms.ChoiceField(
        label=_("measure"),
        choices=[
            (_("Reward"), [(a.value, a.label) for a in REWARDS]),
            (_("Penalty ladder"), [(a.value, a.label) for a in PENALTY_LADDER]),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("Choose a reward or a measure on the penalty ladder.")},
    )
    reason = forms.CharField(
        label=_("reason"), max_length=4000,
        widget=forms.Textarea(attrs={**TEXT, "maxlength": 4000}),
        error_messages={"required": _("Give the reason.")},
    )  # fmt: skip
    evidence = forms.CharField(
        label=_("evidence"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={**TEXT, "maxlength": 4000}),
        help_text=_("What it rests on: the inspection, duty log, patrol round or incident (links "
                    "welcome). Required for a penalty."),
    )  # fmt: skip
    amount = forms.DecimalField(
        label=_("amount (yuan)"), required=False, max_digits=8, decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0"}),
        help_text=_("Only for a material reward / bonus."),
    )  # fmt: skip
    month = MonthField(label=_("month it concerns"), required=False)
    flag = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, school=None, me=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = (
            Staff.objects.filter(school=school, active=True)
            .exclude(pk=getattr(me, "pk", None))
            .exclude(roles__role=Role.PRINCIPAL)
            .order_by("name")
        )

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and data.get("action") != Action.BONUS:
            self.add_error("amount", _("An amount goes with a bonus only."))
        if data.get("action") in PENALTY_LADDER and not (data.get("evidence") or "").strip():
            self.add_error(
                "evidence",
                _("A penalty needs its evidence: the inspection, log, patrol or incident it rests "
                  "on."),
            )  # fmt: skip
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    decision_note = forms.CharField(
        label=_("principal's note"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={**TEXT, "maxlength": 4000}),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("decision_note") or "").strip():
            self.add_error("decision_note", _("Say why the proposal is rejected."))
        return data


class ResponseForm(forms.Form):
    response = forms.CharField(
        label=_("response of the person"), max_length=4000,
        widget=forms.Textarea(attrs={**TEXT, "maxlength": 4000}),
        error_messages={"required": _("Write your response.")},
    )  # fmt: skip


class FlagCloseForm(forms.Form):
    note = forms.CharField(
        label=_("outcome of the review"), max_length=4000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2, "maxlength": 4000}),
        error_messages={"required": _("Write the outcome of the review.")},
    )  # fmt: skip


class FeedbackLimitForm(forms.Form):
    feedback_per_hour = forms.IntegerField(
        label=_("feedback submissions per device per hour"), min_value=1, max_value=100,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": 100}),
    )  # fmt: skip
