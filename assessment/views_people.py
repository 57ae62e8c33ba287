"""Pages for peer review, student/parent feedback (the public QR form and its moderation),
rewards and penalties, and review flags.

Every record is fetched through queries.people's choke points (404 outside the actor's school,
403 for a record of the school they may not see); every write goes through services, which
check the permission again."""

from __future__ import annotations

import io
import itertools
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.forms_people import (
    DecisionForm,
    FeedbackForm,
    FeedbackLimitForm,
    FlagCloseForm,
    ProposalForm,
    ResponseForm,
    ReviewForm,
)
from assessment.models import (
    AssessmentSettings,
    FeedbackStatus,
    FlagStatus,
    ProposalStatus,
    ReviewFlag,
)
from assessment.queries import people as queries
from assessment.services import awards
from assessment.services import people as services
from assessment.services.config import settings_for
from staff.models import Staff
from staff.queries import get_actor

PAGE = queries.PAGE_SIZE


def _page(request, rows):
    return Paginator(rows, PAGE).get_page(request.GET.get("page"))


def _confirmed(request) -> bool:
    """Destructive actions carry a ticked "confirm" box (no scripts: the CSP and the templates
    have none); without it nothing happens and the page says why."""
    if request.POST.get("confirm") == "1":
        return True
    messages.error(request, _("Tick the box to confirm first."))
    return False


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _month_param(request, allowed: list[date], default: date) -> date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return default
    return chosen if not allowed or chosen in allowed else default


# ---- peer review ----------------------------------------------------------------------------
@require_GET
def reviews(request):
    """Mine: colleagues I shared shifts with this month and last (to review), the reviews I
    wrote, and what colleagues said of me (count, mean, comments without names)."""
    actor = get_actor(request)
    me = queries.staff_of(actor)
    months = queries.open_review_months(me.school)
    month = _month_param(request, months, months[-1])
    context = {
        "months": months,
        "month": month,
        "colleagues": queries.colleagues_to_review(me, month),
        "written": _page(request, queries.reviews_written(me)),
        "received": queries.received_summary(me),
        "anonymity_min": queries.ANONYMITY_MIN,
        "is_principal": queries.is_principal(actor),
        "is_office": queries.is_office(actor),
    }
    return render(request, "assessment/people/reviews.html", context)


@require_http_methods(["GET", "POST"])
def review_new(request, pk: int):
    actor = get_actor(request)
    me = queries.staff_of(actor)
    colleague = queries.get_colleague_for_user(actor, pk)
    months = queries.open_review_months(me.school)
    month = _month_param(request, months, months[-1])
    shared = queries.shared_shifts(me, colleague, month)
    if not shared or colleague.pk == me.pk:
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.write_review(actor=actor, reviewee=colleague, month=month, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your review of %(name)s is saved. They will not see "
                                        "your name.") % {"name": colleague.name})  # fmt: skip
            return redirect(f"{reverse('assessment:reviews')}?month={month:%Y-%m}")
    context = {"colleague": colleague, "month": month, "shared": shared, "form": form}
    return render(request, "assessment/people/review_form.html", context,
                  status=400 if form.errors else 200)  # fmt: skip


@require_POST
def review_withdraw(request, pk: int):
    actor = get_actor(request)
    review = queries.get_review_for_user(actor, pk)
    back = f"{reverse('assessment:reviews')}?month={review.month:%Y-%m}"
    if not _confirmed(request):
        return redirect(back)
    try:
        services.withdraw_review(actor=actor, review=review)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The review is withdrawn."))
    return redirect(back)


@require_GET
def reviews_school(request):
    """The principal's view of a month's reviews, with the reviewers' names."""
    school = queries.principal_school(get_actor(request))
    today = queries.local_today(school)
    month = _month_param(request, [], today.replace(day=1))
    context = {
        "month": month,
        "previous": (month - timezone.timedelta(days=1)).replace(day=1),
        "next": (month + timezone.timedelta(days=32)).replace(day=1),
        "means": queries.school_review_means(school, month),
        "page": _page(request, queries.school_reviews(school, month)),
    }
    return render(request, "assessment/people/reviews_school.html", context)


