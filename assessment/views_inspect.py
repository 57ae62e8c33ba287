"""Pages for criteria (考核项目, 评分细则), inspections (全面检查, 抽查), training (岗前培训,
在岗培训) and the measured metrics of a month."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessment import evidence as evidence_mod
from assessment.forms_inspect import (
    CriterionForm,
    InspectionCancelForm,
    InspectionForm,
    InspectionPlanForm,
    RuleForm,
    TrainingForm,
)
from assessment.metrics import metrics_score, month_metrics, month_start
from assessment.models import EvidenceKind, InspectionKind, InspectionStatus
from assessment.queries import criteria as cq
from assessment.queries import inspection as iq
from assessment.queries import training as tq
from assessment.services import criteria as cs
from assessment.services import inspection as isv
from assessment.services import training as ts
from assessment.services.config import settings_for
from staff.models import Role, Staff
from staff.permissions import role_required
from staff.queries import get_actor

CRITERIA_ROLES = (Role.ADMIN, Role.PRINCIPAL)
INSPECT_ROLES = (Role.ADMIN, Role.PRINCIPAL, Role.LEADER)
ALL_STAFF = tuple(Role.values)


def _month(request) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return month_start(timezone.localdate())


def _shift_month(month: date, delta: int) -> date:
    n = month.year * 12 + month.month - 1 + delta
    return date(n // 12, n % 12 + 1, 1)


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errs in error.error_dict.items():
            for e in errs:
                form.add_error(name if name in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


# ---- criteria ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*CRITERIA_ROLES)
def criteria_list(request):
    actor = get_actor(request)
    school = actor.school
    if request.method == "POST":
        created = cs.ensure_default_criteria(school)
        messages.success(request, _("%(n)s default criteria added.") % {"n": len(created)})
        return redirect("assessment:criteria")
    full = settings_for(school).full_marks
    total = cs.points_total(school)
    criteria = list(cq.criteria(school))
    return render(
        request,
        "assessment/inspect/criteria.html",
        {
            "criteria": criteria,
            "defaults_missing": cs.missing_default_kinds(criteria),
            "full_marks": full,
            "total": total,
            "total_off": total != full,
            "rule_form": RuleForm(),
            "nav_active": "assessment",
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*CRITERIA_ROLES)
def criterion_edit(request, pk=None):
    actor = get_actor(request)
    criterion = cq.get_criterion_for_user(actor, pk) if pk else None
    form = CriterionForm(request.POST or None, instance=criterion)
    if request.method == "POST" and form.is_valid():
        try:
            saved = cs.save_criterion(
                school=actor.school, data=form.cleaned_data, criterion=criterion
            )
        except ValidationError as e:
            _apply(form, e)
        else:
            messages.success(request, _("Criterion “%(name)s” saved.") % {"name": saved.name})
            return redirect("assessment:criteria")
    return render(
        request,
        "assessment/inspect/criterion_form.html",
        {"form": form, "criterion": criterion, "nav_active": "assessment"},
    )


@require_POST
@role_required(*CRITERIA_ROLES)
def rule_new(request, pk):
    actor = get_actor(request)
    criterion = cq.get_criterion_for_user(actor, pk)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            cs.add_rule(criterion=criterion, **form.cleaned_data)
        except ValidationError as e:
            _apply(form, e)
    if form.errors:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, f"{criterion.name}: {e}")
    else:
        messages.success(request, _("Rule added."))
    return redirect("assessment:criteria")


@require_http_methods(["GET", "POST"])
@role_required(*CRITERIA_ROLES)
def rule_delete(request, pk):
    actor = get_actor(request)
    rule = cq.get_rule_for_user(actor, pk)
    if request.method == "POST":
        cs.delete_rule(rule=rule)
        messages.success(request, _("Rule removed."))
        return redirect("assessment:criteria")
    return render(
        request,
        "assessment/inspect/rule_delete.html",
        {"rule": rule, "nav_active": "assessment"},
    )


# ---- inspections ------------------------------------------------------------------------------


@role_required(*INSPECT_ROLES)
def inspection_list(request):
    actor = get_actor(request)
    school = actor.school
    month = _month(request)
    page = Paginator(iq.inspections(school, month), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/inspect/inspections.html",
        {
            "page": page,
            "month": month,
            "prev_month": _shift_month(month, -1),
            "next_month": _shift_month(month, 1),
            "warning": isv.month_warning(school, month),
            "nav_active": "assessment",
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*INSPECT_ROLES)
def inspection_new(request):
    actor = get_actor(request)
    school = actor.school
    month = _month(request)
    kind = request.GET.get("kind", InspectionKind.MONTHLY)
    initial = {
        "kind": kind if kind in InspectionKind.values else InspectionKind.MONTHLY,
        "inspector": actor.staff.pk,
        "planned_on": isv.school_today(school),
    }
    form = InspectionForm(
        request.POST or None,
        initial=initial,
        inspectors=iq.inspectors(school),
        shifts=iq.shifts_of_month(school, month),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        shift = iq.get_shift_for_school(school, data["shift"]) if data["shift"] else None
        try:
            inspection = isv.plan_inspection(
                school=school,
                inspector=data["inspector"],
                planned_on=data["planned_on"],
                kind=data["kind"],
                shift=shift,
                notes=data["notes"],
                actor=actor,
            )
        except ValidationError as e:
            _apply(form, e)
        else:
            messages.success(request, _("Inspection saved."))
            return redirect("assessment:inspection-detail", inspection.pk)
    return render(
        request,
        "assessment/inspect/inspection_new.html",
        {"form": form, "nav_active": "assessment"},
    )


@role_required(*INSPECT_ROLES)
def inspection_detail(request, pk):
    actor = get_actor(request)
    inspection = iq.get_inspection_for_user(actor, pk)
    return _detail(request, actor, inspection)


def _plan_form(inspection, data=None):
    return InspectionPlanForm(
        data,
        initial={"planned_on": inspection.planned_on, "inspector": inspection.inspector_id},
        inspectors=iq.inspectors(inspection.school),
        prefix="plan",
    )


def _detail(request, actor, inspection, *, plan_form=None, cancel_form=None, status=200):
    """The inspection page; a planned one carries the "edit plan" and "cancel" forms for the
    inspector and the office (bound with errors after a refused post)."""
    may_change = (
        isv.may_change_plan(actor, inspection) and inspection.status == InspectionStatus.PLANNED
    )
    scores = iq.scores_by_subject(inspection)
    people = [
        {
            "subject": rows[0].subject,
            "rows": rows,
            "points": sum(r.points for r in rows),
            "most": sum(r.criterion.max_points for r in rows),
        }
        for rows in scores.values()
    ]
    return render(
        request,
        "assessment/inspect/inspection_detail.html",
        {
            "inspection": inspection,
            "people": people,
            "subjects": iq.subjects(inspection),
            "evidence": evidence_mod.for_inspection(inspection),
            "may_score": isv.may_score(actor, inspection),
            "done": inspection.status == InspectionStatus.DONE,
            "cancelled": inspection.status == InspectionStatus.CANCELLED,
            "may_change": may_change,
            "plan_form": (plan_form or _plan_form(inspection)) if may_change else None,
            "cancel_form": (cancel_form or InspectionCancelForm(prefix="cancel"))
            if may_change
            else None,
            "counts_for_other_month": inspection.planned_on is not None
            and inspection.planned_on.replace(day=1) != inspection.month,
            "nav_active": "assessment",
        },
        status=status,
    )


def _changeable(request, actor, pk, action: str):
    """The inspection if the actor may change its plan (404 elsewhere, 403 by role), and None
    with a message when it is no longer planned (completed or cancelled)."""
    inspection = iq.get_inspection_for_user(actor, pk)
    if not isv.may_change_plan(actor, inspection):
        raise PermissionDenied
    try:
        isv.check_changeable(inspection, action)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return inspection, False
    return inspection, True


@require_POST
@role_required(*INSPECT_ROLES)
def inspection_plan(request, pk):
    """Reschedule a planned inspection or hand it to another inspector."""
    actor = get_actor(request)
    inspection, ok = _changeable(request, actor, pk, "edit")
    if not ok:
        return redirect("assessment:inspection-detail", inspection.pk)
    form = _plan_form(inspection, request.POST)
    if form.is_valid():
        try:
            saved, changed = isv.reschedule_inspection(
                inspection=inspection,
                planned_on=form.cleaned_data["planned_on"],
                inspector=form.cleaned_data["inspector"],
                actor=actor,
            )
        except ValidationError as e:
            _apply(form, e)
        else:
            if changed:
                messages.success(
                    request,
                    _("Plan changed: %(day)s, inspector %(name)s; they will be reminded the "
                      "day before.")
                    % {"day": f"{saved.planned_on:%Y-%m-%d}", "name": saved.inspector.name},
                )  # fmt: skip
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("assessment:inspection-detail", inspection.pk)
    return _detail(request, actor, inspection, plan_form=form, status=400)


@require_POST
@role_required(*INSPECT_ROLES)
def inspection_cancel(request, pk):
    """Cancel a planned inspection with a reason; the ticked confirm box is checked here too
    (no scripts: a missing tick saves nothing and keeps the reason typed)."""
    actor = get_actor(request)
    inspection, ok = _changeable(request, actor, pk, "cancel")
    if not ok:
        return redirect("assessment:inspection-detail", inspection.pk)
    form = InspectionCancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        if request.POST.get("confirm") != "1":
            form.add_error(None, _("Tick the box to confirm first."))
        else:
            try:
                isv.cancel_inspection(
                    inspection=inspection, reason=form.cleaned_data["reason"], actor=actor
                )
            except ValidationError as e:
                _apply(form, e)
            else:
                messages.success(request, _("Inspection cancelled."))
                return redirect("assessment:inspection-detail", inspection.pk)
    return _detail(request, actor, inspection, cancel_form=form, status=400)


def _score_context(inspection, subject, posted=None):
    criteria = cs.active_criteria(inspection.school)
    existing = {s.criterion_id: s for s in iq.scores_by_subject(inspection).get(subject.pk, [])}
    rows = []
    for c in criteria:
        old = existing.get(c.pk)
        rules = {r.pk: r for r in c.rules.all()}
        if posted is not None:
            value = posted.get(f"points_{c.pk}", "")
            ticked = {int(x) for x in posted.getlist(f"rules_{c.pk}") if x.isdigit()}
            note = posted.get(f"note_{c.pk}", "")
        elif old is not None:
            value = isv.base_points(old, rules)
            ticked = {r for r in old.rules if r in rules}
            note = old.note
        else:
            value, ticked, note = "", set(), ""
        rows.append(
            {
                "c": c,
                "value": value,
                "rules": [{"r": r, "ticked": r.pk in ticked} for r in rules.values()],
                "note": note,
                "total": old.points if old is not None else None,
            }
        )
    if posted is not None:
        chosen = set(posted.getlist("evidence"))
    else:
        chosen = {f"{e.kind}:{e.object_id}" for e in inspection.evidence.all()}
    evidence = [
        {"value": f"{k}:{pk}", "label": f"{dict(EvidenceKind.choices)[k]}: {label}",
         "checked": f"{k}:{pk}" in chosen}
        for k, pk, label in iq.evidence_choices(inspection, subject)
    ]  # fmt: skip
    return {"rows": rows, "evidence": evidence, "metrics": _person_metrics(inspection, subject)}


def _person_metrics(inspection, subject):
    """The measured figures of the person's month, shown beside the form (they inform)."""
    data = month_metrics(inspection.school, inspection.month, staff_ids=[subject.pk])
    return list(data.get(subject.pk, {}).values())


