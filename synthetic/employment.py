"""Who works where: the plan social insurance, employment registration and annual reports share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.companies import Companies
from synthetic.config import AS_OF
from synthetic.dates import day
from synthetic.people import HEAD, PARTNER, People

_EMPLOYED_SHARE = 0.72  # of working-age adults, employed by a company registered in the district
_CHANGED_JOBS_SHARE = 0.25  # also have an earlier, ended registration


@dataclass(frozen=True)
class Employment:
    worker: np.ndarray  # person index
    employer: np.ndarray  # company index
    since: np.ndarray  # datetime64[D]
    previous_employer: np.ndarray  # company index or -1
    previous_since: np.ndarray  # NaT where there is no earlier job

    def insured_per_company(self, companies: int) -> np.ndarray:
        return np.bincount(self.employer, minlength=companies)


def plan_employment(people: People, companies: Companies, rng: np.random.Generator) -> Employment:
    age = people.age()
    adults = np.isin(people.role, (HEAD, PARTNER)) & (age >= 18) & (age <= 60)
    worker = np.flatnonzero(adults & (rng.random(len(people)) < _EMPLOYED_SHARE))
    weights = companies.size / companies.size.sum()
    employer = rng.choice(len(companies), size=len(worker), p=weights)
    adult_from = people.birth[worker] + np.timedelta64(18 * 365 + 5, "D")
    since = _between(rng, np.maximum(companies.established[employer], adult_from), day(AS_OF))
    changed = rng.random(len(worker)) < _CHANGED_JOBS_SHARE
    previous = np.where(changed, rng.choice(len(companies), size=len(worker), p=weights), -1)
    earliest = np.maximum(companies.established[np.maximum(previous, 0)], adult_from)
    previous_since = np.where(
        changed & (earliest < since), _between(rng, earliest, since), np.datetime64("NaT")
    )
    previous = np.where(np.isnat(previous_since), -1, previous)
    return Employment(worker, employer, since, previous, previous_since)


def _between(rng: np.random.Generator, start: np.ndarray, end: np.datetime64 | np.ndarray) -> np.ndarray:
    span = np.maximum((end - start).astype(np.int64), 0)
    return start + (rng.random(len(start)) * span).astype("timedelta64[D]")
