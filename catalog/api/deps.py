"""Request dependencies: a store session per request, and who is asking (from ``X-API-Key``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session

from catalog import db
from catalog.auth import Principal, principal_for, principal_for_session

SESSION_COOKIE = "blocklake_key"


def get_session(request: Request) -> Iterator[Session]:
    """The request's store session, committed when the endpoint returns and before the answer is sent
    (``scope="function"`` below): a client told "done" finds it done, and a failed commit is a 500, not a
    success already reported."""
    with db.session(request.app.state.database_url) as session:
        yield session


def get_principal(request: Request, session: Annotated[Session, Depends(get_session, scope="function")],
                  x_api_key: Annotated[str | None, Header()] = None) -> Principal:
    return principal_of(request, session, x_api_key)


def principal_of(request: Request, session: Session, x_api_key: str | None) -> Principal:
    """Who asks: the key's holder, the web login's, or the public; 401 for a key or login that is no good."""
    principal = (principal_for(session, x_api_key) if x_api_key
                 else principal_for_session(session, request.cookies.get(SESSION_COOKIE)))
    if principal is None:
        raise HTTPException(401, "API key unknown, revoked or expired", headers={"WWW-Authenticate": "X-API-Key"})
    return principal


def require_department(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    return department_only(principal)


def department_only(principal: Principal) -> Principal:
    if principal.role == "public":
        raise HTTPException(401, "an API key is needed", headers={"WWW-Authenticate": "X-API-Key"})
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_department)]) -> Principal:
    if not principal.is_admin:
        raise HTTPException(403, "only the bureau's administrators may do this")
    return principal


# Store ids are 32-bit integers on PostgreSQL, and SQLite overflows past 64 bits: a larger id must be a 422,
# not a driver error (500).
MAX_ID = 2**31 - 1
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
# OFFSET is a 64-bit integer in SQLite, PostgreSQL and DuckDB alike.
Offset = Annotated[int, Query(ge=0, le=2**63 - 1)]

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
DepartmentDep = Annotated[Principal, Depends(require_department)]
AdminDep = Annotated[Principal, Depends(require_admin)]
