"""How well the parser and the matcher do: F1 on hand-labelled real addresses, rates on synthetic truth.

The labelled file is the character-level BIO data of "Neural Chinese Address Parsing" (NAACL 2019):
one character (or digit run) and its tag per line, a blank line between addresses. It is read as a
whole column, spans are cut with window functions, and the gold span texts go through the same
normalisation as the parser's output before they are compared.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from address import normalize
from address.parse import parse_addresses
from blocklake.errors import BlocklakeError
from blocklake.settings import get_settings

LABELLED_FILE = get_settings().reference_dir / "addresses" / "dev_first2015.txt"
DEVELOPMENT_SIZE = 1000  # the parser was tuned on the first 1,000 addresses; the rest is held out
# Issue 22's protocol: rules are tuned on the addresses of even index, whose errors may be read; the odd
# ones are the check, of which only the F1 is looked at (never its errors).
HALVES = {"tune": 0, "check": 1}
# Label of the data → part of the parser; a side road or its number stands in for a missing main one.
LABEL_PARTS = {
    "town": "street",
    "community": "community",
    "road": "road",
    "roadno": "roadno",
    "houseno": "building",
    "cellno": "entrance",
    "floorno": "floor",
    "roomno": "room",
}
STAND_INS = {"subroad": "road", "subroadno": "roadno"}
SCORED_PARTS = ("street", "community", "road", "roadno", "building", "entrance", "floor", "room")


class LabelledDataError(BlocklakeError):
    """The labelled address file is missing or not in the expected format."""


@dataclass(frozen=True)
class PartScore:
    part: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def f1(self) -> float:
        denominator = 2 * self.true_positives + self.false_positives + self.false_negatives
        return 2 * self.true_positives / denominator if denominator else 0.0


def read_labelled(path: Path = LABELLED_FILE) -> pl.DataFrame:
    """One row per address: ``text`` and the gold text of each part (null when not labelled)."""
    if not path.is_file():
        raise LabelledDataError(f"labelled address file not found: {path}")
    tokens = _tokens(pl.Series("line", path.read_text(encoding="utf-8").splitlines(), dtype=pl.String))
    if tokens.is_empty():
        raise LabelledDataError(f"no labelled addresses in {path}")
    texts = tokens.group_by("address", maintain_order=True).agg(text=pl.col("token").str.join(""))
    return texts.join(_gold_parts(tokens), on="address", how="left").sort("address")


def _tokens(lines: pl.Series) -> pl.DataFrame:
    """token, tag, address index and span index per non-blank line."""
    frame = pl.DataFrame({"line": lines}).with_columns(blank=pl.col("line").str.strip_chars() == "")
    frame = frame.with_columns(address=pl.col("blank").cum_sum()).filter(~pl.col("blank"))
    token_and_tag = pl.col("line").str.extract_groups(r"^(?P<token>.*) (?P<tag>\S+)\s*$")
    frame = frame.select("address", token_and_tag).unnest("line")
    if frame["tag"].is_null().any():
        raise LabelledDataError("a line without a tag: expected 'character TAG'")
    label = pl.col("tag").str.replace(r"^[BI]-", "").str.to_lowercase()
    starts = pl.col("tag").str.starts_with("B-") | (label != label.shift(1).over("address")).fill_null(True)
    return frame.with_columns(label=label).with_columns(span=starts.cum_sum())


def _gold_parts(tokens: pl.DataFrame) -> pl.DataFrame:
    spans = tokens.group_by("address", "span", maintain_order=True).agg(
        pl.col("label").first(), text=pl.col("token").str.join("")
    )
    first = spans.group_by("address", "label", maintain_order=True).agg(pl.col("text").first())
    wide = first.pivot(on="label", index="address", values="text")
    for label in (*LABEL_PARTS, *STAND_INS):
        if label not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.String).alias(label))
    parts = {part: pl.col(label) for label, part in LABEL_PARTS.items()}
    for label, part in STAND_INS.items():
        parts[part] = pl.coalesce(parts[part], pl.col(label))
    return wide.select("address", **{part: expr for part, expr in parts.items()})


def gold_forms(gold: pl.DataFrame) -> pl.DataFrame:
    """Gold span texts normalised exactly as the parser's parts are."""
    cleaned = gold.with_columns(normalize.clean_addresses(gold[part]).alias(part) for part in SCORED_PARTS)
    return cleaned.select(normalize.comparable_parts(SCORED_PARTS))


def score_parts(predicted: pl.DataFrame, gold: pl.DataFrame) -> dict[str, PartScore]:
    """Per part, (address, part, value) set comparison: equal → TP; a wrong or extra value → FP; a
    missed or wrong gold value → FN (a wrong value counts both ways)."""
    scores = {}
    for part in SCORED_PARTS:
        guess, truth = predicted[part], gold[part]
        same = (guess == truth).fill_null(False)
        scores[part] = PartScore(
            part,
            true_positives=int(same.sum()),
            false_positives=int((guess.is_not_null() & ~same).sum()),
            false_negatives=int((truth.is_not_null() & ~same).sum()),
        )
    return scores


