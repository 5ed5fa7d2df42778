"""The base layer's headline figures, read from the published versions after a build (printed by ``make run``)."""

from __future__ import annotations

import duckdb

HEADLINES: dict[str, str] = {
    "address_match_rate": "SELECT round(avg(located::INTEGER), 4) FROM base_address_match "
                          "WHERE match_method <> 'outside_district'",
    "addresses_for_review": "SELECT count(*) FROM base_address_review_queue",
    "persons": "SELECT count(*) FROM base_person WHERE NOT unverified",
    "key_group_tags": "SELECT count(*) FROM base_person_tag",
    "legal_entities": "SELECT count(*) FROM base_legal_entity",
    "flagged_entities": "SELECT count(*) FILTER (WHERE flagged) FROM base_legal_entity",
    "events": "SELECT count(*) FROM base_event",
    "events_closure_rate": "SELECT round(avg(is_closed::INTEGER), 4) FROM base_event",
    "events_red_card": "SELECT count(*) FILTER (WHERE red_card) FROM base_event",
    "vacant_units": "SELECT vacant_units FROM mart_block_stats WHERE level = 'district'",
}


def headline_figures(con: duckdb.DuckDBPyConnection) -> dict[str, float | int | None]:
    """Each figure, or None when its table has never been published (a failed or partial build)."""
    from blocklake.published import create_published_views

    create_published_views(con)
    figures: dict[str, float | int | None] = {}
    for name, sql in HEADLINES.items():
        try:
            figures[name] = con.execute(sql).fetchone()[0]
        except duckdb.CatalogException:
            figures[name] = None
    return figures
