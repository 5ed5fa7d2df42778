"""What each approved item becomes in a bundle, as DuckDB SQL over the lake table.

Personal identifiers a consumer may join on (resident ID, phone) arrive twice: masked for display, and
as a keyed HMAC pseudonym (``<item>_pseudonym``) under the consumer's own key — stable across its
bundles, useless for linking with another department's. Names and addresses arrive masked. Nothing
personal is unmasked by an export; rows never pass through Python on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

from blocklake import masking
from blocklake.errors import ExportError
from blocklake.sql import identifier
from exports.plan import Delivery


@dataclass(frozen=True)
class OutputColumn:
    name: str
    expression: str  # DuckDB SQL over the lake table
    treatment: str | None = None  # how a personal item was protected, for the manifest


def project(delivery: Delivery, key: bytes) -> list[OutputColumn]:
    columns = []
    for item in delivery.items:
        kind = delivery.sensitive.get(item)
        source = identifier(item)
        if kind is None:
            columns.append(OutputColumn(item, source))
            continue
        if kind not in masking.MASKS:
            raise ExportError(f"{delivery.resource_code}: item {item!r} is marked {kind!r}, which no mask handles; "
                              f"mark it one of {sorted(masking.MASKS)} in the registry or the model's YAML")
        columns.append(OutputColumn(item, masking.sql_mask(kind, source), f"display mask ({kind})"))
        if kind in masking.LINKAGE_KINDS:
            columns.append(OutputColumn(f"{item}_pseudonym", masking.sql_pseudonym(key, source),
                                        f"HMAC-SHA256 pseudonym of {item}, keyed for {delivery.consumer_code}"))
    return columns


def row_filter(delivery: Delivery) -> str:
    """The WHERE clause limiting a street office's or community's bundle to its block, or ''."""
    if delivery.block_scope is None:
        return ""
    if not delivery.block_column:
        raise ExportError(f"{delivery.resource_code} has no block column, so its rows cannot be limited to "
                          f"{delivery.consumer_name}'s block; declare `block_column` for it before delivering "
                          "to a street office or community")
    if not delivery.block_scope.isdigit():
        raise ExportError(f"{delivery.consumer_code}: block code {delivery.block_scope!r} is not a division code")
    return f"WHERE starts_with({identifier(delivery.block_column)}, '{delivery.block_scope}')"

