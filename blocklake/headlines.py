"""The base layer's headline figures, read back from the lake after a build (printed by ``make run``)."""

from __future__ import annotations

import duckdb

HEADLINES: dict[str, str] = {
    "address_match_rate": "SELECT round(avg(located::INTEGER), 4) FROM lake.base.base_address_match "
                          "WHERE match_method <> 'outside_district'",
    "addresses_for_review": "SELECT count(*) FROM lake.base.base_address_review_queue",
    "persons": "SELECT count(*) FROM lake.base.base_person WHERE NOT unverified",
    "key_group_tags": "SELECT count(*) FROM lake.base.base_person_tag",
    "legal_entities": "SELECT count(*) FROM lake.base.base_legal_entity",
    "flagged_entities": "SELECT count(*) FILTER (WHERE flagged) FROM lake.base.base_legal_entity",
    "events": "SELECT count(*) FROM lake.base.base_event",
    "events_closure_rate": "SELECT round(avg(is_closed::INTEGER), 4) FROM lake.base.base_event",
    "events_red_card": "SELECT count(*) FILTER (WHERE red_card) FROM lake.base.base_event",
    "vacant_units": "SELECT vacant_units FROM lake.marts.mart_block_stats WHERE level = 'district'",
}


def headline_figures(con: duckdb.DuckDBPyConnection) -> dict[str, float | int | None]:
    """Each figure, or None when its table has not been built (a failed or partial build)."""
    figures: dict[str, float | int | None] = {}
    for name, sql in HEADLINES.items():
        try:
            figures[name] = con.execute(sql).fetchone()[0]
        except duckdb.CatalogException:
            figures[name] = None
    return figures
