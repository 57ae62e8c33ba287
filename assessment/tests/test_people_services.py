"""Peer review, feedback, proposals and flags through their services, against the database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from assessment.models import (
    Feedback,
    FeedbackStatus,
    FlagStatus,
    MonthScore,
    PeerReview,
    Proposal,
    ProposalStatus,
    ReviewFlag,
)
from assessment.services import awards, people
from assessment.services.config import settings_for
from assessment.services.record import compute_month
from assessment.tests.factories_people import shared_yesterday, this_month
from notifications.models import Notice
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English here (the pages speak Chinese: see the views tests)."""
    with translation.override("en"):
        yield


def as_(member):
    return actor_for(member.user)


def review(cast, reviewer, reviewee, rating=4, month=None, **extra):
    return people.write_review(actor=as_(reviewer), reviewee=reviewee,
                               month=month or this_month(), rating=rating, **extra)  # fmt: skip


# ---- peer review ----------------------------------------------------------------------------
def test_colleagues_on_a_shared_shift_review_each_other_once_a_month(cast):
    shared_yesterday(cast)
    first = review(cast, cast.leader, cast.teacher, 4, strengths="巡查认真")
    assert (first.reviewer, first.reviewee, first.month) == (cast.leader, cast.teacher,
                                                             this_month())  # fmt: skip
    with pytest.raises(ValidationError) as second:
        review(cast, cast.leader, cast.teacher, 1)
    assert "one review per colleague a month" in " ".join(second.value.messages)
    assert PeerReview.objects.filter(reviewee=cast.teacher).count() == 1
    # The other direction and another colleague are separate pairs.
    review(cast, cast.teacher, cast.leader, 5)
    review(cast, cast.guard, cast.teacher, 2)
    assert PeerReview.objects.count() == 3


def test_no_review_without_a_shared_shift_of_yourself_or_of_a_closed_month(cast):
    shared_yesterday(cast)
    with pytest.raises(ValidationError, match="did not share a shift"):
        review(cast, cast.tech, cast.teacher)  # tech was not on the shift
    with pytest.raises(ValidationError, match="yourself"):
        review(cast, cast.teacher, cast.teacher)
    long_ago = (this_month() - timedelta(days=70)).replace(day=1)
    with pytest.raises(ValidationError, match="current or the previous month"):
        review(cast, cast.leader, cast.teacher, month=long_ago)
    with pytest.raises(PermissionDenied):
        review(cast, cast.leader, cast.other_teacher)  # another school
    MonthScore.objects.create(school=cast.school, staff=cast.teacher, month=this_month(),
                              finalized_at=timezone.now())  # fmt: skip
    with pytest.raises(ValidationError, match="final"):
        review(cast, cast.leader, cast.teacher)
    with pytest.raises(ValidationError, match="1 to 5"):
        review(cast, cast.guard, cast.leader, rating=6)
    assert not PeerReview.objects.exists()


def test_a_shift_in_the_future_is_not_shared_yet(cast):
    """On one controlled clock (with the real one, tomorrow is next month on a month's last
    day, and that month is not open for reviews yet)."""
    from logbook.tests.factories import at, make_roster, staffed_shift

    day = date(2026, 12, 16)
    staffed_shift(cast, "白班", day, roster=make_roster(cast.school, start=day, days=1))
    with pytest.raises(ValidationError, match="did not share a shift"):
        review(cast, cast.leader, cast.teacher, month=day.replace(day=1), now=at(day, 7, 59))


def test_only_the_reviewer_withdraws_a_review(cast):
    shared_yesterday(cast)
    row = review(cast, cast.leader, cast.teacher)
    with pytest.raises(PermissionDenied):
        people.withdraw_review(actor=as_(cast.teacher), review=row)
    with pytest.raises(PermissionDenied):
        people.withdraw_review(actor=as_(cast.principal), review=row)
    people.withdraw_review(actor=as_(cast.leader), review=row)
    assert not PeerReview.objects.exists()


# ---- feedback -------------------------------------------------------------------------------
def submit(cast, key="k1", now=None, **extra):
    data = {"source": "parent", "rating": 4, "comment": "门口值班很负责", **extra}
    return people.submit_feedback(school=cast.school, key=key, now=now, **data)


def test_a_flood_from_one_client_is_refused_after_the_hourly_limit(cast):
    settings_for(cast.school)  # default: 3 an hour
    now = timezone.now()
    for n in range(3):
        submit(cast, now=now + timedelta(minutes=n))
    with pytest.raises(ValidationError) as refused:
        submit(cast, now=now + timedelta(minutes=5))
    assert refused.value.code == "rate_limited"
    assert "3" in refused.value.messages[0] and "last hour" in refused.value.messages[0]
    assert Feedback.objects.count() == 3  # nothing stored for the refused one
    submit(cast, key="another-device", now=now + timedelta(minutes=6))  # others unaffected
    submit(cast, now=now + timedelta(minutes=61))  # the first one is outside the window now
    assert Feedback.objects.count() == 5


