"""Pages for the post-incident report (write, submit, the principal's review), corrective
actions, the queue of reports owed and awaiting review, statistics and the printed report."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import printing
from incidents.queries import review as queries
from incidents.queries import stats
from incidents.services import review as services
from staff.models import Role, Staff
from staff.permissions import role_required
from staff.queries import get_actor


class ReportForm(forms.Form):
    """The draft may be saved incomplete; submitting checks every part is filled in."""

    process = forms.CharField(
        label=gettext_lazy("What happened and how it was handled"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome and aftercare"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )
    causes = forms.CharField(
        label=gettext_lazy("Causes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )
    lessons = forms.CharField(
        label=gettext_lazy("Lessons learned"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )


class ActionForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=gettext_lazy("Corrective action"), max_length=300)
    owner = forms.ModelChoiceField(queryset=Staff.objects.none(), label=gettext_lazy("Owner"))
    due_on = forms.DateField(
        label=gettext_lazy("Due date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    DELETE = forms.BooleanField(label=gettext_lazy("Remove"), required=False)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else Staff.objects.none()


ActionFormSet = formset_factory(ActionForm, extra=2, max_num=30, validate_max=True)


class DecisionForm(forms.Form):
    """The principal's decision; the buttons (name="decision") say accept or send back."""

    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_GET
def review_detail(request, pk: int):
    actor = get_actor(request)
    incident, _report = queries.get_report_for_user(actor, pk)
    review = queries.incident_sections(incident, actor)
    return render(request, "incidents/review/detail.html", {"incident": incident, "review": review})


@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    actor = get_actor(request)
    incident, report = queries.get_report_for_user(actor, pk, action="write")
    if not queries.report_is_open(incident, report):
        messages.error(request, _("The report cannot be edited now."))
        return redirect("incidents:review", pk=incident.pk)
    owners = Staff.objects.filter(school=incident.school_id, active=True).order_by("name")
    initial_actions = [
        {"pk": a.pk, "text": a.text, "owner": a.owner_id, "due_on": a.due_on}
        for a in (report.actions.all() if report else [])
        if a.status == "open"
    ]
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, initial=_report_initial(report))
    formset = ActionFormSet(data, initial=initial_actions, form_kwargs={"owners": owners})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            services.ActionInput(
                pk=f.cleaned_data.get("pk"),
                text=f.cleaned_data["text"],
                owner=f.cleaned_data["owner"],
                due_on=f.cleaned_data["due_on"],
                delete=f.cleaned_data.get("DELETE", False),
            )
            for f in formset.forms
            if f.cleaned_data  # blank extra rows are skipped
        ]
        try:
            services.save_report(
                incident=incident, actor=actor, fields=form.cleaned_data, actions=rows
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The draft report has been saved."))
            return redirect("incidents:review", pk=incident.pk)
    return render(
        request,
        "incidents/review/edit.html",
        {"incident": incident, "report": report, "form": form, "formset": formset},
    )


def _report_initial(report) -> dict:
    if report is None:
        return {}
    return {name: getattr(report, name) for name in services.TEXT_FIELDS}


@require_POST
def review_submit(request, pk: int):
    actor = get_actor(request)
    _incident, report = queries.get_report_for_user(actor, pk, action="write")
    if report is None:
        messages.error(request, _("Write the report before submitting it."))
        return redirect("incidents:review-edit", pk=pk)
    try:
        version = services.submit_report(report=report, actor=actor)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("Version %(n)s has been sent to the principal.") % {"n": version.number}
        )
    return redirect("incidents:review", pk=pk)


@require_POST
def review_decide(request, pk: int):
    actor = get_actor(request)
    _incident, report = queries.get_report_for_user(actor, pk, action="review")
    form = DecisionForm(request.POST)
    if report is None or not form.is_valid():
        messages.error(request, _("This report is not awaiting review."))
        return redirect("incidents:review", pk=pk)
    accept = request.POST.get("decision") == "accept"
    try:
        services.decide_report(
            report=report, actor=actor, accept=accept, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("The report has been accepted.")
            if accept
            else _("The report has been sent back with your comment."),
        )
    return redirect("incidents:review", pk=pk)


@require_POST
def action_done(request, pk: int):
    actor = get_actor(request)
    action = queries.get_action_for_user(actor, pk)
    try:
        services.complete_action(action=action, actor=actor)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The corrective action is marked done."))
    return redirect("incidents:review", pk=action.report.incident_id)


@require_GET
@role_required(Role.PRINCIPAL, Role.ADMIN, Role.LEADER)
def review_queue(request):
    actor = get_actor(request)
    today = timezone.localdate()
    return render(request, "incidents/review/queue.html", queries.review_queue(actor, today))


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@require_GET
@role_required(Role.PRINCIPAL, Role.ADMIN)
def statistics(request):
    actor = get_actor(request)
    context = stats.incident_stats(actor.staff.school, _year(request))
    return render(request, "incidents/review/stats.html", context)


@require_GET
@role_required(Role.PRINCIPAL, Role.ADMIN)
def statistics_export(request):
    actor = get_actor(request)
    year = _year(request)
    data = stats.statistics_xlsx(actor.staff.school, year)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="incidents-{year}.xlsx"'
    return response


@require_GET
def incident_pdf(request, pk: int):
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk)
    if not (actor.is_bureau or actor.has_any(Role.LEADER, Role.PRINCIPAL, Role.ADMIN)):
        raise PermissionDenied
    response = HttpResponse(printing.incident_pdf(incident), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="incident-{incident.pk}.pdf"'
    return response
