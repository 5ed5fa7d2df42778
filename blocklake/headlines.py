"""The base layer's headline figures, read back from the lake after a build (printed by ``make run``)."""

from __future__ import annotations

import duckdb

HEADLINES: dict[str, str] = {
    "persons": "SELECT count(*) FROM lake.base.base_person WHERE NOT unverified",
    "persons_unverified": "SELECT count(*) FROM lake.base.base_person WHERE unverified",
    "key_group_tags": "SELECT count(*) FROM lake.base.base_person_tag",
    "legal_entities": "SELECT count(*) FROM lake.intermediate.int_entity_activity",
    "events": "SELECT count(*) FROM lake.base.base_event",
    "events_closure_rate": "SELECT round(avg(is_closed::INTEGER), 4) FROM lake.base.base_event",
    "events_red_card": "SELECT count(*) FILTER (WHERE red_card) FROM lake.base.base_event",
    "buildings": "SELECT count(*) FROM lake.base.base_building",
    "units": "SELECT count(*) FROM lake.base.base_unit",
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