@require_http_methods(["GET", "POST"])
@role_required(*INSPECT_ROLES)
def inspection_score(request, pk):
    actor = get_actor(request)
    inspection = iq.get_inspection_for_user(actor, pk)
    if not isv.may_score(actor, inspection):
        raise PermissionDenied
    if inspection.status != InspectionStatus.PLANNED:
        messages.error(request, _("This inspection is completed; its scores are read-only."))
        return redirect("assessment:inspection-detail", inspection.pk)
    subjects = list(iq.subjects(inspection))
    subject_id = request.POST.get("subject") or request.GET.get("subject") or ""
    subject = None
    if subject_id:
        subject = next((p for p in subjects if str(p.pk) == subject_id), None)
        if subject is None:
            raise Http404
    errors = []
    if request.method == "POST" and subject is not None:
        entries = [
            isv.ScoreEntry(
                criterion_id=c.pk,
                points=request.POST.get(f"points_{c.pk}", ""),
                rule_ids=[int(x) for x in request.POST.getlist(f"rules_{c.pk}") if x.isdigit()],
                note=request.POST.get(f"note_{c.pk}", ""),
            )
            for c in cs.active_criteria(inspection.school)
        ]
        evidence = []
        for raw in request.POST.getlist("evidence"):
            kind, _sep, oid = raw.partition(":")
            if oid.isdigit():
                evidence.append((kind, int(oid)))
            else:
                errors.append(_("Some evidence is not a record of this person and month."))
                break
        if not errors:
            try:
                isv.score_person(
                    inspection=inspection,
                    subject=subject,
                    entries=entries,
                    evidence=evidence,
                    actor=actor,
                )
            except ValidationError as e:
                errors.extend(e.messages)
            else:
                messages.success(request, _("Scores for %(name)s saved.") % {"name": subject.name})
                return redirect("assessment:inspection-detail", inspection.pk)
    scored = set(iq.scores_by_subject(inspection))
    context = {
        "inspection": inspection,
        "subjects": [{"p": p, "scored": p.pk in scored} for p in subjects],
        "subject": subject,
        "errors": errors,
        "nav_active": "assessment",
    }
    if subject is not None:
        context.update(
            _score_context(inspection, subject, request.POST if request.method == "POST" else None)
        )
    return render(
        request,
        "assessment/inspect/inspection_score.html",
        context,
        status=400 if errors else 200,
    )


