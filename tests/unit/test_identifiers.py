"""Chinese identifier validators: published examples, and the gate's SQL rules agree with them."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import pytest

from blocklake import identifiers
from blocklake.identifiers import is_valid_resident_id, is_valid_uscc
from quality import rules

AS_OF = date(2026, 10, 31)

# GB 11643-1999 gives 11010519491231002X and 440524188001010014 as its examples.
VALID_RESIDENT_IDS = ["11010519491231002X", "440524188001010014", "11010519491231002x", "110105 19491231 002X",
                      "１１０１０５１９４９１２３１００２Ｘ", "110105491231002", "440305195001011231"]
INVALID_RESIDENT_IDS = [
    "110105194912310021",  # check character wrong
    "11010519491231002Y",  # not a check character
    "440524188002300014",  # 30 February
    "990524188001010013",  # no province 99
    "110105203012310013",  # born after the as-of date
    "11010519491231002", "1101051949123100200", "110105491331002",  # lengths; month 13 in a legacy ID
    "", "ABCDEFGHIJKLMNOPQR",
]
# GB 32100-2015 shows 91350100M000100Y43; python-stdnum documents 91110000600037341L.
VALID_USCCS = ["91350100M000100Y43", "91110000600037341L", "9111 0000 6000 3734 1L", "91110000600037341l"]
INVALID_USCCS = ["91350100M000100Y42", "91110000600037341M", "91350100M000100I43", "9135010", "",
                 "01350100M000100Y43"]


@pytest.mark.parametrize("text", VALID_RESIDENT_IDS)
def test_valid_resident_ids(text: str) -> None:
    assert is_valid_resident_id(text, as_of=AS_OF)


@pytest.mark.parametrize("text", INVALID_RESIDENT_IDS)
def test_invalid_resident_ids(text: str) -> None:
    assert not is_valid_resident_id(text, as_of=AS_OF)


def test_legacy_ids_can_be_refused() -> None:
    assert not is_valid_resident_id("110105491231002", allow_legacy=False)


def test_a_nanshan_id_of_someone_born_before_the_district_existed_is_valid() -> None:
    """stdnum's birth-year county rule would refuse it; the ID carries the place of issue."""
    assert is_valid_resident_id("440305195001011231", as_of=AS_OF)


@pytest.mark.parametrize("text", VALID_USCCS)
def test_valid_usccs(text: str) -> None:
    assert is_valid_uscc(text)


@pytest.mark.parametrize("text", INVALID_USCCS)
def test_invalid_usccs(text: str) -> None:
    assert not is_valid_uscc(text)


def test_mobile_and_division_codes() -> None:
    assert identifiers.is_valid_mobile("13800138000") and identifiers.is_valid_mobile("+86 138-0013-8000")
    assert not identifiers.is_valid_mobile("12800138000") and not identifiers.is_valid_mobile("0755-26543210")
    assert identifiers.is_valid_division_code("440305") and identifiers.is_valid_division_code("440305001001")
    assert not identifiers.is_valid_division_code("4403050") and not identifiers.is_valid_division_code("990305")


def _corpus(seed: int = 7, size: int = 3000) -> list[str]:
    """Valid identifiers and near misses: a changed digit, a changed check character, full width, spaces."""
    rng = random.Random(seed)
    values = [*VALID_RESIDENT_IDS, *INVALID_RESIDENT_IDS, *VALID_USCCS, *INVALID_USCCS]
    for _ in range(size):
        body = f"{rng.choice(['11', '44', '43', '99', '00'])}{rng.randint(0, 9999):04d}"
        born = f"{rng.randint(1840, 2030)}{rng.randint(1, 13):02d}{rng.randint(1, 31):02d}"
        first17 = f"{body}{born}{rng.randint(0, 999):03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
        values.append(first17 + (check if rng.random() < 0.6 else rng.choice("0123456789X")))
        values.append(f"{body}{born[2:]}{rng.randint(0, 999):03d}")
        values.append("".join(rng.choice(identifiers.USCC_ALPHABET) for _ in range(18)))
        values.append(f"1{rng.randint(0, 9)}{rng.randint(0, 10**9 - 1):09d}")
        values.append(body + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([0, 1, 3, 6, 7]))))
    return values


@pytest.mark.parametrize(("kind", "python_rule"), [
    ("resident_id", lambda v: is_valid_resident_id(v, as_of=AS_OF)),
    ("uscc", is_valid_uscc),
    ("mobile", identifiers.is_valid_mobile),
    ("division_code", identifiers.is_valid_division_code),
])
def test_the_gates_sql_rules_agree_with_the_python_validators(kind: str, python_rule) -> None:
    values = _corpus()
    con = duckdb.connect()
    con.execute("CREATE TABLE v (value VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[value] for value in values])
    sql = rules.value_rule(kind, "value", AS_OF)
    judged = dict(con.execute(f"SELECT value, coalesce({sql}, false) FROM v").fetchall())
    disagreements = [value for value in values if judged[value] != python_rule(value)]
    assert not disagreements, disagreements[:10]
    assert any(judged.values()) and not all(judged.values())  # the corpus holds both kinds
