"""Invented place names: estates (小区) with their aliases, and named office buildings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic.vocab import ALIAS_TAILS

_ALIAS_SHARE = 0.3  # estates known by another name too
_SHORT_ALIAS_SHARE = 0.3  # of those, also known by the head alone (海韵)


def pick_names(
    rng: np.random.Generator, n: int, heads: tuple[str, ...], tails: tuple[str, ...], phases: tuple[str, ...]
) -> list[str]:
    """``n`` names head+tail(+phase), unique while the combinations last; phases only once plain
    head+tail names run out, as real developments add 二期 to an existing name."""
    base = len(heads) * len(tails)
    rounds = -(-n // base) if n else 0
    index = (
        np.concatenate([rng.permutation(base) + r * base for r in range(rounds)])[:n] if n else np.array([])
    )
    index = rng.permutation(index).astype(np.int64)
    phase, rest = np.divmod(index, base)
    head, tail = np.divmod(rest, len(tails))
    return [heads[h] + tails[t] + phases[p % len(phases)] for h, t, p in zip(head, tail, phase, strict=True)]


def alias_names(rng: np.random.Generator, names: list[str]) -> pa.Array:
    """Other names residents use for each estate (list<string>, often empty): the same head with an
    older tail (海韵嘉园 → 海韵花园), sometimes the head alone (海韵)."""
    aliases: list[list[str]] = []
    draws = rng.random((len(names), 3))
    for name, (has_alias, has_short, tail_pick) in zip(names, draws, strict=True):
        head = name[:2]
        options = [tail for tail in ALIAS_TAILS if not name.startswith(head + tail)]
        found = []
        if has_alias < _ALIAS_SHARE:
            found.append(head + options[int(tail_pick * len(options))])
            if has_short < _SHORT_ALIAS_SHARE:
                found.append(head)
        aliases.append(found)
    return pa.array(aliases, pa.list_(pa.string()))
