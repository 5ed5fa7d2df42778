"""API keys and who holds them: the bureau's admin, a department, or the public (no key).

A key is shown once when issued; the store keeps its SHA-256 and a short prefix to recognise it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog.models import ApiKey, Department

KEY_PREFIX = "blk_"


@dataclass(frozen=True)
class Principal:
    role: str  # public | department | admin
    department: Department | None = None

    @property
    def actor(self) -> str:
        return self.department.code if self.department else "public"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


PUBLIC = Principal("public")


def issue_key(session: Session, department: Department, *, role: str = "department", label: str = "",
              valid_for: timedelta | None = None) -> str:
    """A new key for ``department``; the plain key is returned once and never stored."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(ApiKey(department=department, prefix=plain[:12], key_hash=_digest(plain), role=role, label=label,
                       created_at=now, expires_at=now + valid_for if valid_for else None))
    session.flush()
    return plain


def principal_for(session: Session, plain: str | None, *, now: datetime | None = None) -> Principal | None:
    """The holder of a key; ``PUBLIC`` without one; None for an unknown, revoked or expired key."""
    if not plain:
        return PUBLIC
    key = session.scalar(select(ApiKey).options(joinedload(ApiKey.department))
                         .where(ApiKey.key_hash == _digest(plain)))
    now = now or datetime.now(UTC)
    if key is None or key.revoked_at is not None or (key.expires_at is not None and _aware(key.expires_at) <= now):
        return None
    return Principal(key.role, key.department)


def key_is_valid(connection, plain: str, *, now: datetime | None = None) -> bool:
    """The same test as :func:`principal_for`, on a bare connection (the API's fast path)."""
    row = connection.execute(select(ApiKey.revoked_at, ApiKey.expires_at).where(ApiKey.key_hash == _digest(plain))
                             ).first()
    now = now or datetime.now(UTC)
    return row is not None and row.revoked_at is None and (row.expires_at is None or _aware(row.expires_at) > now)


def revoke(session: Session, key_id: int) -> bool:
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = datetime.now(UTC)
    return True


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
