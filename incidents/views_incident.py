"""Views for reporting, following and escalating incidents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import forms_incident as forms
from incidents.categories import Category, Severity, Status, subcategory_choices
from incidents.models import ClockKind
from incidents.queries import incident as queries
from incidents.services import incident as services
from incidents.services import reporting
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor

STAFF_ROLES = (Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, Role.TECH)
LEADERSHIP = (Role.PRINCIPAL, Role.LEADER, Role.ADMIN)
REVIEW_SECTIONS = "incidents/review/_incident_sections.html"


def _list_page(request, actor, template: str, *, bureau: bool = False):
    form = forms.FilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.incident_list(actor, **{k: v or "" for k, v in filters.items()})
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            "nav_active": "incidents",
            "page": page,
            "filters": filters,
            "statuses": Status.choices,
            "severities": Severity.choices,
            "categories": Category.choices,
            "leadership": actor.has_any(*LEADERSHIP),
            "can_policy": actor.has_any(Role.ADMIN),
            "can_clocks": actor.is_bureau or actor.has_any(Role.ADMIN, Role.PRINCIPAL),
            "can_stats": actor.has_any(Role.ADMIN, Role.PRINCIPAL),
            "bureau": bureau,
        },
    )


@require_GET
@role_required(*STAFF_ROLES)
def incident_list(request):
    return _list_page(request, get_actor(request), "incidents/incident/list.html")


@require_GET
@role_required(bureau=True)
def bureau_list(request):
    return _list_page(request, get_actor(request), "incidents/incident/list.html", bureau=True)


@require_GET
@role_required(*LEADERSHIP)
def dashboard(request):
    data = queries.dashboard(get_actor(request))
    return render(request, "incidents/incident/dashboard.html", {"nav_active": "incidents", **data})


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def report(request):
    actor = get_actor(request)
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.report_incident(
                reporter=actor.staff, category=data["category"],
                subcategory=data["subcategory"], severity=data["severity"],
                occurred_at=data["occurred_at"], location=data["location"],
                summary=data["summary"], files=data["files"],
                services_called=data["services_called"],
                casualties_injured=data["casualties_injured"] or 0,
                first_measures=data["first_measures"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Reported. The duty leader is being told now."))
            return redirect("incidents:detail", incident.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "incidents/incident/report.html",
        {"form": form, "nav_active": "incidents"},
        status=status,
    )


@require_GET
def subcategories(request):
    """The sub-category options of a category (htmx swaps them into the report form)."""
    choices = subcategory_choices(request.GET.get("category", ""))
    return render(request, "incidents/incident/_subcategories.html", {"choices": choices})


@require_GET
def detail(request, pk: int):
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk)
    review_sections, review = _review_sections(incident, actor)
    return render(
        request,
        "incidents/incident/detail.html",
        {
            "incident": incident,
            "nav_active": "incidents",
            "timeline": queries.timeline(incident, actor),
            "escalation": queries.escalation_state(incident),
            "attachments": incident.attachments.all(),
            "can_edit": queries.can_edit(actor, incident),
            "can_manage": queries.can_manage(actor, incident),
            "personal": queries.can_see_personal(actor, incident),
            "next_statuses": _next_statuses(incident),
            "review_sections": review_sections,
            "review": review,
            "clocks": reporting.clocks_for(incident),
            "clock_kinds": ClockKind.choices,
        },
    )


def _review_sections(incident, actor) -> tuple[str | None, dict | None]:
    """The review sub-domain's sections (plan checklist, post-incident report), if present."""
    try:
        template = select_template([REVIEW_SECTIONS]).template.name
        from incidents.queries.review import incident_sections
    except (TemplateDoesNotExist, ImportError):  # the page works without them
        return None, None
    return template, incident_sections(incident, actor)


def _next_statuses(incident) -> list[tuple[str, str]]:
    from incidents.categories import TRANSITIONS

    labels = dict(Status.choices)
    allowed = TRANSITIONS.get(incident.status, set())
    # Acknowledging has its own button ("I am handling it").
    allowed = allowed - {Status.ACKNOWLEDGED}
    return [(code, labels[code]) for code, _label in Status.choices if code in allowed]