# ---- feedback: the public form ----------------------------------------------------------------
def _no_store(response):
    # Not "no-referrer": the browser would then send "Origin: null" with the form and fail
    # the CSRF origin check; the default same-origin policy keeps the token in-house anyway.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def feedback_form(request, token: str):
    """The page behind the printed QR code: no login; a short form; a limit per device."""
    school = queries.school_for_feedback_token(token)
    people = queries.people_on_duty_lately(school)
    form = FeedbackForm(request.POST or None, people=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_feedback(
                    school=school,
                    key=services.client_key(services.client_address(request)),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                limited = getattr(exc, "code", None) == "rate_limited"
                _apply_errors(form, exc)
                status = 429 if limited else 400
            else:
                return _no_store(redirect(f"{request.path}?sent=1"))
        else:
            status = 400
    context = {"school": school, "form": form, "sent": request.GET.get("sent") == "1"}
    return _no_store(render(request, "assessment/people/feedback_public.html", context,
                            status=status))  # fmt: skip


# ---- feedback: the link, its QR code and moderation ------------------------------------------
def _feedback_url(request, settings: AssessmentSettings) -> str:
    if not settings.feedback_token:
        return ""
    path = reverse("assessment:feedback-form", args=[settings.feedback_token])
    return request.build_absolute_uri(path)


def _qr_modules(url: str) -> list[list[bool]]:
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    return [[bool(cell) for cell in row] for row in widget.qr.modules]


def qr_svg(url: str, size: int = 240) -> str:
    """The QR code as inline SVG built from rectangles with presentation attributes only (the
    CSP forbids inline styles)."""
    modules = _qr_modules(url)
    count, border = len(modules), 4
    rects = []
    for r, row in enumerate(modules):
        c = 0
        for dark, run in itertools.groupby(row):
            n = len(list(run))
            if dark:
                rects.append((c + border, r + border, n))
            c += n
    side = count + 2 * border
    body = format_html_join("", '<rect x="{}" y="{}" width="{}" height="1"/>', rects)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s} {s}" width="{px}" height="{px}"'
        ' role="img" aria-label="{label}" shape-rendering="crispEdges" id="feedback-qr">'
        '<rect width="{s}" height="{s}" fill="#fff"/><g fill="#000">{body}</g></svg>',
        s=side, px=size, label=_("QR code of the feedback link"), body=body,
    )  # fmt: skip


def qr_pdf(school, url: str) -> bytes:
    """One A4 page to put up at the gate: the school, what the code is for, the code."""
    from reportlab.graphics import renderPDF
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas

    from logbook.printing_patrol import _font, _qr

    font = _font()
    out = io.BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=A4)
    page.setTitle(f"{school.name} 值班工作意见反馈")
    page.setAuthor(school.name)
    width, height = A4
    page.setFont(font, 22)
    page.drawCentredString(width / 2, height - 40 * mm, school.name)
    page.setFont(font, 18)
    page.drawCentredString(width / 2, height - 52 * mm, "值班工作意见反馈")
    page.setFont(font, 12)
    page.drawCentredString(
        width / 2, height - 62 * mm, "欢迎学生和家长扫码评价学校值班工作（无需登录）"
    )
    drawing = _qr(url)
    renderPDF.draw(drawing, page, (width - drawing.width) / 2, height - 135 * mm)
    page.setFont(font, 9)
    page.drawCentredString(width / 2, height - 142 * mm, url)
    page.showPage()
    page.save()
    return out.getvalue()


@require_GET
def feedback_link(request):
    actor = get_actor(request)
    school = queries.moderation_school(actor)
    settings = settings_for(school)
    url = _feedback_url(request, settings)
    context = {
        "school": school,
        "url": url,
        "qr": qr_svg(url) if url else "",
        "limit_form": FeedbackLimitForm(initial={"feedback_per_hour": settings.feedback_per_hour}),
    }
    return render(request, "assessment/people/feedback_link.html", context)