def test_the_limit_is_the_schools_setting(cast):
    settings = settings_for(cast.school)
    settings.feedback_per_hour = 1
    settings.save(update_fields=["feedback_per_hour"])
    submit(cast)
    with pytest.raises(ValidationError):
        submit(cast)


def test_the_address_is_kept_only_as_a_keyed_hash():
    key = people.client_key("203.0.113.7")
    assert len(key) == 64 and "203.0.113.7" not in key
    assert key == people.client_key("203.0.113.7") != people.client_key("203.0.113.8")


def test_only_approved_feedback_counts_and_only_the_office_moderates(cast):
    row = submit(cast, about=cast.teacher, rating=2)
    assert row.status == FeedbackStatus.PENDING
    month = timezone.localdate().replace(day=1)
    compute_month(school=cast.school, month=month)
    assert MonthScore.objects.get(staff=cast.teacher, month=month).feedback is None
    for who in (cast.teacher, cast.leader, cast.other_admin):
        with pytest.raises(PermissionDenied):
            people.moderate(actor=as_(who), feedback=row, approve=True)
    people.moderate(actor=as_(cast.admin), feedback=row, approve=True)
    compute_month(school=cast.school, month=month)
    assert MonthScore.objects.get(staff=cast.teacher, month=month).feedback == Decimal("40.0")
    people.moderate(actor=as_(cast.principal), feedback=row, approve=False)  # hidden again
    row.refresh_from_db()
    assert row.status == FeedbackStatus.REJECTED and row.moderated_by == cast.principal.user


def test_feedback_about_someone_of_another_school_is_refused(cast):
    with pytest.raises(ValidationError):
        submit(cast, about=cast.other_teacher)


def test_a_new_link_retires_the_old_one(cast):
    from django.http import Http404

    from assessment.queries.people import school_for_feedback_token

    old = settings_for(cast.school).feedback_token
    assert school_for_feedback_token(old) == cast.school
    with pytest.raises(PermissionDenied):
        people.rotate_feedback_token(actor=as_(cast.teacher), school=cast.school)
    new = people.rotate_feedback_token(actor=as_(cast.admin), school=cast.school)
    assert school_for_feedback_token(new) == cast.school
    with pytest.raises(Http404):
        school_for_feedback_token(old)


# ---- proposals ----------------------------------------------------------------------------
def propose(cast, who=None, subject=None, action="verbal", **extra):
    data = {"reason": "夜班巡查未到岗", "evidence": "10月检查记录", **extra}
    return awards.propose(actor=as_(who or cast.leader), subject=subject or cast.guard,
                          action=action, **data)  # fmt: skip


def test_a_leader_proposes_and_the_principal_is_told(cast):
    proposal = propose(cast)
    assert (proposal.kind, proposal.status) == ("penalty", ProposalStatus.PROPOSED)
    assert Notice.objects.filter(
        recipient=cast.principal.user,
        channel="inapp",
        event=f"assessment:proposal:{proposal.pk}:proposed",
    ).exists()
    reward = propose(cast, who=cast.admin, action="bonus", amount=Decimal("200"), evidence="")
    assert reward.kind == "reward" and reward.amount == Decimal("200")


