"""Pages for swaps (换班) and leave (请假): my requests, the two request forms, answering, and
the duty leader's pending approvals. Every object comes through a choke-point in exchange.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from roster import exchange
from staff.queries import get_actor


class SwapForm(forms.Form):
    colleague = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Colleague"))
    in_return = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Their duty you take in return (optional)"),
        empty_label=gettext_lazy("None: the colleague simply takes my duty"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = exchange.swap_colleagues(assignment)
        self.fields["in_return"].queryset = exchange.duties_in_return(assignment)
        self.fields["in_return"].label_from_instance = _duty_label


class LeaveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    replacement = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Replacement (optional)"),
        empty_label=gettext_lazy("Let the system find one"),
    )

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = exchange.swap_colleagues(assignment)


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=300)


def _duty_label(a) -> str:
    local = timezone.localtime(a.shift.starts_at)
    return f"{a.staff.name} · {a.shift.date:%m-%d} {a.shift.shift_type.name} {local:%H:%M}"


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_GET
def my_requests(request):
    actor = get_actor(request)
    if actor.staff is None:
        raise PermissionDenied
    context = exchange.my_requests(actor.staff)
    context["me"] = actor.staff
    return render(request, "roster/exchange/my_requests.html", context)


@require_GET
def approvals(request):
    context = exchange.pending_approvals(get_actor(request))
    return render(request, "roster/exchange/approvals.html", context)


@require_http_methods(["GET", "POST"])
def swap_new(request, assignment_id: int):
    actor = get_actor(request)
    assignment = exchange.get_duty_for_user(actor, assignment_id)
    form = SwapForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            exchange.request_swap(assignment=assignment, actor=actor.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your swap request has been sent to the colleague."))
            return redirect("roster:swaps")
    return render(request, "roster/exchange/swap_form.html",
                  {"form": form, "assignment": assignment})  # fmt: skip


@require_http_methods(["GET", "POST"])
def leave_new(request, assignment_id: int):
    actor = get_actor(request)
    assignment = exchange.get_duty_for_user(actor, assignment_id)
    form = LeaveForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            leave = exchange.request_leave(assignment=assignment, actor=actor.user,
                                           **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if leave.replacement_id:
                messages.success(request, _("Your leave request has been sent to %(name)s.")
                                 % {"name": leave.replacement.name})  # fmt: skip
            else:
                messages.warning(request, _("No replacement could be found; the office has "
                                            "been told the duty is open."))  # fmt: skip
            return redirect("roster:swaps")
    return render(request, "roster/exchange/leave_form.html",
                  {"form": form, "assignment": assignment})  # fmt: skip


def _run(request, service, back: str, **kwargs):
    try:
        service(actor=get_actor(request).user, **kwargs)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect(back)


def _accept(request) -> bool:
    return request.POST.get("accept") == "1"


def _note(request) -> str:
    form = DecisionForm(request.POST)
    return form.cleaned_data["note"] if form.is_valid() else ""


@require_POST
def swap_respond(request, pk: int):
    swap = exchange.get_swap_for_user(get_actor(request), pk, action="respond")
    return _run(request, exchange.respond_swap, "roster:swaps", swap=swap, accept=_accept(request))


@require_POST
def swap_decide(request, pk: int):
    swap = exchange.get_swap_for_user(get_actor(request), pk, action="decide")
    return _run(request, exchange.decide_swap, "roster:approvals", swap=swap,
                approve=_accept(request), note=_note(request))  # fmt: skip


@require_POST
def swap_cancel(request, pk: int):
    swap = exchange.get_swap_for_user(get_actor(request), pk, action="cancel")
    return _run(request, exchange.cancel_swap, "roster:swaps", swap=swap)


@require_POST
def leave_respond(request, pk: int):
    leave = exchange.get_leave_for_user(get_actor(request), pk, action="respond")
    return _run(request, exchange.respond_leave, "roster:swaps", leave=leave,
                accept=_accept(request))  # fmt: skip


@require_POST
def leave_decide(request, pk: int):
    leave = exchange.get_leave_for_user(get_actor(request), pk, action="decide")
    return _run(request, exchange.decide_leave, "roster:approvals", leave=leave,
                approve=_accept(request), note=_note(request))  # fmt: skip


@require_POST
def leave_cancel(request, pk: int):
    leave = exchange.get_leave_for_user(get_actor(request), pk, action="cancel")
    return _run(request, exchange.cancel_leave, "roster:swaps", leave=leave)
