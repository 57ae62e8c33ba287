"""The printable incident report: an A4 PDF with the 初报 fields, the timeline, the plan
checklist and the post-incident report (终报), for the records and for the bureau.

Chinese is set in reportlab's built-in CID font ``STSong-Light``, as roster/printing.py does.
"""

from __future__ import annotations

import io
import zoneinfo
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from incidents.models import Incident, IncidentEvent
from incidents.queries.plans import checklist
from incidents.queries.review import report_for
from roster.printing import _font

MARGIN = 15 * mm


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1),
        "head": ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=8),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _table(rows, widths, style_font) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), style_font, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEEEEE")),
            ]
        )
    )
    return table


def incident_pdf(incident: Incident) -> bytes:
    font = _font()
    st = _styles(font)
    zone = zoneinfo.ZoneInfo(incident.school.time_zone)

    def local(moment) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    usable = A4[0] - 2 * MARGIN
    casualties = _("Dead %(d)s, injured %(i)s, ill %(s)s") % {
        "d": incident.casualties_dead,
        "i": incident.casualties_injured,
        "s": incident.casualties_ill,
    }
    fields = [
        (_("School"), incident.school.name),
        (
            _("Category"),
            f"{incident.get_category_display()} · {incident.get_subcategory_display()}",
        ),
        (_("Place"), incident.location),
        (_("Happened at"), local(incident.occurred_at)),
        (_("Reported at"), local(incident.reported_at)),
        (_("Reported by"), incident.reporter.name),
        (_("Severity"), incident.get_severity_display()),
        (_("Status"), incident.get_status_display()),
        (_("Casualties"), casualties),
        (_("What happened"), incident.summary),
        (_("First measures taken"), incident.first_measures),
        (_("Outside services called"), "、".join(str(s) for s in incident.services_called or [])),
        (_("Leaders on the scene"), incident.leaders_on_scene),
        (_("Impact"), incident.impact),
        (_("Acknowledged at"), local(incident.acknowledged_at)),
        (_("Contained at"), local(incident.contained_at)),
        (_("Closed at"), local(incident.closed_at)),
    ]
    story = [
        _p(_("Incident report"), st["title"]),
        Spacer(1, 4 * mm),
        _table(
            [[_p(k, st["body"]), _p(v, st["body"])] for k, v in fields],
            [usable * 0.22, usable * 0.78],
            font,
        ),
    ]
    story += _timeline(incident, st, local, usable, font)
    story += _reports_up(incident, st, local, usable, font)
    story += _plan(incident, st, local, usable, font)
    story += _review(incident, st, local, usable, font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Incident report"),
        author=incident.school.name,
        creator="DutySchool",
    )
    printed = timezone.localtime(timezone=zone).strftime("%Y-%m-%d %H:%M")

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, f"{document.page} · {printed}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _name(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)  # bureau officials have no staff record
    return staff.name if staff else user.get_full_name() or user.username


def _timeline(incident, st, local, usable, font) -> list:
    events = IncidentEvent.objects.filter(incident=incident).select_related("actor__staff")
    rows = [[_p(_("Time"), st["body"]), _p(_("Who"), st["body"]), _p(_("Entry"), st["body"])]]
    for e in events:
        who = _name(e.actor)
        text = f"{e.get_kind_display()}: {e.text}" if e.text else e.get_kind_display()
        rows.append([_p(local(e.at), st["body"]), _p(who, st["body"]), _p(text, st["body"])])
    return [
        _p(_("Timeline"), st["head"]),
        _table(rows, [usable * 0.2, usable * 0.15, usable * 0.65], font),
    ]


def _reports_up(incident, st, local, usable, font) -> list:
    """初报 / 续报 / 终报: each report owed or made upward, its deadline, when it was made,
    by whom, to whom and what it said."""
    clocks = list(incident.report_clocks.select_related("done_by__staff").order_by("due_at", "pk"))
    if not clocks:
        return []
    heads = (_("Which report"), _("Deadline"), _("Made at"), _("To whom and what"))
    rows = [[_p(h, st["body"]) for h in heads]]
    for clock in clocks:
        label = clock.get_kind_display() + (f" {clock.number}" if clock.number > 1 else "")
        if clock.done_at:
            done = f"{local(clock.done_at)} {_name(clock.done_by)}"
            said = clock.contact + (f": {clock.text}" if clock.text else "")
        else:
            done = _("Overdue, not reported") if clock.lapsed_at else _("Not yet reported")
            said = ""
        rows.append([_p(label, st["body"]), _p(local(clock.due_at), st["body"]),
                     _p(done, st["body"]), _p(said, st["body"])])  # fmt: skip
    widths = [usable * 0.2, usable * 0.18, usable * 0.22, usable * 0.4]
    return [_p(_("Reports to the authorities"), st["head"]), _table(rows, widths, font)]


def _plan(incident, st, local, usable, font) -> list:
    plan = checklist(incident)
    if plan is None:
        return []
    rows = [[_p(_("Step"), st["body"]), _p(_("Done at"), st["body"])]]
    for item in plan["steps"]:
        step, tick = item["step"], item["tick"]
        rows.append(
            [
                _p(f"{step.position}. {step.text}", st["body"]),
                _p(local(tick.done_at) if tick else "—", st["body"]),
            ]
        )
    title = _("Emergency plan: %(title)s (version %(n)s)") % {
        "title": plan["version"].title,
        "n": plan["version"].number,
    }
    return [_p(title, st["head"]), _table(rows, [usable * 0.75, usable * 0.25], font)]


def _review(incident, st, local, usable, font) -> list:
    report = report_for(incident)
    if report is None:
        return []
    parts = [
        (_("What happened and how it was handled"), report.process),
        (_("Outcome and aftercare"), report.outcome),
        (_("Causes"), report.causes),
        (_("Lessons learned"), report.lessons),
        (_("Review status"), report.get_status_display()),
    ]
    story = [
        _p(_("Post-incident report"), st["head"]),
        _table(
            [[_p(k, st["body"]), _p(v, st["body"])] for k, v in parts],
            [usable * 0.22, usable * 0.78],
            font,
        ),
    ]
    actions = list(report.actions.all())
    if actions:
        rows = [
            [
                _p(h, st["body"])
                for h in (_("Corrective action"), _("Owner"), _("Due date"), _("Status"))
            ]
        ]
        for a in actions:
            status = a.get_status_display() + (f" {local(a.done_at)}" if a.done_at else "")
            rows.append(
                [
                    _p(a.text, st["body"]),
                    _p(a.owner.name, st["body"]),
                    _p(a.due_on.isoformat(), st["body"]),
                    _p(status, st["body"]),
                ]
            )
        story += [
            Spacer(1, 3 * mm),
            _table(rows, [usable * 0.5, usable * 0.15, usable * 0.15, usable * 0.2], font),
        ]
    return story
