"""Which matcher produced a match: a fingerprint of this package's code and data.

A cached match (``int_address_matches``, incremental) is reused only while the parser, the matcher and
their vocabularies are the ones that made it; any change to them makes every text match again.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def matcher_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".md":
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
