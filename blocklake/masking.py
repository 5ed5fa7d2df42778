"""Personal information (DESIGN.md, 个人信息): display masks — what may appear on a screen, in a
report, an export or a log line instead of the value itself — and keyed pseudonyms for linkage.

ID: the region (first 6; a foreign permanent resident's: 9 and the province) and ``*`` for the rest;
phone: first 3 + ``****`` + last 4; name: surname + ``*``; bank card: ``*`` but the last 4.

Why an ID shows no more than its region: the birth date is shared as an item of its own (``birth_date``,
``csrq``), and the once-usual ``440305********1234`` hid exactly those eight digits — an approved
application for both rebuilt every checksum-valid ID. With the region alone, a known birth date and sex
still leave 500 candidates for the sequence number, and the check digit follows from them, so no
combination of items a consumer receives rebuilds an ID (``tests/reliability/test_linkage.py``).
Pseudonym: HMAC-SHA256 of the value under a key per consuming department, so one department can link
its extracts over time but two departments cannot link theirs to each other.

Each rule exists twice: in Python (:func:`mask`, :func:`pseudonym`) and as a DuckDB SQL expression
(:func:`sql_mask`, :func:`sql_pseudonym`) for exports and the SQL endpoint, where rows never pass
through Python; tests hold the two to each other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Callable
from pathlib import Path

from blocklake.settings import Settings


def mask_resident_id(value: str) -> str:
    """A citizen's ID shows its region (6); a foreign permanent resident's (9 + province + nationality)
    shows its province only (3): a nationality few residents of a district share names the person."""
    text = value.strip()
    shown = 3 if len(text) == 18 and text.startswith("9") else 6
    return text[:shown] + "*" * (len(text) - shown) if len(text) > 10 else "*" * len(text)


def mask_phone(value: str) -> str:
    text = value.strip()
    return f"{text[:3]}****{text[-4:]}" if len(text) > 7 else "*" * len(text)


def mask_name(value: str) -> str:
    text = value.strip()
    return f"{text[:1]}*" if text else text


def mask_bank_card(value: str) -> str:
    """A card number shows its last four digits only (what a receipt shows)."""
    text = value.strip()
    return "*" * (len(text) - 4) + text[-4:] if len(text) > 8 else "*" * len(text)


def mask_unit_code(value: str) -> str:
    """A person's unit code shows its building (19 digits), not the floor and room."""
    text = value.strip()
    return text[:19] + "*" * (len(text) - 19) if len(text) > 19 else text


def mask_address(value: str) -> str:
    """A person's address shows its first half only (the building, not the flat)."""
    text = value.strip()
    return text[: len(text) // 2] + "…" if text else text


MASKS: dict[str, Callable[[str], str]] = {
    "resident_id": mask_resident_id,
    "phone": mask_phone,
    "mobile": mask_phone,
    "person_name": mask_name,
    "person_address": mask_address,
    "bank_card": mask_bank_card,
    "person_unit": mask_unit_code,
}


def mask(kind: str | None, value: str) -> str:
    """``value`` masked for its sensitive ``kind``; unchanged when the kind is not personal."""
    return MASKS[kind](value) if kind in MASKS else value


LINKAGE_KINDS = ("resident_id", "phone", "mobile")  # identifiers a consumer may need to join on


def consumer_key(secret: bytes, consumer_code: str) -> bytes:
    """The pseudonym key of one consuming department, derived from the bureau's secret."""
    return hmac.new(secret, f"blocklake-pseudonym:{consumer_code}".encode(), hashlib.sha256).digest()


def bureau_secret(settings: Settings) -> bytes:
    """The bureau's secret behind every keyed pseudonym (exports, the verification audit): the setting
    ``BLOCKLAKE_EXPORT_SECRET``, or a random key made once under the home and readable by its owner only."""
    if value := settings.export_secret.get_secret_value():
        return value.encode()
    path = settings.home / "secrets" / "export-hmac.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(descriptor, "wb") as out:
            out.write(os.urandom(32))
    return Path(path).read_bytes()


def pseudonym(key: bytes, value: str) -> str:
    return hmac.new(key, value.strip().encode(), hashlib.sha256).hexdigest()


def sql_mask(kind: str | None, column: str) -> str:
    """A DuckDB expression showing ``column`` (SQL, quoted) as :func:`mask` would; NULL stays NULL."""
    text = f"trim(CAST({column} AS VARCHAR))"
    rules = {
        "resident_id": f"CASE WHEN length({text}) = 18 AND left({text}, 1) = '9' "
                       f"THEN left({text}, 3) || repeat('*', 15) "
                       f"WHEN length({text}) > 10 THEN left({text}, 6) || repeat('*', length({text}) - 6) "
                       f"ELSE repeat('*', length({text})) END",
        "phone": f"CASE WHEN length({text}) > 7 THEN left({text}, 3) || '****' || right({text}, 4) "
                 f"ELSE repeat('*', length({text})) END",
        "person_name": f"CASE WHEN {text} = '' THEN '' ELSE left({text}, 1) || '*' END",
        "person_address": f"CASE WHEN {text} = '' THEN '' ELSE left({text}, length({text}) // 2) || '…' END",
        "bank_card": f"CASE WHEN length({text}) > 8 THEN repeat('*', length({text}) - 4) || right({text}, 4) "
                     f"ELSE repeat('*', length({text})) END",
        "person_unit": f"CASE WHEN length({text}) > 19 THEN left({text}, 19) || repeat('*', length({text}) - 19) "
                       f"ELSE {text} END",
    }
    rules["mobile"] = rules["phone"]
    return rules.get(kind, column)


def sql_pseudonym(key: bytes, column: str) -> str:
    """HMAC-SHA256 (RFC 2104) in DuckDB SQL, equal to :func:`pseudonym`: DuckDB has SHA-256 but no HMAC."""
    block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner = bytes(byte ^ 0x36 for byte in block).hex()
    outer = bytes(byte ^ 0x5C for byte in block).hex()
    message = f"encode(trim(CAST({column} AS VARCHAR)))"
    return f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || {message})))"
