"""How the API calls the catalog's services: a resource named by its code, and a service's refusal as the
HTTP answer (one place for every router, so a status is decided once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.api import cache
from catalog.models import Resource, listed
from catalog.sharing import SharingError
from catalog.workdays import CalendarError

T = TypeVar("T")


def active_resource(session: Session, code: str) -> Resource:
    """The active resource with ``code``, or 404."""
    found = session.scalar(select(Resource).where(Resource.code == code, listed()))
    if found is None:
        raise HTTPException(404, f"no resource {code}")
    return found


def answer_of(action: Callable[[], T], *, stales_figures: bool = True) -> T:
    """Run a service: its refusal becomes its HTTP status; a deadline the holiday calendar cannot count yet
    is a 503; a success stales the cached figures unless ``stales_figures`` is off (the hot paths)."""
    try:
        result = action()
    except SharingError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    except CalendarError as exc:
        raise HTTPException(503, str(exc)) from exc
    if stales_figures:
        cache.clear()
    return result
