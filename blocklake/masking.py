"""Display masks for personal information (DESIGN.md, 个人信息): what may appear on a screen, in a
report or in a log line instead of the value itself.

ID: first 6 + ``********`` + last 4; phone: first 3 + ``****`` + last 4; name: surname + ``*``.
"""

from __future__ import annotations

from collections.abc import Callable


def mask_resident_id(value: str) -> str:
    text = value.strip()
    return f"{text[:6]}********{text[-4:]}" if len(text) > 10 else "*" * len(text)


def mask_phone(value: str) -> str:
    text = value.strip()
    return f"{text[:3]}****{text[-4:]}" if len(text) > 7 else "*" * len(text)


def mask_name(value: str) -> str:
    text = value.strip()
    return f"{text[:1]}*" if text else text


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
}


def mask(kind: str | None, value: str) -> str:
    """``value`` masked for its sensitive ``kind``; unchanged when the kind is not personal."""
    return MASKS[kind](value) if kind in MASKS else value
