"""What each approved item becomes in a bundle, as DuckDB SQL over the lake table.

Personal identifiers a consumer may join on (resident ID, phone) arrive twice: masked for display, and
as a keyed HMAC pseudonym (``<item>_pseudonym``) under the consumer's own key — stable across its
bundles, useless for linking with another department's. Names and addresses arrive masked. Nothing
personal is unmasked by an export; rows never pass through Python on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from blocklake import masking
from blocklake.errors import ExportError
from blocklake.sql import identifier
from catalog import grants
from exports.plan import Delivery


@dataclass(frozen=True)
class OutputColumn:
    name: str
    expression: str  # DuckDB SQL over the lake table
    treatment: str | None = None  # how a personal item was protected, for the manifest


def project(delivery: Delivery, key: bytes) -> list[OutputColumn]:
    """The bundle's columns: each approved item as the access policy shows it (:mod:`catalog.grants`), and a
    pseudonym beside each identifier a consumer may join on."""
    columns = []
    for item in delivery.items:
        kind = delivery.sensitive.get(item)
        if kind is None:
            columns.append(OutputColumn(item, identifier(item)))
            continue
        columns.append(OutputColumn(item, _policy(grants.masked_column, delivery.resource_code, item, kind),
                                    f"display mask ({kind})"))
        if kind in masking.LINKAGE_KINDS:
            columns.append(OutputColumn(f"{item}_pseudonym", masking.sql_pseudonym(key, identifier(item)),
                                        f"HMAC-SHA256 pseudonym of {item}, keyed for {delivery.consumer_code}"))
    return columns


def row_filter(delivery: Delivery) -> str:
    """The WHERE clause limiting a street office's or community's bundle to its block, or ''."""
    condition = _policy(grants.block_condition, delivery.resource_code, delivery.block_column, delivery.block_scope)
    return f"WHERE {condition}" if condition else ""


def _policy(rule: Callable[..., str], *arguments: str | None) -> str:
    try:
        return rule(*arguments)
    except grants.AccessError as exc:
        raise ExportError(f"{exc}; nothing was delivered") from exc
