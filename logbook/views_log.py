"""Views for the duty log and the "on duty now" page. Rules live in logbook/services/log.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from logbook.queries import log as queries
from logbook.services import log as services
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor

STAFF_ROLES = (Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, Role.TECH)


@require_GET
@role_required(*STAFF_ROLES)
def now(request):
    actor = get_actor(request)
    context = queries.now_page(actor, timezone.now())
    context.update(nav_active="now", school=actor.school, next_url=request.get_full_path())
    return render(request, "logbook/now.html", context)


@require_POST
def log_open(request, shift_id: int):
    actor = get_actor(request)
    shift = queries.get_shift_for_user(actor, shift_id)
    try:
        log = services.open_log(shift=shift, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("logbook:now")
    return redirect("logbook:log", log.pk)


@require_GET
def log_detail(request, pk: int):
    actor = get_actor(request)
    log = queries.get_log_for_user(actor, pk)
    return _render_log(request, log, actor)


def _render_log(request, log, actor, *, errors=None, values=None, form="", status=200):
    context = queries.log_page(log, actor, timezone.now())
    errors = errors or {}
    for field in context["fields"]:
        field["error"] = errors.get(field["name"], "") if form == "submit" else ""
        if form == "submit" and values is not None:  # what was typed, not what is stored
            field["value"] = values.get(field["name"], field["value"])
    context.update(nav_active="now", errors=errors, values=values or {}, failed_form=form)
    return render(request, "logbook/log/detail.html", context, status=status)


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


@require_POST
def log_autosave(request, pk: int):
    """htmx: save the draft's text; answers the status line (and the new version)."""
    actor = get_actor(request)
    log = queries.get_log_for_user(actor, pk, write=True)
    context = {"log": log, "school": log.school}
    try:
        context["log"] = services.autosave_log(
            log=log, actor=actor, data=request.POST, version=_version(request)
        )
        context["saved_at"] = timezone.now()
    except services.LogConflict as exc:
        context["conflict"] = " ".join(exc.messages)
    except ValidationError as exc:
        context["problems"] = _problems(exc)
    return render(request, "logbook/log/_save_status.html", context)


def _problems(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        f"{queries.field_label(name) if name in services.CONTENT_FIELDS else name}: {msg}"
        for name, errs in exc.message_dict.items()
        for msg in errs
    ]


@require_POST
def log_submit(request, pk: int):
    actor = get_actor(request)
    log = queries.get_log_for_user(actor, pk, write=True)
    try:
        services.submit_log(log=log, actor=actor, version=_version(request), data=request.POST,
                            late_reason=request.POST.get("late_reason", ""))  # fmt: skip
    except ValidationError as exc:
        log = queries.get_log_for_user(actor, pk, write=True)
        return _render_log(request, log, actor, errors=_errors(exc), values=request.POST,
                           form="submit", status=400)  # fmt: skip
    messages.success(request, _("The duty log was submitted. It is now read-only."))
    return redirect("logbook:log", pk)


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {name: " ".join(msgs) for name, msgs in exc.message_dict.items()}
    return {"form": " ".join(exc.messages)}


@require_POST
def log_sign(request, pk: int):
    actor = get_actor(request)
    log = queries.get_log_for_user(actor, pk)
    try:
        services.sign_log(log=log, actor=actor, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        return _render_log(request, log, actor, errors=_errors(exc), values=request.POST,
                           form="sign", status=400)  # fmt: skip
    messages.success(request, _("The duty log was signed off."))
    return redirect("logbook:log", pk)


@require_POST
def log_amend(request, pk: int):
    actor = get_actor(request)
    log = queries.get_log_for_user(actor, pk, write=True)
    post = request.POST
    try:
        services.amend_log(log=log, actor=actor, field=post.get("field", ""),
                           text=post.get("text", ""), reason=post.get("reason", ""))  # fmt: skip
    except ValidationError as exc:
        return _render_log(request, log, actor, errors=_errors(exc), values=post, form="amend",
                           status=400)  # fmt: skip
    messages.success(request, _("The amendment was added beside the original."))
    return redirect("logbook:log", pk)


@require_POST
def post_check(request, shift_id: int):
    actor = get_actor(request)
    shift = queries.get_shift_for_user(actor, shift_id)
    try:
        services.record_post_check(shift=shift, actor=actor, remarks=request.POST.get("remarks"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Post check recorded."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("logbook:now")
    return redirect(target)