def half(labelled: pl.DataFrame, name: str) -> pl.DataFrame:
    """The ``tune`` (even address index) or ``check`` (odd) half of the labelled addresses."""
    if name not in HALVES:
        raise LabelledDataError(f"unknown half {name!r}: expected one of {', '.join(HALVES)}")
    return labelled.filter(pl.col("address") % 2 == HALVES[name])


def real_f1(labelled: pl.DataFrame) -> dict[str, dict[str, float]]:
    """F1 per part on all labelled addresses, on the held-out ones (after ``DEVELOPMENT_SIZE``) and on
    each of the :data:`HALVES`."""
    predicted = parse_addresses(labelled["text"])
    gold = gold_forms(labelled)
    subsets = {
        "all": pl.lit(True),
        "held_out": pl.int_range(pl.len()) >= DEVELOPMENT_SIZE,
        **{name: pl.col("address") % 2 == parity for name, parity in HALVES.items()},
    }
    scores = {}
    for subset, rows in subsets.items():
        keep = labelled.select(rows.alias("keep"))["keep"]
        parts = score_parts(predicted.filter(keep), gold.filter(keep))
        scores[subset] = {part: score.f1 for part, score in parts.items()}
    return scores


def part_errors(labelled: pl.DataFrame, part: str) -> pl.DataFrame:
    """The addresses whose ``part`` the parser got wrong: index, gold and parsed value, cleaned text."""
    if part not in SCORED_PARTS:
        raise LabelledDataError(f"unknown part {part!r}: expected one of {', '.join(SCORED_PARTS)}")
    predicted = parse_addresses(labelled["text"])
    gold = gold_forms(labelled)
    frame = pl.DataFrame(
        {"address": labelled["address"], "gold": gold[part], "parsed": predicted[part], "text": predicted["normalized"]}
    )
    return frame.filter(~pl.col("gold").eq_missing(pl.col("parsed")))


def main() -> None:
    """``python -m address.evaluate [--errors PART] [--half tune|check] [--labelled FILE]``: F1 per part,
    or one part's errors (on the tune half only with ``--half tune``; the check half's are never listed)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--labelled", type=Path, default=LABELLED_FILE)
    parser.add_argument("--errors", metavar="PART", help=f"list the errors of one of: {', '.join(SCORED_PARTS)}")
    parser.add_argument("--half", choices=tuple(HALVES), help="only the tune (even) or check (odd) addresses")
    args = parser.parse_args()
    labelled = read_labelled(args.labelled)
    if args.half:
        labelled = half(labelled, args.half)
    if args.errors:
        if args.half == "check":
            raise LabelledDataError("the check half's errors are not listed: tune on --half tune, check only its F1")
        for row in part_errors(labelled, args.errors).iter_rows(named=True):
            print(f"{row['address']}\t{row['gold']}\t{row['parsed']}\t{row['text']}")
        return
    subsets = real_f1(labelled)
    for subset in ("all",) if args.half else subsets:
        print(args.half or subset, " ".join(f"{part} {f1:.4f}" for part, f1 in subsets[subset].items()))


def synthetic_scores(truth: pl.DataFrame, matched: pl.DataFrame) -> dict[str, float | int]:
    """Rates of the matcher against the generator's truth (``matched`` row-aligned with ``truth``).

    - unit_match_rate: of texts that name a room of a real unit (true unit known, room written), the
      share matched to exactly that unit;
    - building_match_rate: of texts about a real building, the share matched to that building;
    - match_precision: of all rows given a unit or a building code, the share whose every given code
      is right; rows of addresses that do not exist (``exists`` false) are wrong whenever coded;
    - review_share: rows flagged for review.
    """
    frame = pl.concat([truth, matched], how="horizontal")
    unit_named = pl.col("true_unit_code").is_not_null() & pl.col("room_written")
    unit_right = (pl.col("unit_code") == pl.col("true_unit_code")).fill_null(False)
    building_right = (pl.col("building_code") == pl.col("true_building_code")).fill_null(False)
    coded = pl.col("unit_code").is_not_null() | pl.col("building_code").is_not_null()
    right = (pl.col("unit_code").is_null() | unit_right) & (pl.col("building_code").is_null() | building_right)
    right = right & pl.col("exists")
    return frame.select(
        unit_match_rate=unit_right.filter(unit_named).mean(),
        building_match_rate=building_right.filter(pl.col("true_building_code").is_not_null()).mean(),
        match_precision=right.filter(coded).mean(),
        review_share=pl.col("needs_review").mean(),
        unit_addresses=unit_named.sum(),
        coded_addresses=coded.sum(),
    ).row(0, named=True)


if __name__ == "__main__":
    main()
