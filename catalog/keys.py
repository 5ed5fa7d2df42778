"""API keys from the command line (``blocklake keys issue|list|revoke``) and the bureau's first admin key,
which ``blocklake run`` writes once to ``<home>/catalog/admin.key`` (mode 0600) so a newcomer can log in.

A plain key is shown once, when issued; the store keeps only its SHA-256 and prefix (:mod:`catalog.auth`).
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from blocklake.errors import BlocklakeError
from blocklake.settings import Settings, get_settings
from catalog import auth, db
from catalog.models import ApiKey, Department
from catalog.register import BUREAU
from catalog.server import url as catalog_url
from catalog.sharing import audit

ROLES = ("department", "admin")
MAX_VALID_DAYS = 3650  # as the API's POST /api/admin/keys
ACTOR = "operator"  # who the audit log names for the command line: the bureau's operator at the machine
ADMIN_KEY_LABEL = "blocklake run: the bureau's first admin key"
ISSUE_ADMIN = "blocklake keys issue --role admin --label 'who holds it'"


class ApiKeyError(BlocklakeError):
    """A key could not be issued, listed or revoked as asked."""


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a stored key: never the key itself."""

    id: int
    prefix: str
    department: str
    role: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    state: str  # valid | expired | revoked


@dataclass(frozen=True)
class IssuedKey:
    plain: str  # shown once
    info: KeyInfo
    department_name: str


def open_store() -> None:
    """Bring the catalog store to the newest schema, as every command that writes it does first."""
    db.upgrade()


def issue(session: Session, *, department_code: str | None, role: str = "department", label: str = "",
          valid_days: int | None = None) -> IssuedKey:
    """A new key: a department's, or an admin key, which belongs to the bureau."""
    if role not in ROLES:
        raise ApiKeyError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if valid_days is not None and not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ApiKeyError(f"--valid-days {valid_days}: give 1 to {MAX_VALID_DAYS} days, or leave it out for a key "
                          "that does not expire")
    holder = (_admin_holder if role == "admin" else _department_holder)(session, department_code)
    valid_for = timedelta(days=valid_days) if valid_days else None
    plain = auth.issue_key(session, holder, role=role, label=label, valid_for=valid_for)
    key = auth.find_key(session, plain)
    audit(session, ACTOR, "issue_key", key, {"department": holder.code, "role": role, "via": "blocklake keys"})
    return IssuedKey(plain, describe(key), holder.name)


def listing(session: Session, *, department_code: str | None = None, include_ended: bool = False) -> list[KeyInfo]:
    """Keys, oldest first: the valid ones, or every key with ``include_ended``; never the key itself."""
    query = select(ApiKey).options(joinedload(ApiKey.department)).order_by(ApiKey.id)
    if department_code is not None:
        query = query.where(ApiKey.department_id == department(session, department_code).id)
    rows = [describe(key) for key in session.scalars(query)]
    return rows if include_ended else [row for row in rows if row.state == "valid"]


def revoke(session: Session, key_id: int) -> KeyInfo:
    """Revoke a key now: it and every web login made with it stop working at once."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise ApiKeyError(f"no key with id {key_id}; `blocklake keys list --all` shows every key's id")
    if key.revoked_at is not None:
        raise ApiKeyError(f"key {key_id} ({key.prefix}…) was already revoked at {_when(key.revoked_at)}; nothing "
                          "to do (`blocklake keys list` shows the valid keys)")
    auth.revoke(session, key_id)
    audit(session, ACTOR, "revoke_key", key, {"via": "blocklake keys"})
    return describe(key)


def describe(key: ApiKey) -> KeyInfo:
    return KeyInfo(id=key.id, prefix=key.prefix, department=key.department.code, role=key.role, label=key.label,
                   created_at=_utc(key.created_at), expires_at=_utc(key.expires_at) if key.expires_at else None,
                   state=auth.key_state(key))


def department(session: Session, code: str) -> Department:
    """The department ``code`` names, or an error that says how to find the right code."""
    found = session.scalar(select(Department).where(Department.code == code))
    if found is None:
        raise ApiKeyError(_unknown_department(session, code))
    return found


def bureau(session: Session) -> Department:
    """The bureau's own department (kind ``bureau``), registered as the directory refresh does if missing."""
    found = session.scalar(select(Department).where(Department.kind == "bureau").order_by(Department.id))
    if found is None:
        found = session.scalar(select(Department).where(Department.code == BUREAU["code"])) or Department()
        for name, value in BUREAU.items():
            setattr(found, name, value)
        session.add(found)
        session.flush()
    return found


def _department_holder(session: Session, code: str | None) -> Department:
    if not code:
        raise ApiKeyError("a department key needs --department CODE (`blocklake registry` lists the departments' "
                          "codes); for the bureau's administrator use --role admin")
    return department(session, code)


def _admin_holder(session: Session, code: str | None) -> Department:
    holder = bureau(session)
    if code and code != holder.code:
        department(session, code)  # an unknown code is reported as such
        raise ApiKeyError(f"admin keys belong to the bureau ({holder.code}), not to {code}: leave out --department, "
                          f"or give {code} a key with --role department")
    return holder


