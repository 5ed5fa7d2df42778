"""Regenerate ``address/data/divisions.tsv.xz`` from the five-level location dictionary in jionlp.

The dictionary (``jionlp/dictionary/china_location.zip``, Apache-2.0) is a tab-indented tree:
province, prefecture and county lines carry their 6-digit codes; towns (one tab less than villages)
and villages or communities carry only their names. This module flattens it to one row per village
with its county's code, names and town, which Polars reads in one call. Only the wheel is read, so
jionlp (and its dependencies) need not be installed::

    python -m pip download jionlp==1.5.31 --no-deps -d /tmp/jionlp
    python -m address.gazetteer_build /tmp/jionlp/jionlp-1.5.31-py2.py3-none-any.whl
"""

from __future__ import annotations

import argparse
import io
import lzma
import zipfile
from collections.abc import Iterator
from pathlib import Path

from address.divisions import DIVISIONS_FILE, GAZETTEER_COLUMNS
from blocklake.errors import BlocklakeError

_DICTIONARY = "jionlp/dictionary/china_location.zip"
_TREE = "china_location.txt"


class GazetteerSourceError(BlocklakeError):
    """The jionlp wheel is missing or its location dictionary is not where or what it should be."""


def read_tree(wheel: Path) -> list[str]:
    """The dictionary's lines (tabs kept, line ends dropped) from inside the wheel."""
    if not wheel.is_file():
        raise GazetteerSourceError(
            f"no jionlp wheel at {wheel}: download it with pip download jionlp==1.5.31 --no-deps -d <folder>"
        )
    try:
        with zipfile.ZipFile(wheel) as outer, zipfile.ZipFile(io.BytesIO(outer.read(_DICTIONARY))) as inner:
            return inner.read(_TREE).decode("utf-8").splitlines()
    except KeyError as missing:
        message = f"{wheel} has no {_DICTIONARY}/{_TREE}: not a jionlp wheel of the 1.5 line"
        raise GazetteerSourceError(message) from missing


def village_rows(lines: list[str]) -> Iterator[tuple[str, ...]]:
    """(county code, province, prefecture, county, town, village) for every village under a coded county."""
    names = ["", "", "", ""]  # province, prefecture, county, town
    code = ""
    for number, line in enumerate(lines, start=1):
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if not fields[0]:
            continue
        if depth > 4:
            raise GazetteerSourceError(f"{_TREE} line {number}: nested {depth} deep, at most 4 expected")
        if depth < 4:
            names[depth:] = [fields[0]] + [""] * (3 - depth)
            if depth <= 2:  # Taiwan's counties have no code: their villages are left out
                code = fields[1] if depth == 2 and len(fields) > 1 else ""
        elif code and names[3]:
            yield (code, *names, fields[0])


def write_divisions(wheel: Path, target: Path = DIVISIONS_FILE) -> int:
    rows = ["\t".join(GAZETTEER_COLUMNS), *("\t".join(row) for row in village_rows(read_tree(wheel)))]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(lzma.compress(("\n".join(rows) + "\n").encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    return len(rows) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="jionlp-1.5.31-py2.py3-none-any.whl")
    parser.add_argument("--target", type=Path, default=DIVISIONS_FILE)
    args = parser.parse_args()
    count = write_divisions(args.wheel, args.target)
    print(f"wrote {count:,} villages to {args.target} ({args.target.stat().st_size / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