def test_proposals_are_checked(cast):
    with pytest.raises(PermissionDenied):
        propose(cast, who=cast.teacher)  # teachers do not propose
    with pytest.raises(PermissionDenied):
        propose(cast, subject=cast.other_teacher)
    cases = [
        ({"evidence": ""}, "evidence"),  # a penalty needs its evidence
        ({"subject": cast.leader}, "subject"),  # not about yourself
        ({"subject": cast.principal}, "subject"),  # the principal decides, so not about them
        ({"action": "praise", "amount": Decimal("50")}, "amount"),  # amount only with a bonus
        ({"reason": "  "}, "reason"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as bad:
            propose(cast, **extra)
        assert field in bad.value.message_dict, extra
    with pytest.raises(ValidationError):
        propose(cast, action="sacked")
    assert not Proposal.objects.exists()


def test_only_the_principal_decides_once_and_the_person_is_told(cast):
    proposal = propose(cast)
    for who in (cast.leader, cast.admin, cast.guard):
        with pytest.raises(PermissionDenied):
            awards.decide(proposal=proposal, actor=as_(who), approve=True)
    with pytest.raises(ValidationError):
        awards.decide(proposal=proposal, actor=as_(cast.principal), approve=False, note="")
    done = awards.decide(proposal=proposal, actor=as_(cast.principal), approve=True,
                         note="属实")  # fmt: skip
    assert (done.status, done.decided_by, done.decision_note) == (
        ProposalStatus.APPROVED, cast.principal.user, "属实")  # fmt: skip
    assert Notice.objects.filter(recipient=cast.guard.user, channel="inapp").count() == 1
    assert Notice.objects.filter(recipient=cast.leader.user, channel="inapp").exists()
    with pytest.raises(ValidationError, match="already been decided"):
        awards.decide(proposal=proposal, actor=as_(cast.principal), approve=False, note="改")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_the_person_responds_to_an_approved_measure_only(cast):
    proposal = propose(cast)
    with pytest.raises(ValidationError):
        awards.respond(proposal=proposal, actor=as_(cast.guard), text="说明")  # not decided yet
    awards.decide(proposal=proposal, actor=as_(cast.principal), approve=True)
    with pytest.raises(PermissionDenied):
        awards.respond(proposal=proposal, actor=as_(cast.leader), text="代写")
    with pytest.raises(ValidationError):
        awards.respond(proposal=proposal, actor=as_(cast.guard), text=" ")
    awards.respond(proposal=proposal, actor=as_(cast.guard), text="当晚身体不适，已补请假。")
    proposal.refresh_from_db()
    assert proposal.response.startswith("当晚") and proposal.responded_at is not None
    assert Notice.objects.filter(
        recipient=cast.principal.user, event=f"assessment:proposal:{proposal.pk}:response"
    ).exists()


def test_the_proposer_withdraws_an_undecided_proposal(cast):
    proposal = propose(cast)
    with pytest.raises(PermissionDenied):
        awards.withdraw(proposal=proposal, actor=as_(cast.admin))
    awards.withdraw(proposal=proposal, actor=as_(cast.leader))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        awards.decide(proposal=proposal, actor=as_(cast.principal), approve=True)


def test_an_approved_penalty_does_not_touch_the_score(cast):
    """No one-strike veto: a penalty is a record beside the score, never a change to it."""
    from assessment.tests.factories_record import criterion, inspect

    month = date(2026, 10, 1)
    crit = criterion(cast.school)
    inspect(cast.school, month, cast.leader, {(cast.guard, crit): "18"})
    compute_month(school=cast.school, month=month)
    before = MonthScore.objects.get(staff=cast.guard, month=month).total
    proposal = propose(cast, action="transfer", month=month)
    awards.decide(proposal=proposal, actor=as_(cast.principal), approve=True, note="严重违纪")
    compute_month(school=cast.school, month=month)
    assert MonthScore.objects.get(staff=cast.guard, month=month).total == before == Decimal("90.0")


# ---- review flags -------------------------------------------------------------------------
def test_raise_flag_is_idempotent_extends_a_run_and_tells_the_principal_once(cast):
    sep, oct_, nov = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
    flag = awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=sep,
                             last_month=oct_)  # fmt: skip
    again = awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=sep,
                              last_month=oct_)  # fmt: skip
    assert again.pk == flag.pk
    longer = awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=oct_,
                               last_month=nov)  # fmt: skip
    assert longer.pk == flag.pk and longer.last_month == nov
    # The previous month recomputed later: still the one flag.
    awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=sep, last_month=oct_)
    assert ReviewFlag.objects.count() == 1
    assert Notice.objects.filter(recipient=cast.principal.user, channel="inapp").count() == 1


def test_the_principal_closes_a_flag_with_the_outcome(cast):
    sep, oct_, nov = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
    flag = awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=sep,
                             last_month=oct_)  # fmt: skip
    with pytest.raises(PermissionDenied):
        awards.close_flag(flag=flag, actor=as_(cast.admin), note="看过")
    with pytest.raises(ValidationError):
        awards.close_flag(flag=flag, actor=as_(cast.principal), note="")
    awards.close_flag(flag=flag, actor=as_(cast.principal), note="已谈话，身体原因")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLOSED and flag.closed_by == cast.principal.user
    with pytest.raises(ValidationError):
        awards.close_flag(flag=flag, actor=as_(cast.principal), note="再次")
    # A new run after the review is a new flag.
    new = awards.raise_flag(school=cast.school, staff=cast.teacher, first_month=oct_,
                            last_month=nov)  # fmt: skip
    assert new.pk != flag.pk and new.status == FlagStatus.OPEN


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_cannot_slip_past_the_limit(cast):
    """Eight requests from one client at the same moment, a limit of 2: the count is taken
    under a lock on the school's settings row, so exactly 2 are stored."""
    import threading

    from django.db import connection

    settings = settings_for(cast.school)
    settings.feedback_per_hour = 2
    settings.save(update_fields=["feedback_per_hour"])
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def send():
        try:
            start.wait()
            submit(cast, key="same-phone")
            outcomes.append("stored")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 6 + ["stored"] * 2
    assert Feedback.objects.filter(client_key="same-phone").count() == 2
