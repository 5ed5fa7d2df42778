"""Everything dbt reads that the registry decides, written in one step (``blocklake dbt-sources``, and
``blocklake run`` before it builds): the raw-layer sources files, the staging models of tables with no
hand-written one, and the lists of where persons and addresses appear."""

from __future__ import annotations

from pathlib import Path

from blocklake.registry import Registry
from transform import mentions, sources, staging


def write_all(registry: Registry) -> list[Path]:
    """Write what differs from the registry; returns the files written."""
    written = sources.write(registry) + staging.write(registry, sources.staging_root())
    macros = mentions.write(registry)
    return written + ([macros] if macros else [])


def stale(registry: Registry) -> list[str]:
    """One message per generated file that differs from the registry (none: they agree)."""
    return [*sources.mismatches(registry), *staging.mismatches(registry, sources.staging_root()),
            *filter(None, [mentions.mismatch(registry)])]