@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk, write=True)
    personal = queries.can_see_personal(actor, incident)
    form = forms.EditForm(request.POST or None, incident=incident, show_personal=personal)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_incident(incident=incident, actor=request.user, changes=form.changes())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved. The change is on the timeline."))
            return redirect("incidents:detail", incident.pk)
    return render(
        request,
        "incidents/incident/edit.html",
        {"form": form, "incident": incident, "nav_active": "incidents"},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def attach(request, pk: int):
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk, write=True)
    form = forms.AttachForm(request.POST, request.FILES)
    if form.is_valid():
        services.add_attachments(
            incident=incident, actor=request.user, files=form.cleaned_data["files"]
        )
        messages.success(request, _("Attached."))
    else:
        for error in form.errors.get("files", []):
            messages.error(request, error)
    return redirect("incidents:detail", incident.pk)


@require_GET
def attachment(request, pk: int, attachment_id: int):
    incident = queries.get_incident_for_user(get_actor(request), pk)
    row = incident.attachments.filter(pk=attachment_id).first()
    if row is None or not default_storage.exists(row.file):
        raise Http404
    response = FileResponse(default_storage.open(row.file, "rb"), content_type=row.content_type)
    response["Content-Disposition"] = "inline" if row.is_image else "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def acknowledge(request, pk: int):
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk)
    if not queries.can_manage(actor, incident):
        raise PermissionDenied
    if services.acknowledge_incident(incident=incident, actor=request.user):
        messages.success(request, _("Recorded: you are handling it. Escalation stopped."))
    return redirect("incidents:detail", incident.pk)


@require_POST
def change_status(request, pk: int):
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk)
    if not queries.can_manage(actor, incident):
        raise PermissionDenied
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(
                incident=incident, to=form.cleaned_data["to"], actor=request.user,
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Status changed."))
    return redirect("incidents:detail", incident.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def policy(request):
    actor = get_actor(request)
    severity = request.GET.get("severity", Severity.IV)
    if severity not in Severity.values:
        raise Http404
    steps = services.policy_steps(school=actor.school, severity=severity)
    form = forms.PolicyForm(request.POST or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_policy(
                school=actor.school, severity=severity, steps=form.steps(), actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Escalation policy saved. Running escalations keep "
                                        "the steps they started with."))  # fmt: skip
            return redirect(f"{request.path}?severity={severity}")
    return render(
        request,
        "incidents/incident/policy.html",
        {
            "form": form,
            "severity": severity,
            "severities": Severity.choices,
            "nav_active": "incidents",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN, Role.PRINCIPAL, bureau=True)
def report_clocks(request):
    """The report-up deadlines (初报 / 续报 / 终报 clocks) per severity: a bureau official
    edits their bureau's; the school's office and principal read the ones that bind them."""
    actor = get_actor(request)
    bureau = actor.official.bureau if actor.is_bureau else actor.school.bureau
    can_edit = actor.is_bureau
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    preset = request.GET.get("preset", "") if can_edit else ""
    if preset not in reporting.PRESETS:
        preset = ""
    rules = reporting.bureau_rules(bureau.pk if bureau else None, preset=preset)
    for rule in rules:
        rule["label"] = Severity(rule["severity"]).label
    rows = [
        forms.ClockRuleForm(request.POST or None, severity=rule["severity"], initial=rule)
        for rule in rules
    ]
    valid = [form.is_valid() for form in rows]  # every row checked, every error shown
    if request.method == "POST" and all(valid):
        try:
            reporting.save_bureau_rules(bureau_id=bureau.pk, rules=[f.rule() for f in rows])
        except ValidationError as exc:
            by_prefix = {form.prefix: form for form in rows}
            for key, messages_ in exc.message_dict.items():
                prefix, _sep, field = key.partition("-")
                for message in messages_:
                    by_prefix[prefix].add_error(field or None, message)
        else:
            messages.success(
                request,
                _("Reporting deadlines saved. New incidents use them; clocks already running "
                  "keep their due times."),
            )  # fmt: skip
            return redirect("incidents:report-clocks")
    return render(
        request,
        "incidents/incident/report_clocks.html",
        {
            "rows": rows,
            "rules": rules,
            "bureau": bureau,
            "can_edit": can_edit,
            "preset": preset,
            "custom": any(rule["saved"] for rule in rules),
            "nav_active": "incidents",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def report_up(request, pk: int):
    """Log a report made to the authorities: verbal (who called whom), written, follow-up,
    daily progress or final."""
    actor = get_actor(request)
    incident = queries.get_incident_for_user(actor, pk)
    if not queries.can_manage(actor, incident):
        raise PermissionDenied
    form = forms.ReportUpForm(request.POST)
    if form.is_valid():
        try:
            reporting.log_report(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Report logged."))
    else:
        messages.error(request, _("Say which report it was and to whom."))
    return redirect("incidents:detail", incident.pk)
