"""Files uploaded to the bureau's import page, kept between its steps (mapping, dry run, import) under
``<home>/catalog/directory-uploads``: the page holds only a random token, never the file or its path.
Uploads older than a day are removed when the next one arrives."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from blocklake.settings import get_settings
from catalog.directory_import.reading import SUFFIXES, DirectoryImportError

MAX_AGE_S = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def _folder() -> Path:
    folder = get_settings().home / "catalog" / "directory-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(data: bytes, name: str) -> str:
    """Keep an upload; returns its token."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DirectoryImportError(f"unknown format {suffix or '(no suffix)'!r}; expected one of "
                                   f"{', '.join(SUFFIXES)}", path=name)
    folder = _folder()
    for old in folder.iterdir():
        if time.time() - old.stat().st_mtime > MAX_AGE_S:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (folder / f"{token}{suffix}").write_bytes(data)
    return token


def load_upload(token: str) -> tuple[bytes, str]:
    """The upload's bytes and a file name with its suffix."""
    found = list(_folder().glob(f"{token}.*")) if _TOKEN.fullmatch(token) else []
    if not found:
        raise DirectoryImportError("the uploaded file is no longer here (kept for a day); upload it again",
                                   path=token or "upload")
    return found[0].read_bytes(), found[0].name
