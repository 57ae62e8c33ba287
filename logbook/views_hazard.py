"""Views for hazards: the register (filters, pagination, Excel), report, detail and workflow."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logbook import excel_hazard
from logbook.models import DueKind, Hazard, HazardCategory, HazardStatus, Severity
from logbook.queries import hazard as queries
from logbook.queries.patrol import get_result_for_user
from logbook.services import hazard as services
from logbook.uploads import PhotoField
from staff.models import Role, Staff
from staff.permissions import role_required
from staff.queries import get_actor

STAFF_ROLES = (Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, Role.TECH)
PAGE_SIZE = 25


class ReportForm(forms.ModelForm):
    photo = PhotoField()

    class Meta:
        model = Hazard
        fields = ["location", "category", "severity", "description", "interim_protection"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "interim_protection": forms.Textarea(attrs={"rows": 2}),
        }


class _OwnIds:
    """The hazard page holds several forms with fields of the same name (measures, photo, note):
    each form prefixes its element ids so no id is used twice (field names are unchanged)."""

    ids = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.ids}_%s")
        super().__init__(*args, **kwargs)


class AssignForm(_OwnIds, forms.Form):
    ids = "assign"

    responsible = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Responsible person"))
    department = forms.CharField(label=gettext_lazy("Responsible department"), max_length=50,
                                 required=False)  # fmt: skip
    due_kind = forms.ChoiceField(choices=DueKind.choices, label=gettext_lazy("Time limit"))
    due_date = forms.DateField(
        label=gettext_lazy("Due date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    measures = forms.CharField(label=gettext_lazy("Measures"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    interim_protection = forms.CharField(
        label=gettext_lazy("Interim protection"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    severity = forms.ChoiceField(choices=Severity.choices, label=gettext_lazy("Severity"))
    category = forms.ChoiceField(choices=HazardCategory.choices, label=gettext_lazy("Category"))
    reported_up = forms.BooleanField(label=gettext_lazy("Reported to the bureau"),
                                     required=False)  # fmt: skip

    def __init__(self, *args, hazard, **kwargs):
        kwargs.setdefault("initial", {
            "responsible": hazard.responsible_id, "department": hazard.department,
            "due_kind": hazard.due_kind, "due_date": hazard.due_date,
            "measures": hazard.measures, "interim_protection": hazard.interim_protection,
            "severity": hazard.severity, "category": hazard.category,
            "reported_up": hazard.reported_up,
        })  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = Staff.objects.filter(
            school=hazard.school_id, active=True
        ).order_by("name")


class FixForm(_OwnIds, forms.Form):
    ids = "fix"

    result = forms.CharField(label=gettext_lazy("What was done"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    measures = forms.CharField(label=gettext_lazy("Measures"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    cost = forms.DecimalField(label=gettext_lazy("Cost (yuan)"), required=False, min_value=0,
                              max_digits=10, decimal_places=2)  # fmt: skip
    photo = PhotoField()


class VerifyForm(_OwnIds, forms.Form):
    ids = "verify"

    accepted = forms.TypedChoiceField(
        label=gettext_lazy("Verification"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("1", gettext_lazy("Fixed properly")), ("0", gettext_lazy("Not fixed: back"))],
    )  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)


class NoteForm(_OwnIds, forms.Form):
    ids = "close"

    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)


class PhotoForm(_OwnIds, forms.Form):
    ids = "photo"

    photo = PhotoField(required=True)


class FilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), required=False, coerce=int,
                                  empty_value=None)  # fmt: skip
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *HazardStatus.choices],
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        required=False,
        choices=[("", gettext_lazy("All")), *Severity.choices],
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[("", gettext_lazy("All")), *HazardCategory.choices],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    text = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(y, y) for y in years]

    def filters(self) -> queries.RegisterFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return queries.RegisterFilter(**{k: v for k, v in data.items() if v})


def _register(request):
    actor = get_actor(request)
    form = FilterForm(request.GET or None, years=queries.years(actor.school))
    return actor, form, queries.register(school=actor.school, filters=form.filters())


@require_GET
@role_required(*STAFF_ROLES)
def hazards(request):
    actor, form, rows = _register(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"nav_active": "hazards", "form": form, "page": page, "query": query.urlencode(),
               "today": services.local_date(timezone.now(), actor.school)}  # fmt: skip
    return render(request, "logbook/hazard/register.html", context)


@require_GET
@role_required(*STAFF_ROLES)
def hazard_export(request):
    actor, _form, rows = _register(request)
    data = excel_hazard.ledger_xlsx(actor.school, queries.export_rows(rows))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="hazards.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def hazard_new(request):
    actor = get_actor(request)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photo = data.pop("photo")
        hazard = services.report_hazard(school=actor.school, actor=actor,
                                        photos=[photo] if photo else [], **data)  # fmt: skip
        messages.success(request, _("Hazard %(code)s reported.") % {"code": hazard.code})
        return redirect("logbook:hazard", hazard.pk)
    return render(request, "logbook/hazard/new.html", {"form": form, "nav_active": "hazards"})


def _detail(request, hazard, **forms_given):
    actor = get_actor(request)
    context = queries.hazard_detail(hazard)
    context.update(
        hazard=hazard, nav_active="hazards",
        today=services.local_date(timezone.now(), hazard.school),
        may_assign=services.can_manage(actor, hazard)
        and hazard.status in (HazardStatus.OPEN, HazardStatus.ASSIGNED),
        may_fix=services.can_fix(actor, hazard) and hazard.status == HazardStatus.ASSIGNED,
        may_verify=services.can_verify(actor, hazard) and hazard.status == HazardStatus.FIXED,
        may_close=services.can_verify(actor, hazard) and hazard.status == HazardStatus.VERIFIED,
        assign_form=forms_given.get("assign") or AssignForm(hazard=hazard),
        fix_form=forms_given.get("fix") or FixForm(),
        verify_form=forms_given.get("verify") or VerifyForm(initial={"accepted": "1"}),
        close_form=forms_given.get("close") or NoteForm(),
        photo_form=forms_given.get("photo") or PhotoForm(),
    )  # fmt: skip
    return render(request, "logbook/hazard/detail.html", context)


@require_GET
@role_required(*STAFF_ROLES)
def hazard_detail(request, pk: int):
    return _detail(request, queries.get_hazard_for_user(get_actor(request), pk))


def _act(request, pk, form_class, key, action, may=None):
    """Refuse those who may not act (403) before reading the form; bind it; on success call
    ``action(hazard, actor, data)`` and go back to the page, else show the page with the form's
    errors (nothing saved)."""
    actor = get_actor(request)
    hazard = queries.get_hazard_for_user(actor, pk)
    if may is not None and not may(actor, hazard):
        raise PermissionDenied
    form = form_class(request.POST, request.FILES or None,
                      **({"hazard": hazard} if key == "assign" else {}))  # fmt: skip
    if form.is_valid():
        try:
            action(hazard, actor, form.cleaned_data)
            return redirect("logbook:hazard", hazard.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    return _detail(request, hazard, **{key: form})


@require_POST
@role_required(Role.ADMIN, Role.LEADER, Role.PRINCIPAL)
def hazard_assign(request, pk: int):
    def action(hazard, actor, data):
        services.assign_hazard(hazard=hazard, actor=actor, **data)

    return _act(request, pk, AssignForm, "assign", action, services.can_manage)


@require_POST
@role_required(*STAFF_ROLES)
def hazard_fix(request, pk: int):
    def action(hazard, actor, data):
        photo = data.pop("photo")
        services.mark_hazard_fixed(hazard=hazard, actor=actor,
                                   photos=[photo] if photo else [], **data)  # fmt: skip

    return _act(request, pk, FixForm, "fix", action, services.can_fix)


@require_POST
@role_required(Role.ADMIN, Role.LEADER, Role.PRINCIPAL)
def hazard_verify(request, pk: int):
    def action(hazard, actor, data):
        services.verify_hazard(hazard=hazard, actor=actor, **data)

    return _act(request, pk, VerifyForm, "verify", action, services.can_manage)


@require_POST
@role_required(Role.ADMIN, Role.LEADER, Role.PRINCIPAL)
def hazard_close(request, pk: int):
    def action(hazard, actor, data):
        services.close_out_hazard(hazard=hazard, actor=actor, **data)

    return _act(request, pk, NoteForm, "close", action, services.can_manage)


@require_POST
@role_required(*STAFF_ROLES)
def hazard_photo(request, pk: int):
    def action(hazard, actor, data):
        services.add_hazard_photo(hazard=hazard, actor=actor, photo=data["photo"])

    return _act(request, pk, PhotoForm, "photo", action)


@require_POST
@role_required(*STAFF_ROLES)
def result_hazard(request, pk: int):
    """One tap on a problem item of a patrol round: open (or show) its hazard."""
    actor = get_actor(request)
    result = get_result_for_user(actor, pk)
    try:
        hazard = services.open_hazard_from_result(result=result, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("logbook:round", result.round_id)
    messages.success(request, _("Hazard %(code)s opened from the patrol.") % {"code": hazard.code})
    return redirect("logbook:hazard", hazard.pk)
