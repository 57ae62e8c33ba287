"""View decorators that gate pages by role. Object-level checks live in queries.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from staff.queries import get_actor


def role_required(*roles: str, bureau: bool = False) -> Callable:
    """Allow the view to staff holding any of ``roles`` (and bureau officials if ``bureau``)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            actor = get_actor(request)
            if not (actor.has_any(*roles) or (bureau and actor.is_bureau)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
