"""What the harvest endpoints read: the listed resources (:func:`catalog.models.listed`, the directory's one
definition), found by code, all of them, or matching the directory's own text search."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import search
from catalog.models import Department, Resource, listed


def listed_resource(session: Session, code: str) -> Resource | None:
    """The listed resource of ``code``, with its provider and items; None when there is none listed."""
    return session.scalar(select(Resource).where(Resource.code == code, listed())
                          .options(selectinload(Resource.provider), selectinload(Resource.items)))


def listed_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Resource.code).where(listed()).order_by(Resource.code)))


def matching(session: Session, q: str, provider: str | None = None) -> list[Resource]:
    """Every listed resource the directory's search finds for ``q`` (all of them for "") and ``provider`` (a
    department code), in code order."""
    return search.find(session, q=q, provider=provider, limit=None).resources


def with_items(session: Session, resources: list[Resource]) -> list[Resource]:
    """``resources`` with their data items loaded in one query (not one per resource)."""
    ids = [resource.id for resource in resources]
    session.scalars(select(Resource).where(Resource.id.in_(ids)).options(selectinload(Resource.items))).all()
    return resources


def providers(session: Session) -> list[Department]:
    """The departments that provide a listed resource, by code."""
    return list(session.scalars(select(Department).where(Department.id.in_(
        select(Resource.provider_id).where(listed()))).order_by(Department.code)))
