"""Pages of the visitor register (来访登记): the day's list and who is still on campus, the
register form (fast, one-handed at the gate), a visit, sign-out, the audited ID reveal, the
"visited before" hint and the retention setting. Objects come through queries/visit.py."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logbook.idcard import IdType, normalize_id_number
from logbook.queries import visit as queries
from logbook.services import visit as services
from logbook.services.visit import retention_days_for
from staff.models import Role, Staff
from staff.permissions import role_required
from staff.phones import normalize_phone
from staff.queries import get_actor

PAGE_SIZE = 20
MORE_FIELDS = (
    "organisation",
    "party_size",
    "plate",
    "items",
    "badge",
    "escort",
    "time_in",
    "time_out",
)
LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _when(label, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=LOCAL_INPUT, widget=LocalDateTimeInput()
    )


class VisitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Visitor name"), max_length=50)
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "tel"}),
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("Document type"), choices=IdType.choices, initial=IdType.RESIDENT
    )
    id_number = forms.CharField(
        label=gettext_lazy("Document number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose of visit"), max_length=200)
    host = forms.ModelChoiceField(
        queryset=Staff.objects.none(),
        required=False,
        label=gettext_lazy("Person visited"),
        empty_label=gettext_lazy("Not a member of staff / see below"),
    )
    host_text = forms.CharField(
        label=gettext_lazy("Person or department visited"), max_length=100, required=False
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=100, required=False
    )
    party_size = forms.IntegerField(
        label=gettext_lazy("People in the party"),
        min_value=1,
        max_value=99,
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    plate = forms.CharField(label=gettext_lazy("Vehicle plate"), max_length=16, required=False)
    items = forms.CharField(label=gettext_lazy("Items carried"), max_length=200, required=False)
    badge = forms.CharField(
        label=gettext_lazy("Visitor pass number"), max_length=20, required=False
    )
    escort = forms.CharField(label=gettext_lazy("Escort"), max_length=50, required=False)
    time_in = _when(gettext_lazy("Time in (empty: now)"))
    time_out = _when(gettext_lazy("Time out (only if already gone)"))

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Staff.objects.for_school(school).active().order_by("name")
        hint = {
            "hx-post": reverse("logbook:visit-lookup"),
            "hx-target": "#visit-history",
            "hx-trigger": "change, input changed delay:600ms",
            "hx-include": "[name=id_type], [name=id_number], [name=csrfmiddlewaretoken]",
        }
        self.fields["id_number"].widget.attrs.update(hint)
        self.fields["id_type"].widget.attrs.update({**hint, "hx-trigger": "change"})

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_party_size(self) -> int:
        return self.cleaned_data["party_size"] or 1

    def clean(self):
        data = super().clean()
        if "id_type" in data and "id_number" in data:
            try:
                data["id_number"] = normalize_id_number(data["id_type"], data["id_number"])
            except ValidationError as exc:
                self.add_error("id_number", exc)
        if data.get("time_in") and data.get("time_out") and data["time_out"] < data["time_in"]:
            self.add_error("time_out", _("The time out is before the time in."))
        return data

    def more_open(self) -> bool:
        return any(name in self.errors for name in MORE_FIELDS)


class DayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SignOutForm(forms.Form):
    time_out = _when(gettext_lazy("Time out (empty: now)"))


class LookupForm(forms.Form):
    id_type = forms.ChoiceField(choices=IdType.choices)
    id_number = forms.CharField(max_length=40)


class RetentionForm(forms.Form):
    retention_days = forms.IntegerField(
        label=gettext_lazy("Keep visitor personal data for (days)"), min_value=1, max_value=3650
    )


VISIT_GATE = role_required(*services.VISIT_ROLES)


@require_GET
@VISIT_GATE
def visits(request):
    actor = get_actor(request)
    school = actor.school
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(school.time_zone))
    day_form = DayForm(request.GET or None)
    day = today
    if day_form.is_valid() and day_form.cleaned_data["date"]:
        day = day_form.cleaned_data["date"]
    page = Paginator(queries.visits_on(actor, day), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav_active": "visits",
        "school": school,
        "day": day,
        "today": today,
        "day_form": day_form,
        "page": page,
        "on_campus": list(queries.on_campus(actor)),
        "can_configure": actor.can_admin(school.pk),
    }
    return render(request, "logbook/visit/list.html", context)


@require_http_methods(["GET", "POST"])
@VISIT_GATE
def visit_new(request):
    actor = get_actor(request)
    form = VisitForm(request.POST or None, school=actor.school)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.register_visit(school=actor.school, actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": visit.name})
            return redirect("logbook:visits")
    return render(
        request,
        "logbook/visit/form.html",
        {"form": form, "nav_active": "visits", "school": actor.school},
    )


@require_GET
@VISIT_GATE
def visit_detail(request, pk: int):
    return _detail(request, queries.get_visit_for_user(get_actor(request), pk))


def _detail(request, visit, *, revealed: str = "", status: int = 200):
    actor = get_actor(request)
    context = {
        "visit": visit,
        "nav_active": "visits",
        "school": visit.school,
        "revealed": revealed,
        "can_reveal": queries.can_reveal(actor),
        "sign_out_form": SignOutForm(),
    }
    return render(request, "logbook/visit/detail.html", context, status=status)


@require_POST
@VISIT_GATE
def visit_sign_out(request, pk: int):
    actor = get_actor(request)
    visit = queries.get_visit_for_user(actor, pk)
    form = SignOutForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("time_out", [])))
        services.sign_out_visit(visit=visit, actor=actor, at=form.cleaned_data["time_out"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s signed out.") % {"name": visit.name})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("logbook:visits")


@require_POST
@never_cache
@VISIT_GATE
def visit_reveal(request, pk: int):
    actor = get_actor(request)
    visit = queries.get_visit_for_user(actor, pk)
    try:
        number = services.reveal_id_number(visit=visit, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("logbook:visit-detail", pk=visit.pk)
    return _detail(request, visit, revealed=number)


@require_POST
@VISIT_GATE
def visit_lookup(request):
    """The "visited before" hint beside the ID number (htmx). POST, so the number never
    appears in a URL or an access log."""
    actor = get_actor(request)
    form = LookupForm(request.POST)
    history = None
    if form.is_valid():
        history = queries.visit_history(actor, **form.cleaned_data)
    return render(request, "logbook/visit/_history.html", {"history": history})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def visit_settings(request):
    actor = get_actor(request)
    if actor.school is None:
        raise PermissionDenied
    initial = {"retention_days": retention_days_for(actor.school)}
    form = RetentionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_visitor_settings(school=actor.school, actor=actor, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("logbook:visit-settings")
    return render(request, "logbook/visit/settings.html", {"form": form, "nav_active": "visits"})