@require_POST
@role_required(*INSPECT_ROLES)
def inspection_complete(request, pk):
    actor = get_actor(request)
    inspection = iq.get_inspection_for_user(actor, pk)
    try:
        isv.complete_inspection(inspection=inspection, actor=actor)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Inspection completed."))
    return redirect("assessment:inspection-detail", inspection.pk)


# ---- training ---------------------------------------------------------------------------------


@role_required(*ALL_STAFF)
def training_list(request):
    actor = get_actor(request)
    page = Paginator(tq.sessions(actor.school), 25).get_page(request.GET.get("page"))
    mine = tq.person_record(actor.staff) if actor.staff else None
    return render(
        request,
        "assessment/inspect/training.html",
        {
            "page": page,
            "mine": mine,
            "may_manage": ts.may_manage(actor, actor.school.pk),
            "nav_active": "assessment",
        },
    )


@role_required(*ALL_STAFF)
def training_detail(request, pk):
    actor = get_actor(request)
    session = tq.get_session_for_user(actor, pk)
    return render(
        request,
        "assessment/inspect/training_detail.html",
        {
            "session": session,
            "attendance": tq.attendance(session),
            "may_manage": ts.may_manage(actor, session.school_id),
            "nav_active": "assessment",
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*ts.MANAGERS)
def training_edit(request, pk=None):
    actor = get_actor(request)
    session = tq.get_session_for_user(actor, pk) if pk else None
    initial = {"held_on": isv.school_today(actor.school)}
    if session is not None:
        initial = {"attendees": [a.staff for a in tq.attendance(session) if a.attended]}
    form = TrainingForm(
        request.POST or None, instance=session, initial=initial, school=actor.school
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees")
        try:
            saved = ts.save_session(
                school=actor.school, data=data, attendees=attendees, session=session, actor=actor
            )
        except ValidationError as e:
            _apply(form, e)
        else:
            messages.success(request, _("Training session saved."))
            return redirect("assessment:training-detail", saved.pk)
    return render(
        request,
        "assessment/inspect/training_form.html",
        {"form": form, "session": session, "nav_active": "assessment"},
    )


# ---- metrics ----------------------------------------------------------------------------------

METRIC_READERS = (Role.PRINCIPAL, Role.LEADER, Role.ADMIN)


@role_required(*ALL_STAFF)
def metrics_page(request):
    """The month's measured figures: everyone's for the principal, leaders (inspectors) and the
    office, one person's with the records behind each figure on ``?person=``; a teacher, guard
    or tech sees only their own. People are listed by name: no ranking."""
    actor = get_actor(request)
    school = actor.school
    month = _month(request)
    sees_all = actor.has_any(*METRIC_READERS)
    settings = settings_for(school)
    raw = request.GET.get("person", "")
    person = None
    if raw:
        person = (
            Staff.objects.filter(pk=int(raw), school_id__in=actor.school_ids).first()
            if raw.isdigit()
            else None
        )
        if person is None:
            raise Http404
        if not sees_all and person.pk != actor.staff.pk:
            raise PermissionDenied
    elif not sees_all:
        person = actor.staff
    context = {
        "month": month,
        "prev_month": _shift_month(month, -1),
        "next_month": _shift_month(month, 1),
        "sees_all": sees_all,
        "person": person,
        "counts": settings.metrics_count,
        "nav_active": "assessment",
    }
    if person is not None:
        measured = month_metrics(school, month, staff_ids=[person.pk]).get(person.pk, {})
        context["metrics"] = list(measured.values())
        context["score"] = metrics_score(measured) if measured else None
    else:
        data = month_metrics(school, month)
        names = dict(Staff.objects.filter(pk__in=list(data)).values_list("pk", "name"))
        rows = sorted(
            (
                {
                    "pk": pk,
                    "name": names[pk],
                    "metrics": list(m.values()),
                    "score": metrics_score(m),
                }
                for pk, m in data.items()
            ),
            key=lambda r: r["name"],
        )
        context["page"] = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "assessment/inspect/metrics.html", context)