@require_GET
def feedback_qr(request):
    school = queries.moderation_school(get_actor(request))
    url = _feedback_url(request, settings_for(school))
    if not url:
        messages.error(request, _("Make a feedback link first."))
        return redirect("assessment:feedback-link")
    response = HttpResponse(qr_pdf(school, url), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="feedback-qr.pdf"'
    return response


@require_POST
def feedback_link_rotate(request):
    actor = get_actor(request)
    school = queries.moderation_school(actor)
    if not _confirmed(request):
        return redirect("assessment:feedback-link")
    services.rotate_feedback_token(actor=actor, school=school)
    messages.success(request, _("A new feedback link was made; printed codes with the old one no "
                                "longer work."))  # fmt: skip
    return redirect("assessment:feedback-link")


@require_POST
def feedback_limit(request):
    actor = get_actor(request)
    school = queries.moderation_school(actor)
    form = FeedbackLimitForm(request.POST)
    if form.is_valid():
        settings = settings_for(school)
        AssessmentSettings.objects.filter(pk=settings.pk).update(
            feedback_per_hour=form.cleaned_data["feedback_per_hour"], updated_at=timezone.now()
        )
        messages.success(request, _("The limit is saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("assessment:feedback-link")


@require_GET
def feedback_list(request):
    actor = get_actor(request)
    school = queries.moderation_school(actor)
    status = request.GET.get("status", FeedbackStatus.PENDING)
    if status not in (*FeedbackStatus.values, "all"):
        status = FeedbackStatus.PENDING
    context = {
        "status": status,
        "statuses": [
            (FeedbackStatus.PENDING, _("Awaiting moderation")),
            (FeedbackStatus.APPROVED, _("Approved")),
            (FeedbackStatus.REJECTED, _("Hidden")),
        ],
        "counts": queries.feedback_counts(school),
        "page": _page(request, queries.feedback_list(school, status)),
    }
    return render(request, "assessment/people/feedback_list.html", context)


@require_POST
def feedback_moderate(request, pk: int):
    actor = get_actor(request)
    row = queries.get_feedback_for_user(actor, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "hide"):
        messages.error(request, _("Choose approve or hide."))
    else:
        services.moderate(actor=actor, feedback=row, approve=decision == "approve")
        messages.success(
            request,
            _("Approved: it counts toward the score.") if decision == "approve"
            else _("Hidden: it does not count."),
        )  # fmt: skip
    back = request.POST.get("status", FeedbackStatus.PENDING)
    if back not in (*FeedbackStatus.values, "all"):
        back = FeedbackStatus.PENDING
    return redirect(f"{reverse('assessment:feedback')}?status={back}")


# ---- rewards and penalties ------------------------------------------------------------------
@require_GET
def proposals(request):
    actor = get_actor(request)
    status = request.GET.get("status", "")
    rows = queries.proposals_for(actor, status or None)
    context = {
        "page": _page(request, rows),
        "status": status,
        "statuses": ProposalStatus.choices,
        "can_propose": awards.can_propose(actor),
        "is_office": queries.is_office(actor),
    }
    return render(request, "assessment/people/proposals.html", context)


@require_http_methods(["GET", "POST"])
def proposal_new(request):
    actor = get_actor(request)
    if not awards.can_propose(actor):
        raise PermissionDenied
    me = actor.staff
    initial = {}
    flag = None
    raw_flag = request.GET.get("flag") or request.POST.get("flag")
    if raw_flag and raw_flag.isdigit():
        flag = ReviewFlag.objects.filter(pk=int(raw_flag), school=me.school).first()
        if flag is not None:
            initial = {"subject": flag.staff_id, "flag": flag.pk,
                       "month": f"{flag.last_month:%Y-%m}"}  # fmt: skip
    if request.GET.get("subject", "").isdigit():
        initial["subject"] = int(request.GET["subject"])
    form = ProposalForm(request.POST or None, school=me.school, me=me, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = awards.propose(
                actor=actor, subject=data["subject"], action=data["action"],
                reason=data["reason"], evidence=data["evidence"], amount=data["amount"],
                month=data["month"], flag=flag,
            )  # fmt: skip
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Proposed; the principal is told."))
            return redirect("assessment:proposal", proposal.pk)
    subject = form["subject"].value()
    history = []
    if subject and str(subject).isdigit():
        person = Staff.objects.filter(pk=int(subject), school=me.school).first()
        history = queries.ladder_history(person) if person else []
    context = {"form": form, "flag": flag, "history": history}
    return render(request, "assessment/people/proposal_form.html", context,
                  status=400 if form.errors else 200)  # fmt: skip


def _proposal_page(request, actor, proposal, *, decision_form=None, response_form=None,
                   status=200):  # fmt: skip
    is_principal = awards.is_principal_of(actor, proposal.school_id)
    is_subject = actor.staff is not None and proposal.subject_id == actor.staff.pk
    open_ = proposal.status == ProposalStatus.PROPOSED
    context = {
        "proposal": proposal,
        "can_decide": is_principal and open_,
        "can_withdraw": open_ and proposal.proposed_by_id == actor.user.pk,
        "can_respond": is_subject and proposal.status == ProposalStatus.APPROVED,
        "is_subject": is_subject,
        "can_see_month": is_subject or is_principal,
        "decision_form": decision_form or DecisionForm(),
        "response_form": response_form or ResponseForm(initial={"response": proposal.response}),
        "history": (
            queries.ladder_history(proposal.subject, exclude=proposal.pk)
            if (is_principal or queries.is_office(actor))
            else []
        ),
        "ladder_step": queries.ladder_step(proposal.action),
    }
    return render(request, "assessment/people/proposal.html", context, status=status)


@require_GET
def proposal(request, pk: int):
    actor = get_actor(request)
    return _proposal_page(request, actor, queries.get_proposal_for_user(actor, pk))


@require_POST
def proposal_decide(request, pk: int):
    actor = get_actor(request)
    row = queries.get_proposal_for_user(actor, pk)
    if not awards.is_principal_of(actor, row.school_id):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            awards.decide(proposal=row, actor=actor, approve=approve,
                          note=form.cleaned_data["decision_note"])  # fmt: skip
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Approved; the person is told.") if approve
                             else _("Rejected."))  # fmt: skip
            return redirect("assessment:proposal", row.pk)
    return _proposal_page(request, actor, row, decision_form=form, status=400)


@require_POST
def proposal_withdraw(request, pk: int):
    actor = get_actor(request)
    row = queries.get_proposal_for_user(actor, pk)
    if row.proposed_by_id != actor.user.pk:
        raise PermissionDenied
    if not _confirmed(request):
        return redirect("assessment:proposal", row.pk)
    try:
        awards.withdraw(proposal=row, actor=actor)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The proposal is withdrawn."))
    return redirect("assessment:proposal", row.pk)


@require_POST
def proposal_respond(request, pk: int):
    actor = get_actor(request)
    row = queries.get_proposal_for_user(actor, pk)
    if actor.staff is None or row.subject_id != actor.staff.pk:
        raise PermissionDenied
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            awards.respond(proposal=row, actor=actor, text=form.cleaned_data["response"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your response is saved beside the decision."))
            return redirect("assessment:proposal", row.pk)
    return _proposal_page(request, actor, row, response_form=form, status=400)


# ---- review flags ---------------------------------------------------------------------------
@require_GET
def flags(request):
    school = queries.principal_school(get_actor(request))
    status = request.GET.get("status", FlagStatus.OPEN)
    if status not in (*FlagStatus.values, "all"):
        status = FlagStatus.OPEN
    context = {
        "status": status,
        "statuses": [(FlagStatus.OPEN, _("Awaiting review")), (FlagStatus.CLOSED, _("Reviewed"))],
        "page": _page(request, queries.flags_for(school, status)),
        "form": FlagCloseForm(),
    }
    return render(request, "assessment/people/flags.html", context)


@require_POST
def flag_close(request, pk: int):
    actor = get_actor(request)
    flag = queries.get_flag_for_user(actor, pk)
    form = FlagCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the outcome of the review."))
    else:
        try:
            awards.close_flag(flag=flag, actor=actor, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("The flag is closed with the outcome of the review."))
    return redirect("assessment:flags")
