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

from catalog.models import ApiKey, Department, WebSession

KEY_PREFIX = "blk_"
SESSION_PREFIX = "bls_"
SESSION_LIFETIME = timedelta(hours=8)  # a working day; then the department logs in again


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
    key = _valid_key(session, plain, now or datetime.now(UTC))
    return None if key is None else Principal(key.role, key.department)


def _valid_key(session: Session, plain: str, now: datetime) -> ApiKey | None:
    key = session.scalar(select(ApiKey).options(joinedload(ApiKey.department))
                         .where(ApiKey.key_hash == _digest(plain)))
    return key if key is not None and _usable(key, now) else None


def _usable(key: ApiKey, now: datetime) -> bool:
    return key.revoked_at is None and (key.expires_at is None or _aware(key.expires_at) > now)


def start_web_session(session: Session, plain_key: str, *, now: datetime | None = None) -> str | None:
    """A new web login for a valid key: the token the browser keeps (shown once); None for a bad key."""
    now = now or datetime.now(UTC)
    key = _valid_key(session, plain_key, now)
    if key is None:
        return None
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    session.add(WebSession(api_key=key, token_hash=_digest(token), created_at=now, expires_at=now + SESSION_LIFETIME))
    session.flush()
    return token


def principal_for_session(session: Session, token: str | None, *, now: datetime | None = None) -> Principal | None:
    """The holder of a web login; ``PUBLIC`` without one; None for an unknown, ended or expired login, or
    one whose key has since been revoked or has expired."""
    if not token:
        return PUBLIC
    now = now or datetime.now(UTC)
    login = session.scalar(select(WebSession).options(joinedload(WebSession.api_key).joinedload(ApiKey.department))
                           .where(WebSession.token_hash == _digest(token)))
    if login is None or login.ended_at is not None or _aware(login.expires_at) <= now:
        return None
    if not _usable(login.api_key, now):
        return None
    return Principal(login.api_key.role, login.api_key.department)


def end_web_session(session: Session, token: str | None, *, now: datetime | None = None) -> None:
    """Log out: the token works no more, wherever a copy of it is."""
    login = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token or "")))
    if login is not None and login.ended_at is None:
        login.ended_at = now or datetime.now(UTC)


def session_is_valid(connection, token: str, *, now: datetime | None = None) -> bool:
    """The same test as :func:`principal_for_session`, on a bare connection (the API's fast path)."""
    row = connection.execute(
        select(WebSession.ended_at, WebSession.expires_at, ApiKey.revoked_at, ApiKey.expires_at.label("key_expires"))
        .join(WebSession.api_key).where(WebSession.token_hash == _digest(token))).first()
    now = now or datetime.now(UTC)
    return (row is not None and row.ended_at is None and _aware(row.expires_at) > now and row.revoked_at is None
            and (row.key_expires is None or _aware(row.key_expires) > now))


def key_is_valid(connection, plain: str, *, now: datetime | None = None) -> bool:
    """The same test as :func:`principal_for`, on a bare connection (the API's fast path)."""
    row = connection.execute(select(ApiKey.revoked_at, ApiKey.expires_at).where(ApiKey.key_hash == _digest(plain))
                             ).first()
    now = now or datetime.now(UTC)
    return row is not None and row.revoked_at is None and (row.expires_at is None or _aware(row.expires_at) > now)


def find_key(session: Session, plain: str) -> ApiKey | None:
    """The stored key ``plain`` is, whatever its state (valid, expired or revoked); None if unknown."""
    return session.scalar(select(ApiKey).options(joinedload(ApiKey.department))
                          .where(ApiKey.key_hash == _digest(plain.strip())))


def key_state(key: ApiKey, *, now: datetime | None = None) -> str:
    """``valid``, ``expired`` or ``revoked`` (revoked wins: it is final)."""
    if key.revoked_at is not None:
        return "revoked"
    return "valid" if _usable(key, now or datetime.now(UTC)) else "expired"


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
