"""Reads for staff pages, and the permission choke-points every view goes through.

``Actor`` is who is asking: their staff record (if any), their roles and the schools they may
see. Views never filter by school themselves; they call ``get_*_for_user`` here, which raises
404 for records outside the actor's schools (so ids reveal nothing) and 403 for records the
actor may see but not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from staff.models import BureauOfficial, Role, School, Staff, User

DIRECTORY_ROLES = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.LEADER})


@dataclass(frozen=True)
class Actor:
    user: User
    staff: Staff | None = None
    official: BureauOfficial | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    school_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_bureau(self) -> bool:
        return self.official is not None

    @property
    def school(self) -> School | None:
        return self.staff.school if self.staff else None

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def can_read_directory(self) -> bool:
        return self.is_bureau or self.has_any(*DIRECTORY_ROLES)

    def can_admin(self, school_id: int) -> bool:
        return Role.ADMIN in self.roles and school_id in self.school_ids


def actor_for(user: User) -> Actor:
    if not user.is_authenticated:
        raise PermissionDenied
    staff = (
        Staff.objects.select_related("school").prefetch_related("roles").filter(user=user).first()
    )
    if staff is not None and staff.active:
        return Actor(
            user=user,
            staff=staff,
            roles=frozenset(staff.role_codes),
            school_ids=frozenset({staff.school_id}),
        )
    official = BureauOfficial.objects.select_related("bureau").filter(user=user).first()
    if official is not None:
        school_ids = frozenset(
            School.objects.filter(bureau=official.bureau_id).values_list("pk", flat=True)
        )
        return Actor(user=user, official=official, school_ids=school_ids)
    return Actor(user=user)


def get_actor(request: HttpRequest) -> Actor:
    """The actor for this request, computed once per request."""
    actor = getattr(request, "_dutyschool_actor", None)
    if actor is None:
        actor = actor_for(request.user)
        request._dutyschool_actor = actor
    return actor


def schools_for_actor(actor: Actor) -> QuerySet[School]:
    return School.objects.filter(pk__in=actor.school_ids).order_by("name")


def get_school_for_user(actor: Actor, pk: int) -> School:
    if pk not in actor.school_ids:
        raise Http404
    return School.objects.get(pk=pk)


def get_staff_for_user(actor: Actor, pk: int, *, write: bool = False) -> Staff:
    staff = (
        Staff.objects.select_related("school", "user")
        .prefetch_related("roles")
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if staff is None:
        raise Http404
    if write and not actor.can_admin(staff.school_id):
        raise PermissionDenied
    if not write and not (actor.can_read_directory() or staff.user_id == actor.user.pk):
        raise PermissionDenied
    return staff


def staff_directory(*, actor: Actor, school_id: int | None = None, query: str = "") -> QuerySet:
    """The directory page: one school's staff (or all the actor's schools), searchable."""
    if not actor.can_read_directory():
        raise PermissionDenied
    school_ids = actor.school_ids
    if school_id is not None:
        if school_id not in school_ids:
            raise Http404
        school_ids = frozenset({school_id})
    rows = Staff.objects.filter(school__in=school_ids)
    query = query.strip()
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(phone__contains=query) | Q(position__icontains=query)
        )
    return rows.select_related("school").prefetch_related("roles").order_by("school__name", "name")
