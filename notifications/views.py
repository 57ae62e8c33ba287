from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import queries, services
from notifications.forms import ChannelConfigForm, DeliveryLogFilterForm, PreferenceForm
from notifications.models import NoticeStatus
from notifications.preferences import save_channel_config, save_preference, send_test_notice
from staff.models import Role
from staff.permissions import role_required
from staff.queries import get_actor

PAGE_SIZE = 25


@require_GET
def inbox(request):
    actor = get_actor(request)
    rows = queries.inbox_notices(user=actor.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "nav_active": "inbox"})


@login_not_required  # a poll after the session ends must not swap the login page into the bar
@never_cache
@require_GET
def inbox_badge(request):
    count = queries.unread_count(user=request.user) if request.user.is_authenticated else 0
    # No request context: the fragment needs none of the navigation's queries.
    return HttpResponse(render_to_string("notifications/partials/_badge.html", {"unread": count}))


@require_POST
def mark_read(request, pk: int):
    actor = get_actor(request)
    notice = queries.get_inbox_notice_for_user(actor, pk)
    services.mark_read(user_id=actor.user.pk, notice_id=notice.pk)
    return _back_to_inbox(request)


@require_POST
def mark_all_read(request):
    count = services.mark_read(user_id=get_actor(request).user.pk)
    messages.success(
        request,
        ngettext("Marked %(count)d notice as read.", "Marked %(count)d notices as read.", count)
        % {"count": count},
    )
    return _back_to_inbox(request)


@require_POST
def open_notice(request, pk: int):
    """Mark the notice read and follow its link, if the link stays on this site."""
    actor = get_actor(request)
    notice = queries.get_inbox_notice_for_user(actor, pk)
    services.mark_read(user_id=actor.user.pk, notice_id=notice.pk)
    safe = url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notice.url) if notice.url and safe else _back_to_inbox(request)


def _back_to_inbox(request):
    page = request.POST.get("page", "")
    url = redirect("notifications:inbox").url
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@require_http_methods(["GET", "POST"])
def preferences(request):
    actor = get_actor(request)
    offered = queries.offered_channels(actor=actor)
    initial = queries.preference_initial(user=actor.user)
    form = PreferenceForm(request.POST or None, initial=initial, offered=offered)
    if request.method == "POST" and form.is_valid():
        try:
            save_preference(
                user=actor.user, available=[k for k, _label in offered], **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    context = {"form": form, "nav_active": "preferences", "can_test": actor.school is not None}
    return render(request, "notifications/preferences.html", context)


@require_POST
def send_test(request):
    try:
        notices = send_test_notice(actor=get_actor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        labels = "、".join(str(queries.CHANNEL_LABELS.get(n.channel, n.channel)) for n in notices)
        messages.success(
            request,
            _("Test notice sent by: %(channels)s. During your quiet hours it waits until they end.")
            % {"channels": labels},
        )
    return redirect("notifications:preferences")


@role_required(Role.ADMIN)
@require_GET
def channel_list(request):
    channels = queries.channel_overview(actor=get_actor(request))
    return render(
        request, "notifications/channel_list.html", {"channels": channels, "nav_active": "log"}
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def channel_edit(request, kind: str):
    actor = get_actor(request)
    row = queries.channel_config_for(actor=actor, kind=kind)
    initial = {"name": row.name, "enabled": row.enabled, **row.config} if row else {}
    stored = row.config if row else {}
    form = ChannelConfigForm(request.POST or None, initial=initial, kind=kind, stored=stored)
    if request.method == "POST" and form.is_valid():
        try:
            save_channel_config(
                school=actor.school,
                kind=kind,
                config=form.config,
                clear=form.clear,
                name=form.cleaned_data["name"],
                enabled=form.cleaned_data["enabled"],
                actor=actor,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The channel configuration is saved."))
            return redirect("notifications:channels")
    label = queries.CHANNEL_LABELS[kind]
    context = {"form": form, "kind": kind, "label": label, "nav_active": "log"}
    return render(request, "notifications/channel_edit.html", context)


@role_required(Role.ADMIN)
@require_GET
def delivery_log(request):
    form = DeliveryLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.delivery_log(actor=get_actor(request), **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for notice in page:
        notice.channel_label = queries.CHANNEL_LABELS.get(notice.channel, notice.channel)
    context = {"form": form, "page": page, "nav_active": "log"}
    return render(request, "notifications/delivery_log.html", context)


@role_required(Role.ADMIN)
@require_GET
def notice_detail(request, pk: int):
    notice = queries.get_notice_for_user(get_actor(request), pk, manage=True)
    context = {
        "notice": notice,
        "attempts": queries.notice_attempts(notice=notice),
        "channel_label": queries.CHANNEL_LABELS.get(notice.channel, notice.channel),
        "can_retry": notice.status == NoticeStatus.FAILED,
        "nav_active": "log",
    }
    return render(request, "notifications/notice_detail.html", context)


@role_required(Role.ADMIN)
@require_POST
def retry_notice(request, pk: int):
    notice = queries.get_notice_for_user(get_actor(request), pk, manage=True)
    if services.retry_failed_notice(notice_id=notice.pk):
        messages.success(request, _("The notice will be sent again."))
    else:
        messages.warning(request, _("Only a failed notice can be sent again."))
    return redirect("notifications:notice", pk=notice.pk)
