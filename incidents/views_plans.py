"""Pages for emergency plans (应急预案: library, printable plan, create and edit = publish a new
version), ticking a plan step on an incident, and drills (演练)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.categories import Category, all_subcategory_choices, subcategory_choices
from incidents.queries import plans as queries
from incidents.queries.review import get_incident_for_user
from incidents.services import plans as services
from staff.models import Role, Staff
from staff.permissions import role_required
from staff.queries import get_actor


class PlanForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    subcategory = forms.ChoiceField(
        label=gettext_lazy("Sub-category (blank: the whole category)"),
        choices=[("", "—"), *all_subcategory_choices()],
        required=False,
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    contacts = forms.CharField(
        label=gettext_lazy("Contacts"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def clean(self):
        data = super().clean()
        sub = data.get("subcategory")
        if sub and sub not in dict(subcategory_choices(data.get("category", ""))):
            self.add_error("subcategory", _("This sub-category is not in the chosen category."))
        return data


class StepForm(forms.Form):
    # Not required: clearing a row's text drops the step from the new version.
    text = forms.CharField(label=gettext_lazy("Step"), max_length=300, required=False)
    role = forms.ChoiceField(
        label=gettext_lazy("Responsible role"), choices=[("", "—"), *Role.choices], required=False
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Within (minutes)"), min_value=1, max_value=10080, required=False
    )


StepFormSet = formset_factory(StepForm, extra=3, max_num=40, validate_max=True)


def _steps(formset) -> list[services.StepInput]:
    return [
        services.StepInput(
            text=f.cleaned_data["text"],
            role=f.cleaned_data["role"],
            minutes=f.cleaned_data["minutes"],
        )
        for f in formset.forms
        if f.cleaned_data.get("text", "").strip()
    ]


@require_GET
def plan_list(request):
    actor = get_actor(request)
    plans = queries.plan_list(actor)
    can_edit = queries.can_edit_plans(actor, actor.staff.school_id)
    return render(request, "incidents/plans/list.html", {"plans": plans, "can_edit": can_edit})


@require_GET
def plan_detail(request, pk: int):
    """The printable plan: the version in force, or an older one with ?version=."""
    actor = get_actor(request)
    plan = queries.get_plan_for_user(actor, pk)
    versions = list(plan.versions.all())
    wanted = request.GET.get("version", "")
    version = next((v for v in versions if str(v.number) == wanted), versions[0])
    version = queries.get_version_for_user(actor, version.pk)
    return render(
        request,
        "incidents/plans/detail.html",
        {
            "plan": plan,
            "version": version,
            "versions": versions,
            "can_edit": queries.can_edit_plans(actor, plan.school_id),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN, Role.PRINCIPAL)
def plan_new(request):
    actor = get_actor(request)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data)
    formset = StepFormSet(data)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            plan = services.create_plan(
                school=actor.staff.school, actor=actor, steps=_steps(formset), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The plan has been published."))
            return redirect("incidents:plan", pk=plan.pk)
    return render(request, "incidents/plans/form.html", {"form": form, "formset": formset})


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    actor = get_actor(request)
    plan = queries.get_plan_for_user(actor, pk, write=True)
    current = queries.get_version_for_user(actor, plan.versions.all()[0].pk)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(
        data,
        initial={
            "category": plan.category,
            "subcategory": plan.subcategory,
            "title": current.title,
            "contacts": current.contacts,
        },
    )
    form.fields["category"].disabled = True
    form.fields["subcategory"].disabled = True
    formset = StepFormSet(
        data,
        initial=[
            {"text": s.text, "role": s.role, "minutes": s.minutes} for s in current.steps.all()
        ],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            version = services.publish_plan_version(
                plan=plan,
                title=form.cleaned_data["title"],
                contacts=form.cleaned_data["contacts"],
                steps=_steps(formset),
                actor=actor,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Version %(n)s has been published.") % {"n": version.number}
            )
            return redirect("incidents:plan", pk=plan.pk)
    return render(
        request,
        "incidents/plans/form.html",
        {"form": form, "formset": formset, "plan": plan, "version": current},
    )


@require_POST
def plan_step_tick(request, pk: int, step_id: int):
    actor = get_actor(request)
    incident = get_incident_for_user(actor, pk)
    if actor.staff is None:
        raise PermissionDenied
    try:
        services.tick_step(incident=incident, step_id=step_id, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("incidents:review", pk=incident.pk)


class DrillForm(forms.Form):
    held_on = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    scenario = forms.CharField(label=gettext_lazy("Scenario"), max_length=200)
    plan_version = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Plan used"), required=False
    )
    participants = forms.ModelMultipleChoiceField(
        queryset=None, label=gettext_lazy("Participants"), widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=1, max_value=1440
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    improvements = forms.CharField(
        label=gettext_lazy("Improvements"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, school_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_version"].queryset = queries.drill_plan_versions(school_id)
        self.fields["participants"].queryset = Staff.objects.filter(
            school=school_id, active=True
        ).order_by("name")

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise ValidationError(_("A drill is recorded after it has taken place."))
        return held_on


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def drill_list(request):
    year = _year(request)
    drills = queries.drill_list(get_actor(request), year)
    return render(
        request,
        "incidents/plans/drills.html",
        {"drills": drills, "year": year, "previous": year - 1, "next": year + 1},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN, Role.PRINCIPAL)
def drill_new(request):
    actor = get_actor(request)
    form = DrillForm(request.POST or None, school_id=actor.staff.school_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_drill(school=actor.staff.school, actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The drill has been recorded."))
            return redirect("incidents:drills")
    return render(request, "incidents/plans/drill_form.html", {"form": form})
