"""Field types shared by every YAML configuration model (registry, quality checks)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _parse_duration(value: object) -> object:
    """Accept '90m', '2h', '3d' as well as seconds."""
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if not match:
            raise ValueError("use a duration such as '30m', '2h' or '1d'")
        return timedelta(**{_UNITS[match[2]]: int(match[1])})
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]


class Strict(BaseModel):
    """A configuration object: unknown keys are errors (a typo must not be ignored), values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
