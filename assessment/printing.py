"""The annual assessment record (年度考核档案) as an A4 PDF for the personnel file: scores by
month and term, inspections with their notes, rewards, penalties with the person's responses,
training and drills. Chinese is set in reportlab's built-in CID font, as roster/printing.py does.
"""

from __future__ import annotations

import io
import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Spacer

from incidents.printing import MARGIN, _p, _styles, _table
from roster.printing import _font


def _local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d") if moment else ""


def _section(title, header, rows, widths, st, usable, font) -> list:
    if not rows:
        return [_p(title, st["head"]), _p(_("None."), st["body"])]
    body = [[_p(h, st["body"]) for h in header]]
    body += [[_p(cell, st["body"]) for cell in row] for row in rows]
    return [_p(title, st["head"]), _table(body, [usable * w for w in widths], font)]


def _parts(score) -> str:
    named = ((_("Inspections"), score.inspection), (_("Peer review"), score.peer),
             (_("Feedback"), score.feedback))  # fmt: skip
    return "，".join(f"{label} {value}" for label, value in named if value is not None)


def record_pdf(record: dict) -> bytes:
    font = _font()
    st = _styles(font)
    person, year, settings = record["person"], record["year"], record["settings"]
    zone = zoneinfo.ZoneInfo(person.school.time_zone)
    usable = A4[0] - 2 * MARGIN
    title = _("Annual assessment record %(year)s") % {"year": year}
    story = [
        _p(f"{person.school.name}　{title}", st["title"]),
        Spacer(1, 3),
        _p(
            _("%(name)s, %(position)s, scores out of %(full)s")
            % {"name": person.name, "position": person.position, "full": settings.full_marks},
            st["body"],
        ),
    ]
    months = [
        (
            f"{m:%Y-%m}",
            "—" if s is None or s.total is None else f"{s.total}",
            "" if s is None else _parts(s),
            _("Below the pass mark") if s is not None and s.failing else "",
        )
        for m, s in record["months"]
    ]
    story += _section(
        _("Month scores"),
        (_("Month"), _("Score"), _("Parts (%)"), _("Note")),
        months, (0.2, 0.2, 0.35, 0.25), st, usable, font,
    )  # fmt: skip
    terms = [(t["term"].name, "—" if t["mean"] is None else f"{t['mean']:.1f}")
             for t in record["terms"]]  # fmt: skip
    story += _section(_("Term scores"), (_("Term"), _("Score")), terms, (0.6, 0.4),
                      st, usable, font)  # fmt: skip
    inspections = [
        (
            f"{v.inspection.month:%Y-%m} {v.inspection.get_kind_display()}",
            f"{v.points}/{v.most}",
            "\n".join(
                [v.inspection.notes, *(f"{s.criterion.name}: {s.note}" for s in v.scores if s.note)]
            ).strip(),
        )
        for v in record["inspections"]
    ]
    story += _section(_("Inspections"), (_("Inspection"), _("Points"), _("Notes")),
                      inspections, (0.3, 0.15, 0.55), st, usable, font)  # fmt: skip
    rewards = [(_local(p.decided_at, zone), p.get_action_display(), p.reason)
               for p in record["rewards"]]  # fmt: skip
    story += _section(_("Rewards"), (_("Date"), _("Measure"), _("Reason")), rewards,
                      (0.18, 0.22, 0.6), st, usable, font)  # fmt: skip
    penalties = [
        (_local(p.decided_at, zone), p.get_action_display(), p.reason, p.response or "—")
        for p in record["penalties"]
    ]
    story += _section(
        _("Penalties"), (_("Date"), _("Measure"), _("Reason"), _("Response of the person")),
        penalties, (0.15, 0.18, 0.37, 0.3), st, usable, font,
    )  # fmt: skip
    training = [
        (f"{a.session.held_on}", a.session.title, a.session.get_kind_display(),
         _("Attended") if a.attended else _("Absent"))
        for a in record["training"]
    ]  # fmt: skip
    training += [(f"{d.held_on}", d.scenario, _("Drill"), _("Attended")) for d in record["drills"]]
    story += _section(_("Training and drills"), (_("Date"), _("Topic"), _("Kind"), _("Attendance")),
                      training, (0.18, 0.42, 0.22, 0.18), st, usable, font)  # fmt: skip
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=title, author=person.school.name, creator="DutySchool",
    )  # fmt: skip
    printed = timezone.localtime(timezone=zone).strftime("%Y-%m-%d %H:%M")

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - MARGIN, 8 * 2.83, f"{document.page}　{printed}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
