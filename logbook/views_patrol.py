"""Views for patrols: the checklist editor (admin), QR sheet, rounds, QR scans and photos."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logbook import printing_patrol
from logbook.models import Checkpoint, Frequency, PatrolItem, PatrolRound, ResultStatus
from logbook.queries import patrol as queries
from logbook.services import patrol as services
from logbook.uploads import PhotoField
from roster.models import Assignment, RosterStatus, Shift
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor

STAFF_ROLES = (Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, Role.TECH)


class CheckpointForm(forms.ModelForm):
    class Meta:
        model = Checkpoint
        fields = ["area", "location", "order"]


class ItemForm(forms.ModelForm):
    """Shown beside the checkpoint's own form (both have an order): ids prefixed "item_"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "item_%s")
        super().__init__(*args, **kwargs)

    class Meta:
        model = PatrolItem
        fields = ["text", "frequency", "bad_weather_only", "order"]


class ResultForm(forms.Form):
    status = forms.ChoiceField(
        choices=ResultStatus.choices, widget=forms.RadioSelect, label=gettext_lazy("Result")
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    photo = PhotoField()


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# ---- checklists (admin) ------------------------------------------------------------------------


@require_GET
@role_required(Role.ADMIN)
def checklists(request):
    actor = get_actor(request)
    context = {
        "nav_active": "checklists",
        "checkpoints": queries.checklist_page(actor.school),
        "form": CheckpointForm(),
    }
    return render(request, "logbook/patrol/checklists.html", context)


@require_POST
@role_required(Role.ADMIN)
def checkpoint_new(request):
    actor = get_actor(request)
    form = CheckpointForm(request.POST)
    if form.is_valid():
        try:
            checkpoint = services.create_checkpoint(school=actor.school, actor=actor,
                                                    **form.cleaned_data)  # fmt: skip
            return redirect("logbook:checkpoint", checkpoint.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    context = {"nav_active": "checklists", "form": form,
               "checkpoints": queries.checklist_page(actor.school)}  # fmt: skip
    return render(request, "logbook/patrol/checklists.html", context)


@require_POST
@role_required(Role.ADMIN)
def checklist_standard(request):
    actor = get_actor(request)
    added = services.install_standard_checklist(school=actor.school, actor=actor)
    messages.success(request, _("Standard checklist loaded: %(n)s items added.") % {"n": added})
    return redirect("logbook:checklists")


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def checkpoint(request, pk: int):
    actor = get_actor(request)
    checkpoint = queries.get_checkpoint_for_user(actor, pk, write=True)
    form = CheckpointForm(request.POST or None, instance=checkpoint)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_checkpoint(checkpoint=checkpoint, actor=actor, **form.cleaned_data)
            messages.success(request, _("Checkpoint saved."))
            return redirect("logbook:checkpoint", checkpoint.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    context = {"nav_active": "checklists", "checkpoint": checkpoint, "form": form,
               "items": checkpoint.items.order_by("-active", "order", "pk"),
               "item_form": ItemForm(initial={"frequency": Frequency.SHIFT})}  # fmt: skip
    return render(request, "logbook/patrol/checkpoint.html", context)


@require_POST
@role_required(Role.ADMIN)
def checkpoint_active(request, pk: int):
    checkpoint = queries.get_checkpoint_for_user(get_actor(request), pk, write=True)
    active = request.POST.get("active") == "1"
    services.set_checkpoint_active(checkpoint=checkpoint, active=active, actor=get_actor(request))
    messages.success(
        request, _("Checkpoint activated.") if active else _("Checkpoint deactivated.")
    )
    return redirect("logbook:checkpoint", checkpoint.pk)


@require_POST
@role_required(Role.ADMIN)
def item_new(request, pk: int):
    actor = get_actor(request)
    checkpoint = queries.get_checkpoint_for_user(actor, pk, write=True)
    form = ItemForm(request.POST)
    if form.is_valid():
        services.create_item(checkpoint=checkpoint, actor=actor, **form.cleaned_data)
        messages.success(request, _("Item added."))
    else:
        messages.error(request, _("The item was not added: write what to check."))
    return redirect("logbook:checkpoint", checkpoint.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def item(request, pk: int):
    actor = get_actor(request)
    item = queries.get_item_for_user(actor, pk, write=True)
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.update_item(item=item, actor=actor, **form.cleaned_data)
        messages.success(request, _("Item saved."))
        return redirect("logbook:checkpoint", item.checkpoint_id)
    context = {"nav_active": "checklists", "item": item, "form": form}
    return render(request, "logbook/patrol/item.html", context)


@require_POST
@role_required(Role.ADMIN)
def item_active(request, pk: int):
    actor = get_actor(request)
    item = queries.get_item_for_user(actor, pk, write=True)
    active = request.POST.get("active") == "1"
    services.set_item_active(item=item, active=active, actor=actor)
    messages.success(request, _("Item activated.") if active else _("Item deactivated."))
    return redirect("logbook:checkpoint", item.checkpoint_id)


@require_GET
@role_required(Role.ADMIN)
def checklist_qr(request):
    actor = get_actor(request)
    checkpoints = queries.active_checkpoints(actor.school)
    urls = [request.build_absolute_uri(reverse("logbook:scan", args=[c.token]))
            for c in checkpoints]  # fmt: skip
    pdf = printing_patrol.qr_sheet(actor.school, checkpoints, urls)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="patrol-qr.pdf"'
    return response


# ---- rounds ------------------------------------------------------------------------------------


def current_shift(actor, now):
    """The published shift the actor is on duty in at ``now`` (or about to start), if any."""
    if actor.staff is None:
        return None
    assignment = (
        Assignment.objects.filter(
            staff=actor.staff, shift__roster__status=RosterStatus.PUBLISHED,
            shift__starts_at__lte=now + services.OPENS_BEFORE, shift__ends_at__gt=now,
        )
        .select_related("shift__roster__school", "shift__shift_type")
        .order_by("shift__starts_at")
        .first()
    )  # fmt: skip
    return assignment.shift if assignment else None


@require_GET
@role_required(*STAFF_ROLES)
def patrol_home(request):
    """My patrol now: the same panel as on the "on duty now" page, on its own."""
    actor = get_actor(request)
    shift = current_shift(actor, timezone.now())
    panel = queries.now_panel(actor=actor, shift=shift)
    return render(request, "logbook/patrol/home.html", {"panel": panel, "nav_active": "now"})


@require_POST
@role_required(*STAFF_ROLES)
def round_start(request):
    actor = get_actor(request)
    asked = request.POST.get("shift", "")
    if (
        not asked.isdigit()
        or not Shift.objects.filter(pk=int(asked), roster__school__in=actor.school_ids).exists()
    ):
        raise Http404
    shift = current_shift(actor, timezone.now())
    if shift is None or shift.pk != int(asked):
        messages.error(request, _("You are not on duty in this shift now."))
        return redirect("logbook:patrol")
    try:
        patrol = services.start_round(
            shift=shift, actor=actor, bad_weather=request.POST.get("bad_weather") == "1"
        )
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("logbook:patrol")
    return redirect("logbook:round", patrol.pk)


@require_GET
@role_required(*STAFF_ROLES)
def round_detail(request, pk: int):
    actor = get_actor(request)
    patrol = queries.get_round_for_user(actor, pk)
    context = queries.round_page(patrol)
    context.update(patrol=patrol, mine=patrol.started_by_id == actor.staff.pk, nav_active="now",
                   photo_accept="image/*")  # fmt: skip
    return render(request, "logbook/patrol/round.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def round_record(request, pk: int, item_pk: int):
    actor = get_actor(request)
    patrol = queries.get_round_for_user(actor, pk, write=True)
    item = PatrolItem.objects.select_related("checkpoint").filter(pk=item_pk).first()
    if item is None or item.pk not in patrol.due_item_ids:
        raise Http404
    form = ResultForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        photos = [data["photo"]] if data["photo"] else []
        try:
            services.record_result(patrol=patrol, item=item, status=data["status"],
                                   note=data["note"], photos=photos, actor=actor)  # fmt: skip
            problem = data["status"] == ResultStatus.PROBLEM
            anchor = f"item-{item.pk}" if problem else _next_item(patrol)
            return redirect(reverse("logbook:round", args=[patrol.pk]) + f"#{anchor}")
        except ValidationError as exc:
            form.add_error(None, exc)
    context = {"patrol": patrol, "item": item, "form": form, "nav_active": "now"}
    return render(request, "logbook/patrol/record.html", context)


def _next_item(patrol) -> str:
    """The next item still to record (so one hand can go on down the list), else the end."""
    recorded = set(patrol.results.values_list("item_id", flat=True))
    left = (f"item-{pk}" for pk in patrol.due_item_ids if pk not in recorded)
    return next(left, "items-done")


@require_POST
@role_required(*STAFF_ROLES)
def round_weather(request, pk: int):
    actor = get_actor(request)
    patrol = queries.get_round_for_user(actor, pk, write=True)
    try:
        services.set_round_weather(
            patrol=patrol, bad_weather=request.POST.get("bad_weather") == "1", actor=actor
        )
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("logbook:round", patrol.pk)


@require_POST
@role_required(*STAFF_ROLES)
def round_finish(request, pk: int):
    actor = get_actor(request)
    patrol = queries.get_round_for_user(actor, pk, write=True)
    try:
        services.finish_round(patrol=patrol, actor=actor)
        messages.success(request, _("Patrol round finished."))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("logbook:round", patrol.pk)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def scan(request, token: str):
    """The printed QR code's target. GET shows the checkpoint and a stamp button (submitted at
    once by logbook-patrol.js); POST stamps the time in the actor's open round."""
    actor = get_actor(request)
    checkpoint = Checkpoint.objects.filter(token=token, school__in=actor.school_ids).first()
    if checkpoint is None:
        raise Http404
    open_round = PatrolRound.objects.filter(
        started_by=actor.staff, finished_at__isnull=True
    ).first()
    if request.method == "POST":
        try:
            stamped = services.scan_checkpoint(token=token, actor=actor)
        except ValidationError as exc:
            _refused(request, exc)
            return redirect("logbook:patrol")
        url = reverse("logbook:round", args=[stamped.round_id])
        return redirect(f"{url}#cp-{checkpoint.pk}")
    context = {"checkpoint": checkpoint, "open_round": open_round, "nav_active": "now"}
    return render(request, "logbook/patrol/scan.html", context)


@require_GET
@role_required(*STAFF_ROLES)
def photo(request, pk: int):
    photo = queries.get_photo_for_user(get_actor(request), pk)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.jpg"'
    return response
