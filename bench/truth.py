"""Score the built base layer against the synthetic district's ground truth (``sources/_truth``).

Used by ``bench.baselayer`` for the reported figures and by the end-to-end test on the tiny district.
Pairwise person de-duplication: two mentions are "the same person" in the truth when they share a
``person_id`` and in the lake when they share a ``person_key``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

PERSON_PAIRS = """
WITH truth AS (
    SELECT department || '.' || "table" AS source, "column" AS source_column, record_key, person_id
    FROM read_parquet($truth)
),
joined AS (
    SELECT i.person_key, t.person_id
    FROM lake.intermediate.int_person_identity AS i JOIN truth AS t USING (source, source_column, record_key)
)
SELECT
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM joined GROUP BY person_key, person_id)),
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM joined GROUP BY person_key)),
    (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM joined GROUP BY person_id))
"""

FAKE_ADDRESS = """
SELECT
    count(*) FILTER (WHERE e.flagged AND t.fake_address),
    count(*) FILTER (WHERE e.flagged),
    count(*) FILTER (WHERE t.fake_address)
FROM lake.base.base_legal_entity AS e JOIN read_parquet($truth) AS t USING (uscc)
"""

UNIT_MATCH = """
WITH truth AS (
    SELECT department || '.' || "table" AS source, "column" AS source_column, record_key,
           true_unit_code, true_building_code, room_written
    FROM read_parquet($truth)
)
SELECT
    count(*) FILTER (WHERE m.unit_code = t.true_unit_code AND t.room_written)
        / count(*) FILTER (WHERE t.true_unit_code IS NOT NULL AND t.room_written),
    count(*) FILTER (WHERE m.building_code = t.true_building_code)
        / nullif(count(*) FILTER (WHERE m.building_code IS NOT NULL), 0)
FROM lake.base.base_address_match AS m JOIN truth AS t USING (source, source_column, record_key)
"""


def score(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, float]:
    """Quality figures of the lake's base layer against the truth files in ``truth_dir``."""
    same, predicted, actual = con.execute(PERSON_PAIRS, {"truth": str(truth_dir / "person_truth.parquet")}).fetchone()
    flagged_right, flagged, fake = con.execute(FAKE_ADDRESS, {"truth": str(truth_dir / "company_truth.parquet")}
                                               ).fetchone()
    unit_rate, located_precision = con.execute(UNIT_MATCH, {"truth": str(truth_dir / "address_truth.parquet")}
                                               ).fetchone()
    return {
        "person_dedup_precision": same / predicted if predicted else 1.0,
        "person_dedup_recall": same / actual if actual else 1.0,
        "fake_address_precision": flagged_right / flagged if flagged else 0.0,
        "fake_address_recall": flagged_right / fake if fake else 1.0,
        "lake_unit_match_rate": float(unit_rate),
        "lake_building_match_precision": float(located_precision),
    }
