"""The people part's pages: who sees what (reviewers hidden from the reviewed, rankings and names
for the principal only, ids of another school 404), the public feedback form and its limit, the
QR code, proposals from form to decision to response, flags, pagination."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    Feedback,
    FeedbackStatus,
    FlagStatus,
    PeerReview,
    Proposal,
    ProposalStatus,
)
from assessment.services import awards
from assessment.services.config import settings_for
from assessment.tests.factories_people import shared_yesterday, this_month
from notifications.models import Notice
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


def as_(member):
    return actor_for(member.user)


def login(client, who):
    client.force_login(who.user)
    return client


def section(html: str, start: str, end: str) -> str:
    return html.split(f'id="{start}"', 1)[1].split(f'id="{end}"', 1)[0]


def reviews_url() -> str:
    """The reviews page at the month of the shared shift (yesterday's: on the 1st of a month
    that is last month, and the page opens at this month)."""
    return reverse("assessment:reviews") + f"?month={this_month():%Y-%m}"


def write(client, reviewer, reviewee, rating=4, **extra):
    login(client, reviewer)
    url = reverse("assessment:review-new", args=[reviewee.pk])
    return client.post(f"{url}?month={this_month():%Y-%m}", {"rating": rating, **extra})


# ---- peer review ----------------------------------------------------------------------------
def test_a_teacher_reviews_colleagues_from_the_shared_shift_once(client, cast):
    shared_yesterday(cast)
    page = login(client, cast.teacher).get(reviews_url())
    colleagues = section(page.content.decode(), "colleagues", "received")
    assert cast.leader.name in colleagues and cast.guard.name in colleagues
    assert cast.tech.name not in colleagues
    response = write(client, cast.teacher, cast.leader, 5, strengths="指挥得当")
    assert response.status_code == 302
    again = write(client, cast.teacher, cast.leader, 1)
    assert again.status_code == 400
    assert "只能评价一次" in str(again.context["form"].non_field_errors())
    assert PeerReview.objects.get(reviewer=cast.teacher).rating == 5
    bad = write(client, cast.teacher, cast.guard, 9)
    assert bad.status_code == 400 and not PeerReview.objects.filter(reviewee=cast.guard).exists()


def test_no_review_form_without_a_shared_shift_and_none_across_schools(client, cast):
    shared_yesterday(cast)
    login(client, cast.teacher)
    assert client.get(reverse("assessment:review-new", args=[cast.tech.pk])).status_code == 403
    other = reverse("assessment:review-new", args=[cast.other_teacher.pk])
    assert client.get(other).status_code == 404
    assert write(client, cast.tech, cast.teacher).status_code == 403
    assert not PeerReview.objects.exists()


def test_the_reviewed_person_sees_the_aggregate_never_the_reviewers(client, cast):
    shared_yesterday(cast)
    write(client, cast.leader, cast.teacher, 4, strengths="巡查认真", improvements="记录再细些")
    page = login(client, cast.teacher).get(reviews_url()).content.decode()
    received = section(page, "received", "written")
    assert "4.0" in received and "巡查认真" not in received  # one review: comments withheld
    write(client, cast.guard, cast.teacher, 5, strengths="交接清楚")
    page = login(client, cast.teacher).get(reviews_url()).content.decode()
    received = section(page, "received", "written")
    assert "4.5" in received and "巡查认真" in received and "交接清楚" in received
    for name in (cast.leader.name, cast.guard.name):
        assert name not in received
    # The reviewed person cannot open or withdraw a review written about them.
    row = PeerReview.objects.get(reviewer=cast.leader)
    assert client.post(reverse("assessment:review-withdraw", args=[row.pk])).status_code == 403
    assert client.get(reverse("assessment:reviews-school")).status_code == 403


def test_the_principal_sees_who_reviewed_whom(client, cast):
    shared_yesterday(cast)
    write(client, cast.leader, cast.teacher, 3, improvements="迟到")
    page = login(client, cast.principal).get(
        reverse("assessment:reviews-school") + f"?month={this_month():%Y-%m}"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert cast.leader.name in text and cast.teacher.name in text and "迟到" in text
    for who in (cast.admin, cast.leader, cast.teacher):
        login(client, who)
        assert client.get(reverse("assessment:reviews-school")).status_code == 403


def test_the_reviewer_withdraws_their_review_with_a_confirmation(client, cast):
    shared_yesterday(cast)
    write(client, cast.leader, cast.teacher, 2)
    row = PeerReview.objects.get()
    page = login(client, cast.leader).get(reviews_url()).content.decode()
    assert 'name="confirm"' in page.split('id="written"')[1]
    unticked = client.post(reverse("assessment:review-withdraw", args=[row.pk]))
    assert unticked.status_code == 302 and PeerReview.objects.exists()
    response = client.post(reverse("assessment:review-withdraw", args=[row.pk]), {"confirm": "1"})
    assert response.status_code == 302 and not PeerReview.objects.exists()
    login(client, cast.other_admin)
    assert client.post(reverse("assessment:review-withdraw", args=[row.pk])).status_code == 404


# ---- feedback -------------------------------------------------------------------------------
def feedback_url(cast) -> str:
    return reverse("assessment:feedback-form", args=[settings_for(cast.school).feedback_token])


def test_the_feedback_form_needs_no_login_and_refuses_a_flood(client, cast):
    shared_yesterday(cast)
    url = feedback_url(cast)
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert cast.teacher.name in page.content.decode()  # on duty yesterday: may be named
    assert cast.tech.name not in page.content.decode()  # not on duty: not listed
    data = {"source": "parent", "about": cast.teacher.pk, "rating": 5, "comment": "很负责"}
    for _n in range(3):
        sent = client.post(url, data, REMOTE_ADDR="198.51.100.9")
        assert sent.status_code == 302 and sent["Location"].endswith("?sent=1")
    refused = client.post(url, data, REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429
    assert "一小时内已提交 3 条反馈" in refused.content.decode()
    assert Feedback.objects.count() == 3
    assert client.post(url, data, REMOTE_ADDR="198.51.100.10").status_code == 302
    assert Feedback.objects.count() == 4
    assert not Feedback.objects.filter(client_key__contains="198.51").exists()
    assert set(Feedback.objects.values_list("status", flat=True)) == {FeedbackStatus.PENDING}
    thanks = client.get(url + "?sent=1")
    assert 'id="feedback-thanks"' in thanks.content.decode()


def test_bad_feedback_is_explained_and_unknown_links_are_404(client, cast):
    url = feedback_url(cast)
    bad = client.post(url, {"source": "alien", "rating": 0, "about": 99999})
    assert bad.status_code == 400 and not Feedback.objects.exists()
    assert client.get(reverse("assessment:feedback-form", args=["nope"])).status_code == 404


def test_the_office_moderates_and_others_cannot(client, cast):
    row = Feedback.objects.create(school=cast.school, source="student", rating=4, client_key="x",
                                  comment="门卫叔叔很好")  # fmt: skip
    moderate = reverse("assessment:feedback-moderate", args=[row.pk])
    login(client, cast.teacher)
    assert client.get(reverse("assessment:feedback")).status_code == 403
    assert client.post(moderate, {"decision": "approve"}).status_code == 403
    login(client, cast.other_admin)
    assert client.post(moderate, {"decision": "approve"}).status_code == 404
    row.refresh_from_db()
    assert row.status == FeedbackStatus.PENDING
    login(client, cast.admin)
    listing = client.get(reverse("assessment:feedback")).content.decode()
    assert "门卫叔叔很好" in listing
    assert client.post(moderate, {"decision": "approve"}).status_code == 302
    row.refresh_from_db()
    assert row.status == FeedbackStatus.APPROVED and row.moderated_by == cast.admin.user
    client.post(moderate, {"decision": "hide"})
    row.refresh_from_db()
    assert row.status == FeedbackStatus.REJECTED


def test_the_qr_page_the_printable_code_and_a_new_link(client, cast):
    login(client, cast.principal)
    page = client.get(reverse("assessment:feedback-link")).content.decode()
    old = settings_for(cast.school).feedback_token
    assert 'id="feedback-qr"' in page and "<rect" in page and old in page
    pdf = client.get(reverse("assessment:feedback-qr"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.post(reverse("assessment:feedback-link-rotate"))  # not ticked: the link stays
    assert client.get(reverse("assessment:feedback-form", args=[old])).status_code == 200
    client.post(reverse("assessment:feedback-link-rotate"), {"confirm": "1"})
    assert client.get(reverse("assessment:feedback-form", args=[old])).status_code == 404
    assert client.get(feedback_url(cast)).status_code == 200
    client.post(reverse("assessment:feedback-limit"), {"feedback_per_hour": 5})
    assert settings_for(cast.school).feedback_per_hour == 5
    login(client, cast.teacher)
    assert client.get(reverse("assessment:feedback-link")).status_code == 403
    assert client.post(reverse("assessment:feedback-link-rotate")).status_code == 403


# ---- proposals ----------------------------------------------------------------------------
def test_a_leader_proposes_through_the_form_with_clear_errors(client, cast):
    login(client, cast.leader)
    url = reverse("assessment:proposal-new")
    form = client.get(url).content.decode()
    assert "口头警告" in form and "通报表扬" in form
    missing = client.post(url, {"subject": cast.guard.pk, "action": "verbal", "reason": "迟到"})
    assert missing.status_code == 400 and not Proposal.objects.exists()
    assert "evidence" in missing.context["form"].errors
    principal = client.post(url, {"subject": cast.principal.pk, "action": "praise", "reason": "好"})
    assert principal.status_code == 400  # not in the list
    other = client.post(url, {"subject": cast.other_teacher.pk, "action": "praise", "reason": "好"})
    assert other.status_code == 400
    done = client.post(url, {"subject": cast.guard.pk, "action": "verbal", "reason": "夜班脱岗",
                             "evidence": "10月检查", "month": "2026-10"})  # fmt: skip
    proposal = Proposal.objects.get()
    assert done["Location"] == reverse("assessment:proposal", args=[proposal.pk])
    assert proposal.month == date(2026, 10, 1) and proposal.proposed_by == cast.leader.user
    login(client, cast.teacher)
    assert client.get(url).status_code == 403


def make(cast, subject=None, action="verbal", who=None):
    return awards.propose(actor=as_(who or cast.leader), subject=subject or cast.guard,
                          action=action, reason="夜班脱岗", evidence="检查记录")  # fmt: skip


def test_who_sees_a_proposal(client, cast):
    proposal = make(cast)
    url = reverse("assessment:proposal", args=[proposal.pk])
    for who, status in (
        (cast.principal, 200),
        (cast.admin, 200),
        (cast.leader, 200),
        (cast.guard, 403),
        (cast.teacher, 403),
        (cast.other_admin, 404),
    ):
        assert login(client, who).get(url).status_code == status, who  # fmt: skip
    # The person sees it once approved (and the list shows them only theirs).
    awards.decide(proposal=proposal, actor=as_(cast.principal), approve=True, note="属实")
    assert login(client, cast.guard).get(url).status_code == 200
    assert cast.guard.name in client.get(reverse("assessment:proposals")).content.decode()
    teacher_list = login(client, cast.teacher).get(reverse("assessment:proposals"))
    assert "夜班脱岗" not in teacher_list.content.decode() and cast.guard.name not in (
        teacher_list.content.decode()
    )


def test_only_the_principal_decides_and_the_person_is_told_and_responds(client, cast):
    proposal = make(cast)
    decide = reverse("assessment:proposal-decide", args=[proposal.pk])
    for who in (cast.leader, cast.admin):
        assert login(client, who).post(decide, {"decision": "approve"}).status_code == 403
    login(client, cast.principal)
    page = client.get(reverse("assessment:proposal", args=[proposal.pk])).content.decode()
    assert 'name="decision_note"' in page and 'value="approve"' in page
    rejected = client.post(decide, {"decision": "reject", "decision_note": ""})
    assert rejected.status_code == 400  # a rejection needs its note
    response = client.post(decide, {"decision": "approve", "decision_note": "情况属实"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED and proposal.decision_note == "情况属实"
    assert Notice.objects.filter(recipient=cast.guard.user, channel="inapp").exists()
    # Twice: refused with a message, nothing changes.
    again = client.post(decide, {"decision": "reject", "decision_note": "改主意"})
    assert again.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    respond = reverse("assessment:proposal-respond", args=[proposal.pk])
    assert login(client, cast.leader).post(respond, {"response": "代答"}).status_code == 403
    login(client, cast.guard)
    assert client.post(respond, {"response": "已知悉，当晚身体不适。"}).status_code == 302
    shown = client.get(reverse("assessment:proposal", args=[proposal.pk])).content.decode()
    assert "当晚身体不适" in shown and 'id="proposal-response"' in shown


def test_the_proposer_withdraws_with_a_confirmation(client, cast):
    proposal = make(cast)
    login(client, cast.leader)
    page = client.get(reverse("assessment:proposal", args=[proposal.pk])).content.decode()
    assert 'name="confirm"' in page
    withdraw = reverse("assessment:proposal-withdraw", args=[proposal.pk])
    assert login(client, cast.admin).post(withdraw, {"confirm": "1"}).status_code == 403
    login(client, cast.leader).post(withdraw)  # not ticked: nothing happens
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert client.post(withdraw, {"confirm": "1"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN


def test_long_lists_are_paged(client, cast):
    for _n in range(23):
        make(cast, action="praise")
    login(client, cast.principal)
    first = client.get(reverse("assessment:proposals")).content.decode()
    assert len(re.findall(r'href="/assessment/proposals/\d+/"', first)) == 20
    assert "page=2" in first
    second = client.get(reverse("assessment:proposals") + "?page=2").content.decode()
    assert len(re.findall(r'href="/assessment/proposals/\d+/"', second)) == 3


# ---- flags ------------------------------------------------------------------------------
def test_flags_are_the_principals_and_close_with_an_outcome(client, cast):
    flag = awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=date(2026, 9, 1),
                             last_month=date(2026, 10, 1))  # fmt: skip
    close = reverse("assessment:flag-close", args=[flag.pk])
    for who in (cast.admin, cast.leader, cast.teacher):
        login(client, who)
        assert client.get(reverse("assessment:flags")).status_code == 403
        assert client.post(close, {"note": "看过"}).status_code == 403
    assert login(client, cast.other_admin).post(close, {"note": "x"}).status_code == 404
    login(client, cast.principal)
    page = client.get(reverse("assessment:flags")).content.decode()
    assert cast.teacher.name in page and f"?flag={flag.pk}" in page
    form = client.get(reverse("assessment:proposal-new") + f"?flag={flag.pk}")
    assert form.context["form"].initial["subject"] == cast.teacher.pk
    client.post(close, {"note": ""})
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    client.post(close, {"note": "已谈话"})
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLOSED and flag.note == "已谈话"


def test_pages_cost_a_fixed_number_of_queries(client, cast, django_assert_max_num_queries):
    for _n in range(15):
        make(cast, action="praise")
    Feedback.objects.bulk_create(
        Feedback(school=cast.school, source="parent", rating=3, client_key=f"k{n}",
                 about=cast.teacher) for n in range(25)
    )  # fmt: skip
    login(client, cast.principal)
    for name in ("assessment:proposals", "assessment:feedback", "assessment:flags"):
        with django_assert_max_num_queries(15):
            assert client.get(reverse(name)).status_code == 200


def test_amounts_and_months_show_on_the_page(client, cast):
    proposal = awards.propose(actor=as_(cast.principal), subject=cast.guard, action="bonus",
                              reason="处置及时", amount=Decimal("300"),
                              month=timezone.localdate() - timedelta(days=40))  # fmt: skip
    page = login(client, cast.principal).get(reverse("assessment:proposal", args=[proposal.pk]))
    assert "300" in page.content.decode()
