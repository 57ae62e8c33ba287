"""Incident categories (突发事件分类) and severities (事件分级), from the school's 应急预案.

Category codes are stable identifiers stored in rows; labels are translated. Sub-categories are
listed per category; "other" (其他) is always allowed so a report is never blocked by the list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NATURAL = "natural", _("Natural disaster")
    ACCIDENT = "accident", _("Accident")
    HEALTH = "health", _("Public health")
    SECURITY = "security", _("Social security")
    OTHER = "other", _("Other")


SUBCATEGORIES: dict[str, list[tuple[str, str]]] = {
    Category.NATURAL: [
        ("earthquake", _("Earthquake")),
        ("flood", _("Flood")),
        ("typhoon", _("Typhoon")),
        ("storm", _("Rainstorm or thunderstorm")),
        ("geological", _("Landslide or other geological hazard")),
        ("other", _("Other")),
    ],
    Category.ACCIDENT: [
        ("fire", _("Fire")),
        ("electric", _("Electric shock")),
        ("poisoning", _("Poisoning (gas, chemicals)")),
        ("injury", _("Accidental injury")),
        ("building", _("Building or facility collapse")),
        ("traffic", _("Traffic accident")),
        ("stampede", _("Crowding or stampede")),
        ("drowning", _("Drowning")),
        ("other", _("Other")),
    ],
    Category.HEALTH: [
        ("infectious", _("Infectious disease")),
        ("food", _("Food poisoning")),
        ("mass_illness", _("Unexplained illness in a group")),
        ("other", _("Other")),
    ],
    Category.SECURITY: [
        ("bullying", _("Campus violence or bullying")),
        ("intruder", _("Intruder")),
        ("missing", _("Missing student")),
        ("theft", _("Theft")),
        ("protest", _("Gathering or disturbance")),
        ("other", _("Other")),
    ],
    Category.OTHER: [("other", _("Other"))],
}


def subcategory_choices(category: str) -> list[tuple[str, str]]:
    return list(SUBCATEGORIES.get(category, SUBCATEGORIES[Category.OTHER]))


def all_subcategory_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for choices in SUBCATEGORIES.values():
        for code, label in choices:
            seen.setdefault(code, label)
    return list(seen.items())


class Severity(models.TextChoices):
    """Ⅰ is the most severe. ``UNRATED`` (未定级) lets a first report go out before the level is
    known, as the 初报 form allows; it escalates like Ⅳ until rated."""

    I = "1", _("I — extremely serious")  # noqa: E741 (the official numeral)
    II = "2", _("II — serious")
    III = "3", _("III — major")
    IV = "4", _("IV — ordinary")
    UNRATED = "9", _("Not yet rated")


def at_least(severity: str, level: str) -> bool:
    """True when ``severity`` is ``level`` or more severe (a smaller number); unrated is not."""
    return severity != Severity.UNRATED and int(severity) <= int(level)


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONDING = "responding", _("Responding")
    CONTAINED = "contained", _("Contained")
    CLOSED = "closed", _("Closed")


# Allowed forward moves; closing additionally needs an accepted post-incident report.
TRANSITIONS: dict[str, set[str]] = {
    Status.REPORTED: {Status.ACKNOWLEDGED, Status.RESPONDING},
    Status.ACKNOWLEDGED: {Status.RESPONDING, Status.CONTAINED},
    Status.RESPONDING: {Status.CONTAINED},
    Status.CONTAINED: {Status.RESPONDING, Status.CLOSED},
    Status.CLOSED: set(),
}
