"""Pages for handover (交接班): write the note (outgoing shift), view it, accept or refuse it
(incoming shift). Read-only once decided. Objects come through queries/handover.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logbook.models import HandoverNote
from logbook.queries import handover as queries
from logbook.services import handover as services
from logbook.services.handover import NOTE_FIELDS
from logbook.views_visit import LOCAL_INPUT, LocalDateTimeInput
from staff.queries import get_actor

COUNT = {"inputmode": "numeric", "min": "0", "max": "999"}


class HandoverForm(forms.ModelForm):
    handed_over_at = forms.DateTimeField(
        label=gettext_lazy("Handover time (empty: now)"),
        required=False,
        input_formats=LOCAL_INPUT,
        widget=LocalDateTimeInput(),
    )
    room_tidy = forms.TypedChoiceField(
        label=gettext_lazy("Duty room tidy"),
        coerce=lambda v: v == "1",
        initial="1",
        choices=[("1", gettext_lazy("Tidy")), ("0", gettext_lazy("Not tidy"))],
    )

    class Meta:
        model = HandoverNote
        fields = ["handed_over_at", *NOTE_FIELDS]
        widgets = {
            "situation": forms.Textarea(attrs={"rows": 4}),
            "follow_ups": forms.Textarea(attrs={"rows": 3}),
            "cautions": forms.Textarea(attrs={"rows": 2}),
            **{
                name: forms.NumberInput(attrs=COUNT)
                for name in ("keys", "radios", "registers", "mail")
            },
        }


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for refusing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@require_http_methods(["GET", "POST"])
def handover_new(request, shift_id: int):
    actor = get_actor(request)
    shift = queries.get_shift_for_handover(actor, shift_id)
    to_shift = services.next_shift(shift)
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.write_handover(from_shift=shift, actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The handover has been sent to the next shift."))
            return redirect("logbook:handover-detail", pk=note.pk)
    context = {
        "form": form,
        "shift": shift,
        "to_shift": to_shift,
        "nav_active": "now",
        "school": shift.roster.school,
        "live": queries.live_note_from(shift),
    }
    return render(request, "logbook/handover/form.html", context)


def _detail(request, note, *, refuse_form=None):
    actor = get_actor(request)
    context = queries.handover_detail(note, actor)
    context.update(refuse_form=refuse_form or RefuseForm(), nav_active="now", school=note.school)
    return render(request, "logbook/handover/detail.html", context)


@require_GET
def handover_detail(request, pk: int):
    return _detail(request, queries.get_handover_for_user(get_actor(request), pk))


@require_POST
def handover_accept(request, pk: int):
    actor = get_actor(request)
    note = queries.get_handover_for_user(actor, pk, action="decide")
    try:
        services.accept_handover(note=note, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Handover accepted: the duty is now yours."))
    return redirect("logbook:handover-detail", pk=note.pk)


@require_POST
def handover_refuse(request, pk: int):
    actor = get_actor(request)
    note = queries.get_handover_for_user(actor, pk, action="decide")
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.refuse_handover(note=note, actor=actor, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.warning(request, _("Handover refused; the duty leader has been told."))
            return redirect("logbook:handover-detail", pk=note.pk)
    return _detail(request, note, refuse_form=form)