def _unknown_department(session: Session, code: str) -> str:
    known = list(session.execute(select(Department.code, Department.name, Department.kind).order_by(Department.code)))
    if not known:
        return (f"no department {code!r}: the catalog has no departments yet; `blocklake run` (or `blocklake build`) "
                "registers them from the registry and the lake")
    by_name = [row.code for row in known if code in row.name]
    close = by_name + [match for match in difflib.get_close_matches(code, [row.code for row in known], n=5, cutoff=0.6)
                       if match not in by_name]
    offices = [row.code for row in known if row.kind not in ("bureau", "department")]
    units = ", ".join(row.code for row in known if row.kind in ("bureau", "department"))
    message = f"no department {code!r} in the catalog"
    message += f"; did you mean {', '.join(close[:5])}?" if close else "."
    message += f" Departments: {units}."
    if offices:
        message += (f" Street offices and communities are street_<division code> and community_<division code> "
                    f"({len(offices)}, e.g. {offices[0]}).")
    return message + " `blocklake registry` lists the source departments with their names."


# --- the bureau's first admin key, written by `blocklake run` ------------------------------------------------

@dataclass(frozen=True)
class AdminKey:
    path: Path
    state: str  # valid | expired | revoked | unknown (the file holds no key the store knows)
    plain: str | None = None  # only when created now: shown once


def admin_key_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).home / "catalog" / "admin.key"


def ensure_admin_key(settings: Settings | None = None) -> AdminKey:
    """The bureau's admin key file: created once (mode 0600 from the start) with a new admin key; a later call
    only reports the state of the key it holds, and never writes another."""
    path = admin_key_path(settings)
    open_store()
    if path.exists():
        return AdminKey(path, _file_key_state(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    with db.session() as session:
        issued = issue(session, department_code=None, role="admin", label=ADMIN_KEY_LABEL)
        try:
            _write_private(path, issued.plain + "\n")
        except FileExistsError:  # another run wrote it meanwhile: keep theirs, store nothing of ours
            session.rollback()
            return AdminKey(path, _file_key_state(path))
        try:
            session.commit()
        except BaseException:
            path.unlink(missing_ok=True)  # the file must not name a key the store never kept
            raise
    return AdminKey(path, "valid", issued.plain)


def admin_key_notice(admin: AdminKey, url: str) -> list[str]:
    """What ``blocklake run`` prints at its end: where the admin key is and how to log in with it."""
    if admin.state != "valid":
        why = "not one this catalog store knows" if admin.state == "unknown" else admin.state
        return [f"  admin key    : the key in {admin.path} is {why}: it cannot log in",
                f"  new one      : {ISSUE_ADMIN}  (shown once; keep it, e.g. in that file with mode 0600)"]
    lines = [f"  admin key    : {admin.path} (mode 0600; the bureau's administrator key: keep it secret)"]
    if admin.plain:
        lines.append(f"                created now, shown only this once: {admin.plain}")
    return [*lines,
            f"  log in       : open {url}login and paste the key (cat {admin.path}); "
            "`blocklake catalog` serves the catalog",
            "  more keys    : blocklake keys issue --department CODE | blocklake keys list | blocklake keys revoke ID"]


def _file_key_state(path: Path) -> str:
    plain = path.read_text(encoding="utf-8").strip()
    with db.session() as session:
        key = auth.find_key(session, plain) if plain else None
        return "unknown" if key is None else auth.key_state(key)


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` readable by this user alone from its first byte; never over an existing file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


# --- printing -------------------------------------------------------------------------------------------------

COLUMNS = ("id", "prefix", "department", "role", "label", "created", "expires", "state")


def format_keys(rows: list[KeyInfo]) -> str:
    """An aligned table (CJK characters count double, as a terminal shows them)."""
    cells = [[str(row.id), row.prefix + "…", row.department, row.role, row.label or "-", _when(row.created_at),
              _when(row.expires_at) if row.expires_at else "never", row.state] for row in rows]
    widths = [max([_width(name), *(_width(line[i]) for line in cells)]) for i, name in enumerate(COLUMNS)]
    lines = [list(COLUMNS), ["-" * width for width in widths], *cells]
    return "\n".join("  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(line, widths, strict=True))
                     .rstrip() for line in lines)


def format_issued(issued: IssuedKey) -> list[str]:
    info = issued.info
    expires = _when(info.expires_at) if info.expires_at else "never (revoke it with `blocklake keys revoke ID`)"
    return [f"key     : {issued.plain}",
            "          shown only now: the catalog keeps only its hash. Store it safely; a lost key is revoked "
            "and a new one issued.",
            f"id      : {info.id}",
            f"prefix  : {info.prefix}",
            f"holder  : {info.department} ({issued.department_name}), role {info.role}"
            + (f", label {info.label!r}" if info.label else ""),
            f"expires : {expires}",
            f"use it  : log in at {catalog_url()}login (`blocklake catalog` serves it), or send it as the "
            "X-API-Key header"]


def _when(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time the store keeps is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
